import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@Suite("openapi.yaml matches the router", .databases)
struct OpenAPITests {
    /// `METHOD /path` pairs from the spec's `paths:` section (2-space path keys, 4-space methods).
    static func specRoutes(_ text: String) -> Set<String> {
        var routes = Set<String>()
        var inPaths = false
        var current: String?
        let methods: Set<String> = ["get", "post", "put", "patch", "delete"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty {
                inPaths = line.hasPrefix("paths:")
                current = nil
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   ") {
                current = String(line.dropFirst(2).dropLast(line.hasSuffix(":") ? 1 : 0)).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let current {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if methods.contains(String(key)) { routes.insert("\(key.uppercased()) \(current)") }
            }
        }
        return routes
    }

    @Test func everyRouteIsDocumentedAndNothingElse() async throws {
        let recorder = RouteRecorder()
        let (db, config) = try await makeDatabase(.sqlite)
        _ = buildRouter(services: AppServices(config: config, database: db), recorder: recorder)
        await db.shutdown()
        let registered = Set(recorder.all)
        let documented = Self.specRoutes(OpenAPIDocument.text)
        #expect(registered.count > 20)
        #expect(registered.subtracting(documented).isEmpty, "undocumented routes: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "documented but not served: \(documented.subtracting(registered).sorted())")
    }

    /// A path key written twice is legal-looking YAML whose second block silently
    /// replaces the first in every YAML parser (the fuzzer then lost GET on a path).
    @Test func noPathIsDocumentedTwice() {
        var seen: [String: Int] = [:]
        for line in OpenAPIDocument.text.split(separator: "\n") where line.hasPrefix("  /") && !line.hasPrefix("   ") {
            seen[String(line), default: 0] += 1
        }
        let twice = seen.filter { $0.value > 1 }.keys.sorted()
        #expect(seen.count > 100)
        #expect(twice.isEmpty, "paths documented twice: \(twice)")
    }
}

@Suite("Methods the router does not serve", .databases)
struct MethodNotAllowedTests {
    /// A served path under another method is 405 with `Allow`; an unknown path is 404.
    @Test func servedPathsAnswer405WithAllow() async throws {
        try await TestApp.with(.sqlite) { app in
            let trace = try await app.call(.trace, "/health")
            #expect(trace.status == .methodNotAllowed && trace.headers[.allow] == "GET")
            let patch = try await app.call(.patch, "/en/shop/customers/1")
            #expect(patch.status == .methodNotAllowed && patch.headers[.allow] == "GET")
            #expect(patch.json["error"]?["code"] == .string("METHOD_NOT_ALLOWED"))
            let hooks = try await app.call(.patch, "/en/partners/webhooks/7")
            #expect(hooks.status == .methodNotAllowed && hooks.headers[.allow] == "GET, PUT, DELETE")
            #expect(try await app.call(.get, "/en/shop/no-such-thing").status == .notFound)
            // A literal segment is served by its own route only, never by a `{id}` sibling's.
            let literal = try await app.call(.put, "/en/shop/offers/coupons")
            #expect(literal.status == .methodNotAllowed && literal.headers[.allow] == "GET")
            #expect(try await app.call(.delete, "/en/shop/xml-import/stats").headers[.allow] == "GET")
            #expect(try await app.call(.put, "/en/shop/offers/7").headers[.allow] == nil, "PUT offers/{id} is served")
        }
    }
}
