import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@testable import LoyaltyServer

/// Each role against each Partner API route, generated from the router's own route
/// list (as the tenant-isolation test is): every route declares its access, and a
/// caller it refuses gets 403 naming the role, before anything is read or written.
@Suite("Partner roles", .databases)
struct PartnerRoleTests {
    /// Routes that authenticate by their body, or by a signed link (an export's download).
    static let open: Set<String> = [
        "POST /{locale}/partners/auth/login", "POST /{locale}/partners/auth/refresh", "GET /{locale}/partners/exports/{id}/download",
    ]

    enum Caller: String, CaseIterable {
        case staff, manager, owner, `operator`, credential
    }

    @Test(arguments: Backend.allCases)
    func everyRouteEnforcesItsRole(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let recorder = RouteRecorder()
            _ = buildRouter(services: app.services, recorder: recorder)
            let access = recorder.access
            let partnerRoutes = Set(recorder.all.filter { $0.contains(" /{locale}/partners") })
            #expect(partnerRoutes.subtracting(access.keys).subtracting(Self.open).isEmpty, "routes without a declared access")
            #expect(access.count >= 45, "\(access.count)")
            // The declarations themselves, for the routes whose role matters most.
            let declared: [String: RouteAccess] = [
                "GET /{locale}/partners": .operatorOnly, "POST /{locale}/partners": .operatorOnly, "DELETE /{locale}/partners/{id}": .operatorOnly,
                "PUT /{locale}/partners/{id}": .partnerOrOperator(.owner), "POST /{locale}/partners/users": .role(.owner, credentials: false),
                "PUT /{locale}/partners/users/{id}": .role(.owner, credentials: false),
                "GET /{locale}/partners/audit-log": .role(.owner, credentials: false),
                "POST /{locale}/partners/shops": .role(.manager, credentials: false),
                "GET /{locale}/partners/shops": .role(.staff, credentials: true),
                "GET /{locale}/partners/customers": .role(.staff, credentials: false),
                "POST /{locale}/partners/games": .role(.manager, credentials: true),
                "POST /{locale}/partners/webhooks": .role(.manager, credentials: true), "GET /{locale}/partners/auth/me": .signedIn,
            ]
            for (route, rule) in declared { #expect(access[route] == rule, "\(route): \(access[route].map(String.init(describing:)) ?? "none")") }
            for caller in Caller.allCases where caller != .credential {
                try await app.partnerUser(
                    "\(caller.rawValue)@example.com",
                    role: PartnerRole(rawValue: caller.rawValue) ?? .staff,
                    isOperator: caller == .operator
                )
            }
            var checked = 0
            for (route, rule) in access.sorted(by: { $0.key < $1.key }) {
                let parts = route.split(separator: " ", maxSplits: 1)
                let method = HTTPRequest.Method(String(parts[0]))!
                let path = String(parts[1]).replacingOccurrences(of: "{locale}", with: "en").split(separator: "/").map {
                    $0.hasPrefix("{") ? "999999999" : String($0)
                }.joined(separator: "/")
                for caller in Caller.allCases {
                    let role = PartnerRole(rawValue: caller.rawValue)
                    let allowed = rule.allows(
                        user: caller == .credential ? nil : (role ?? .staff),
                        isOperator: caller == .operator,
                        credential: caller == .credential
                    )
                    let body = method == .get || method == .delete ? nil : "{}"
                    let reply: TestApp.Reply
                    if caller == .credential {
                        reply = try await app.call(method, "/" + path, json: body)
                    } else {
                        // A fresh token per call: routes such as sign-out end the previous one.
                        let account = try #require(try await app.services.partnerUsers.credentials(email: "\(caller.rawValue)@example.com"))
                        let token = try await app.services.partnerTokens.accessToken(account)
                        reply = try await app.asUser(token, method, "/" + path, json: body)
                    }
                    let code = reply.int("code")
                    let refused = reply.status == .forbidden && (code == 1108 || code == 1111)
                    let unauthenticated = reply.status == .unauthorized && (code == 1004 || code == 1110)
                    if allowed {
                        #expect(!refused && !unauthenticated, "\(caller) should pass \(route) (\(rule)): \(reply.json.serializedString())")
                    } else {
                        #expect(refused, "\(caller) should be refused \(route) (\(rule)): \(reply.status.code) \(reply.json.serializedString())")
                    }
                    checked += 1
                }
            }
            #expect(checked == access.count * Caller.allCases.count)
        }
    }

    @Test func accessRules() {
        #expect(RouteAccess.role(.manager, credentials: true).allows(user: nil, isOperator: false, credential: true))
        #expect(!RouteAccess.role(.owner, credentials: true).allows(user: nil, isOperator: false, credential: true), "credentials act as managers")
        #expect(!RouteAccess.role(.staff, credentials: false).allows(user: nil, isOperator: false, credential: true))
        #expect(!RouteAccess.role(.staff, credentials: false).allows(user: .owner, isOperator: true, credential: false), "operators run no programme")
        #expect(RouteAccess.partnerOrOperator(.owner).allows(user: .staff, isOperator: true, credential: false))
        #expect(!RouteAccess.partnerOrOperator(.owner).allows(user: .manager, isOperator: false, credential: false))
        #expect(!RouteAccess.operatorOnly.allows(user: .owner, isOperator: false, credential: false))
    }
}
