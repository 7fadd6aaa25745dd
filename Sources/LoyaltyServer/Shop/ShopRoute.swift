import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import NIOCore
import Synchronization

/// What a Shop API endpoint receives: the authenticated caller, the locale and the
/// request's fields (JSON body for writes, query string for reads).
struct ShopCall: Sendable {
    var principal: Principal
    var locale: Locale
    var requestID: String
    var parameters: [String: String]
    var fields: Fields
    /// The customer of a customer-token call (``ShopRoutes/Auth/customer``).
    var customerID: Int64?
    /// The request's `Host` header and forwarded scheme, for URLs the answer advertises.
    var host: String?
    var forwardedScheme: String?

    var partnerID: Int64 { principal.partnerID }
}

/// What an endpoint answers on success; the route renders the envelope.
struct APIResult: Sendable {
    var status: HTTPResponse.Status = .ok
    var messageKey: String = "ok"
    var args: [String: String] = [:]
    var data: JSON
    var meta: JSON?
    var extra: [(String, JSON)] = []
    /// A non-JSON answer (an image): sent as is, without the envelope.
    var raw: (contentType: String, body: [UInt8], headers: HTTPFields)?

    init(status: HTTPResponse.Status = .ok, messageKey: String = "ok", args: [String: String] = [:], data: JSON, meta: JSON? = nil, extra: [(String, JSON)] = []) {
        self.status = status
        self.messageKey = messageKey
        self.args = args
        self.data = data
        self.meta = meta
        self.extra = extra
    }

    init(contentType: String, body: [UInt8], headers: HTTPFields = [:]) {
        self.data = .null
        self.raw = (contentType, body, headers)
    }
}

/// Registers Shop API endpoints with the cross-cutting steps every one of them shares,
/// in this order: locale, authentication, rate limit, body limit and JSON parsing,
/// `Idempotency-Key` replay (POST), the handler, then the envelope.
struct ShopRoutes {
    let services: AppServices
    let group: RouterGroup<LoyaltyRequestContext>
    let recorder: RouteRecorder
    /// The API family's path segment after the locale (`shop`, `partners`).
    var family: String = "shop"
    /// Who may call: integrators with API credentials, customers with a customer token
    /// (`Authorization: Bearer <jwt>`), or anyone (the handler authenticates by its body).
    var auth: Auth = .credentials

    enum Auth { case credentials, customer, anyone }

    func with(_ auth: Auth) -> ShopRoutes {
        var copy = self
        copy.auth = auth
        return copy
    }

    enum BodyKind { case none, json, bulk }

    func get(_ path: String, _ handler: @escaping @Sendable (ShopCall) async throws -> APIResult) {
        recorder.record("GET", "/:locale/\(family)/" + path)
        group.get(RouterPath(path)) { request, context in try await run(request, context, body: .none, handler) }
    }

    func post(_ path: String, bulk: Bool = false, _ handler: @escaping @Sendable (ShopCall) async throws -> APIResult) {
        recorder.record("POST", "/:locale/\(family)/" + path)
        group.post(RouterPath(path)) { request, context in try await run(request, context, body: bulk ? .bulk : .json, handler) }
    }

    func put(_ path: String, _ handler: @escaping @Sendable (ShopCall) async throws -> APIResult) {
        recorder.record("PUT", "/:locale/\(family)/" + path)
        group.put(RouterPath(path)) { request, context in try await run(request, context, body: .json, handler) }
    }

    func delete(_ path: String, _ handler: @escaping @Sendable (ShopCall) async throws -> APIResult) {
        recorder.record("DELETE", "/:locale/\(family)/" + path)
        group.delete(RouterPath(path)) { request, context in try await run(request, context, body: .none, handler) }
    }

