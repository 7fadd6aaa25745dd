import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@Suite("Shop API authentication and cross-cutting behaviour", .databases)
struct ShopAuthTests {
    @Test(arguments: Backend.allCases)
    func validateCredentials(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let ok = try await app.post("/en/shop/validate-credentials", "")
            #expect(ok.status == .ok)
            #expect(ok.json["valid"] == .bool(true))
            #expect(ok.int("data", "partner_id") == app.partnerID)
            #expect(ok.string("data", "api_key")?.hasPrefix("lty_") == true)
            #expect(ok.headers[HTTPField.Name("X-Request-Id")!] == ok.string("request_id"))

            let missing = try await app.call(.post, "/en/shop/validate-credentials", auth: false)
            #expect(missing.status == .unauthorized)
            #expect(missing.int("code") == 1004)
            #expect(missing.string("error", "code") == "AUTH_REQUIRED")

            let badFormat = try await app.call(
                .post,
                "/en/shop/validate-credentials",
                headers: .of(["X-API-Key": "nope", "X-API-Secret": "x"]),
                auth: false
            )
            #expect(badFormat.status == .unauthorized)
            #expect(badFormat.int("code") == 1011)

            let wrongSecret = try await app.call(
                .post,
                "/en/shop/validate-credentials",
                headers: .of(["X-API-Key": app.key, "X-API-Secret": "wrong"]),
                auth: false
            )
            #expect(wrongSecret.status == .unauthorized)
            #expect(wrongSecret.int("code") == 1101)

            // The seed FAQ's form: Bearer <api_key> + Shop-ID.
            let bearer = try await app.call(
                .post,
                "/en/shop/validate-credentials",
                headers: .of(["Authorization": "Bearer \(app.key)", "Shop-ID": String(app.shop.shop.id)]),
                auth: false
            )
            #expect(bearer.status == .ok)
            let bearerWrongShop = try await app.call(
                .post,
                "/en/shop/validate-credentials",
                headers: .of(["Authorization": "Bearer \(app.key)", "Shop-ID": "999999"]),
                auth: false
            )
            #expect(bearerWrongShop.status == .unauthorized)

            // Lithuanian messages under /lt.
            let lt = try await app.call(.post, "/lt/shop/validate-credentials", auth: false)
            #expect(lt.string("message") == "Būtini API raktas ir slaptažodis.")

            // A staging key does not work on a production server; a revoked key stops working.
            let (staging, stagingSecret) = try await app.services.tenants.createCredential(
                partnerID: app.partnerID,
                shopID: nil,
                environment: .staging,
                name: nil,
                expiresAt: nil
            )
            let env = try await app.call(
                .post,
                "/en/shop/validate-credentials",
                headers: .of(["X-API-Key": staging.key, "X-API-Secret": stagingSecret]),
                auth: false
            )
            #expect(env.status == .unauthorized)
            #expect(env.string("message")?.contains("staging") == true)
            let (expired, expiredSecret) = try await app.services.tenants.createCredential(
                partnerID: app.partnerID,
                shopID: nil,
                environment: .production,
                name: nil,
                expiresAt: 1
            )
            let exp = try await app.call(
                .post,
                "/en/shop/validate-credentials",
                headers: .of(["X-API-Key": expired.key, "X-API-Secret": expiredSecret]),
                auth: false
            )
            #expect(exp.int("code") == 1014)

            let unknownLocale = try await app.post("/fr/shop/validate-credentials", "")
            #expect(unknownLocale.status == .notFound)
            let unknownRoute = try await app.get("/en/shop/nothing-here")
            #expect(unknownRoute.status == .notFound)
            #expect(unknownRoute.json["success"] == .bool(false))
        }
    }

    @Test func revokedKeyIsRefusedAfterCache() async throws {
        try await TestApp.with(.sqlite, configure: { $0.credentialCacheSeconds = 0 }) { app in
            #expect(try await app.post("/en/shop/validate-credentials", "").status == .ok)
            #expect(try await app.services.tenants.revokeCredential(key: app.key))
            let after = try await app.post("/en/shop/validate-credentials", "")
            #expect(after.status == .unauthorized)
        }
    }

    @Test func rateLimitAnswers429WithRetryAfter() async throws {
        try await TestApp.with(.sqlite, configure: { $0.shopRateLimitPerMinute = 3 }) { app in
            for _ in 0..<3 {
                let r = try await app.post("/en/shop/validate-credentials", "")
                #expect(r.status == .ok)
                #expect(r.headers[HTTPField.Name("X-RateLimit-Limit")!] == "3")
            }
            let limited = try await app.post("/en/shop/validate-credentials", "")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
            #expect(limited.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "0")
            #expect(limited.int("code") == 1003)
        }
    }

    @Test(arguments: Backend.allCases)
    func healthIsUnenveloped(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            for path in ["/health", "/en/shop/system/health"] {
                let r = try await app.call(.get, path, auth: false)
                #expect(r.status == .ok)
                #expect(r.string("status") == "ok")
                #expect(r.string("database") == backend.rawValue)
                #expect(r.json["success"] == nil)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func tenantsNeverSeeEachOther(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("a@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"T1","user_id":\#(user),"order_total":10}"#)
            let other = try await app.services.provisionShop(name: "Other")
            let headers = HTTPFields.of(["X-API-Key": other.credential.key, "X-API-Secret": other.secret])
            let card = try await app.call(.get, "/en/shop/loyalty-cards/balance?user_id=\(user)", headers: headers, auth: false)
            #expect(card.status == .notFound)
            let tx = try await app.call(.get, "/en/shop/transactions", headers: headers, auth: false)
            #expect(tx.int("meta", "total") == 0)
            let steal = try await app.call(
                .post,
                "/en/shop/transactions/create",
                json: #"{"order_id":"T2","user_id":\#(user),"order_total":10}"#,
                headers: headers,
                auth: false
            )
            #expect(steal.status == .notFound)
            #expect(try await app.balance(user) == 10)
            // Naming another partner's shop is a 404 and writes nothing.
            let foreignShop = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"T3","user_id":\#(user),"order_total":10,"shop_id":\#(other.shop.id)}"#
            )
            #expect(foreignShop.status == .notFound)
            #expect(foreignShop.string("error", "code") == "SHOP_NOT_FOUND")
            #expect(try await app.balance(user) == 10)
        }
    }
}
