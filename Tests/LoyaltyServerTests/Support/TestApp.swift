import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import NIOCore
import Testing

/// A migrated database with one provisioned shop, the services over it, and the
/// real router, driven through HummingbirdTesting. Built the way `main` builds it.
struct TestApp: Sendable {
    let services: AppServices
    let shop: ProvisionedShop
    let client: any TestClientProtocol

    var key: String { shop.credential.key }
    var secret: String { shop.secret }
    var partnerID: Int64 { shop.partner.id }

    /// Runs `body` against a fresh app on `backend`; `configure` may change the config first.
    /// `clock` is the time every repository and service reads (pin it with ``ManualWallClock``).
    static func with(
        _ backend: Backend,
        configure: (inout AppConfig) -> Void = { _ in },
        clock: any WallClock = SystemWallClock(),
        _ body: @escaping @Sendable (TestApp) async throws -> Void
    ) async throws {
        let (database, initial) = try await makeDatabase(backend)
        var config = initial
        configure(&config)
        let services = AppServices(config: config, database: database, clock: clock)
        let runner = Task { await database.run() }
        defer { runner.cancel() }
        try await Migrator(database: database).migrate()
        let shop = try await services.provisionShop(name: "Test Shop")
        let app = Application(router: buildRouter(services: services))
        do {
            try await app.test(.router) { client in
                try await body(TestApp(services: services, shop: shop, client: client))
            }
        } catch {
            await services.dispatcher.shutdown()
            runner.cancel()
            await database.shutdown()
            throw error
        }
        await services.dispatcher.shutdown()
        runner.cancel()
        await database.shutdown()
    }

    struct Reply: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var json: JSON
        /// The body as received (downloads).
        var body: [UInt8] = []

        var data: JSON { json["data"] ?? .null }
        func int(_ path: String...) -> Int64? {
            var v: JSON? = json
            for p in path { v = v?[p] }
            if case let .int(i)? = v { return i }
            return nil
        }
        func string(_ path: String...) -> String? {
            var v: JSON? = json
            for p in path { v = v?[p] }
            if case let .string(s)? = v { return s }
            return nil
        }
    }

    /// Sends a request with this shop's credentials (unless `headers` replaces them).
    @discardableResult
    func call(
        _ method: HTTPRequest.Method,
        _ path: String,
        json body: String? = nil,
        body raw: [UInt8]? = nil,
        headers extra: HTTPFields = [:],
        auth: Bool = true
    ) async throws -> Reply {
        var headers = HTTPFields()
        if auth {
            headers[HTTPField.Name("X-API-Key")!] = key
            headers[HTTPField.Name("X-API-Secret")!] = secret
        }
        headers[.contentType] = "application/json"
        for f in extra { headers[f.name] = f.value }
        let payload = raw.map { ByteBuffer(bytes: $0) } ?? body.map { ByteBuffer(string: $0) }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: payload)
        let bytes = Data(response.body.readableBytesView)
        let json = bytes.isEmpty ? JSON.null : (try? JSONDecoder().decode(JSON.self, from: bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
        return Reply(status: response.status, headers: response.headers, json: json, body: Array(bytes))
    }

    @discardableResult
    func post(_ path: String, _ body: String, headers: HTTPFields = [:]) async throws -> Reply {
        try await call(.post, path, json: body, headers: headers)
    }

    func get(_ path: String) async throws -> Reply { try await call(.get, path) }

    /// Creates a customer through the API and returns its id.
    func customer(_ email: String) async throws -> Int64 {
        let r = try await post("/en/shop/customers", #"{"email":"\#(email)","name":"Test"}"#)
        return try #require(r.int("data", "id"), "customer create failed: \(r.json.serializedString())")
    }

    func balance(_ userID: Int64) async throws -> Int64 {
        let r = try await get("/en/shop/loyalty-cards/balance?user_id=\(userID)")
        return try #require(r.int("data", "points"), "balance failed: \(r.json.serializedString())")
    }

    /// Asserts balance == sum(ledger entries) for every card of the partner, and no negative balance.
    func expectLedgerConsistent(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let violations = try await services.ledger.invariantViolations(partnerID: nil)
        #expect(violations.isEmpty, "ledger invariant broken: \(violations)", sourceLocation: sourceLocation)
    }
}

extension HTTPFields {
    static func of(_ pairs: [String: String]) -> HTTPFields {
        var f = HTTPFields()
        for (k, v) in pairs { f[HTTPField.Name(k)!] = v }
        return f
    }
}

extension JSON {
    /// The first element of an array.
    var arrayFirst: JSON? {
        if case let .array(items) = self { return items.first }
        return nil
    }
}

/// Runs `count` calls of `body` at once and returns their results (in completion order).
func concurrently<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
    try await withThrowingTaskGroup(of: T.self) { group in
        for i in 0..<count { group.addTask { try await body(i) } }
        var out: [T] = []
        for try await r in group { out.append(r) }
        return out
    }
}

/// Runs `body` for `0..<count` with at most `width` calls in flight, results in index
/// order: for setting up many objects without making the setup itself the stress test.
func inBatches<T: Sendable>(_ count: Int, width: Int = 16, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
    var out: [T] = []
    for start in stride(from: 0, to: count, by: width) {
        let end = min(count, start + width)
        let batch = try await withThrowingTaskGroup(of: (Int, T).self) { group in
            for i in start..<end { group.addTask { (i, try await body(i)) } }
            var part: [(Int, T)] = []
            for try await r in group { part.append(r) }
            return part.sorted { $0.0 < $1.0 }.map(\.1)
        }
        out += batch
    }
    return out
}

/// Today's UTC date as `YYYY-MM-DD`.
func todayUTC() -> String {
    String(ISO8601DateFormatter().string(from: Date()).prefix(10))
}