    private func run(_ request: Request, _ context: LoyaltyRequestContext, body kind: BodyKind, _ handler: @Sendable (ShopCall) async throws -> APIResult) async throws -> Response {
        let localeParam = context.parameters.get("locale") ?? ""
        guard let locale = Locale(rawValue: localeParam) else { throw APIError.notFound("unknown_locale", args: ["locale": String(localeParam.prefix(16))]) }
        var principal = Principal(credentialID: 0, partnerID: 0, shopID: nil, key: "", environment: services.config.environment)
        var customerID: Int64?
        switch auth {
        case .credentials:
            principal = try await services.authenticator.authenticate(request.headers)
        case .customer:
            guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
                throw APIError.unauthorized("token_required", code: 1004, stringCode: "UNAUTHENTICATED")
            }
            guard let claims = await services.customerTokens.verify(String(header.dropFirst(7)).asciiTrimmed), let id = claims.customerID else {
                throw APIError.unauthorized("token_invalid", code: 1103, stringCode: "INVALID_TOKEN")
            }
            principal.partnerID = claims.pid
            // Rate-limit buckets: credentials by their id, customers by minus theirs.
            principal.credentialID = -id
            customerID = id
        case .anyone:
            break
        }
        var rateHeaders: HTTPFields = [:]
        if services.rateLimiter.enabled, auth != .anyone {
            let d = services.rateLimiter.take(principal.credentialID)
            rateHeaders[HeaderName.rateLimitLimit] = String(d.limit)
            rateHeaders[HeaderName.rateLimitRemaining] = String(d.remaining)
            rateHeaders[HeaderName.rateLimitReset] = String(d.resetAt)
            if !d.allowed {
                rateHeaders[.retryAfter] = String(d.retryAfter)
                var e = APIError(status: .tooManyRequests, code: 1003, stringCode: "RATE_LIMIT_EXCEEDED", messageKey: "rate_limited", args: ["seconds": String(d.retryAfter)], details: [("retry_after", .int(Int64(d.retryAfter)))])
                e.headers = rateHeaders
                throw e
            }
        }
        var parameters: [String: String] = [:]
        for (k, v) in context.parameters where k != "locale" { parameters[String(k)] = String(v) }

        var bodyBytes: [UInt8] = []
        var json = JSON.object([])
        if kind != .none {
            let limit = kind == .bulk ? services.config.maxBulkBodyBytes : services.config.maxBodyBytes
            let buffer: ByteBuffer
            do {
                // A body that trickles in (slowloris) gets 408 and the connection closed.
                let body = request.body
                buffer = try await withDeadline(seconds: services.config.bodyTimeoutSeconds, timeoutError: { BodyTimeout() }) { try await body.collect(upTo: limit) }
            } catch is BodyTimeout {
                var e = APIError(status: .requestTimeout, code: 1105, stringCode: "REQUEST_TIMEOUT", messageKey: "body_timeout", args: ["seconds": String(Int(services.config.bodyTimeoutSeconds))])
                e.headers[.connection] = "close"
                throw e
            } catch {
                throw APIError(status: .contentTooLarge, code: 1104, stringCode: "PAYLOAD_TOO_LARGE", messageKey: "body_too_large", args: ["limit": String(limit)])
            }
            bodyBytes = Array(buffer.readableBytesView)
            if !bodyBytes.isEmpty && !bodyBytes.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) {
                do {
                    json = try JSONDecoder().decode(JSON.self, from: Data(bodyBytes))
                } catch {
                    throw APIError.badRequest("malformed_json", stringCode: "MALFORMED_JSON", args: ["detail": Self.describe(error)])
                }
                guard case .object = json else { throw APIError.badRequest("body_not_object", stringCode: "MALFORMED_JSON") }
            }
        }
        let fields: Fields
        if kind == .none {
            var query: [String: String] = [:]
            for (k, v) in request.uri.queryParameters where query[String(k)] == nil { query[String(k)] = String(v) }
            fields = Fields(query: query, locale: locale)
        } else {
            fields = Fields(json, locale: locale)
        }
        var call = ShopCall(principal: principal, locale: locale, requestID: context.requestID, parameters: parameters, fields: fields)
        call.customerID = customerID
        call.host = request.head.authority
        call.forwardedScheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!]

        // Idempotency-Key: the first response to a key is stored and replayed; the same
        // key with another body is refused.
        var idemKey: String?
        if kind != .none, auth == .credentials, let key = request.headers[HeaderName.idempotencyKey] {
            guard !key.isEmpty, key.utf8.count <= 255, key.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) else {
                throw APIError.badRequest("idempotency_key_invalid", stringCode: "INVALID_IDEMPOTENCY_KEY")
            }
            var hasher = SHA256()
            hasher.update(data: Array("\(request.method.rawValue) \(request.uri.path)\n".utf8))
            hasher.update(data: bodyBytes)
            let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            switch try await services.idempotency.claim(partnerID: principal.partnerID, key: key, requestHash: hash) {
            case .claimed: idemKey = key
            case let .replay(status, body):
                var headers = rateHeaders
                headers[HeaderName.idempotentReplayed] = "true"
                return Envelope.response(status: HTTPResponse.Status(code: status), body: Array(body.utf8), headers: headers)
            case .mismatch:
                throw APIError(status: .unprocessableContent, code: 1305, stringCode: "IDEMPOTENCY_KEY_REUSED", messageKey: "idempotency_mismatch")
            case .inProgress:
                throw APIError.conflict("idempotency_in_progress", code: 1306, stringCode: "IDEMPOTENCY_IN_PROGRESS")
            }
        }

        let status: HTTPResponse.Status
        let body: [UInt8]
        var extraHeaders: HTTPFields = [:]
        do {
            let result = try await handler(call)
            if let raw = result.raw {
                var headers = rateHeaders
                for f in raw.headers { headers[f.name] = f.value }
                headers[.contentType] = raw.contentType
                return Response(status: result.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: raw.body)))
            }
            status = result.status
            body = Envelope.success(status: result.status, requestID: context.requestID, message: Messages.text(result.messageKey, locale, result.args), data: result.data, meta: result.meta, extra: result.extra)
        } catch {
            let apiError = ErrorMapping.apiError(error, logger: context.logger)
            if let key = idemKey, apiError.status.code >= 500 {
                try? await services.idempotency.abandon(partnerID: principal.partnerID, key: key)
                idemKey = nil
            }
            status = apiError.status
            body = Envelope.error(apiError, requestID: context.requestID, locale: locale)
            extraHeaders = apiError.headers
        }
        if let idemKey {
            try await services.idempotency.complete(partnerID: principal.partnerID, key: idemKey, status: Int(status.code), body: String(decoding: body, as: UTF8.self))
        }
        var headers = rateHeaders
        for f in extraHeaders { headers[f.name] = f.value }
        return Envelope.response(status: status, body: body, headers: headers)
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? DecodingError {
            switch e {
            case let .dataCorrupted(ctx): return ctx.debugDescription
            case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx), let .keyNotFound(_, ctx): return ctx.debugDescription
            @unknown default: return "unreadable body"
            }
        }
        return "unreadable body"
    }
}

/// The request body did not arrive within ``AppConfig/bodyTimeoutSeconds``.
struct BodyTimeout: Error {}

/// Collects every registered route as `METHOD /path/{param}`, so a test can hold the
/// router and `openapi.yaml` to the same list.
public final class RouteRecorder: Sendable {
    private let routes = Mutex<[String]>([])

    public init() {}

    func record(_ method: String, _ path: String) {
        let openAPIPath = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        routes.withLock { $0.append("\(method) /\(openAPIPath)") }
    }

    public var all: [String] { routes.withLock { $0 } }

    /// The methods served at `path` (`{param}` segments match any one segment).
    func methods(matching path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var out: [String] = []
        for route in all {
            let pieces = route.split(separator: " ", maxSplits: 1)
            guard pieces.count == 2 else { continue }
            let pattern = pieces[1].split(separator: "/", omittingEmptySubsequences: true)
            guard pattern.count == parts.count else { continue }
            if zip(pattern, parts).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }), !out.contains(String(pieces[0])) { out.append(String(pieces[0])) }
        }
        return out
    }
}
