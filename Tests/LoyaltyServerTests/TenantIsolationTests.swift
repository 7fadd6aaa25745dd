import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// OWASP API1/API5, generated from the router's own route list: every route that
/// takes an object id is called with a second partner's credentials and the first
/// partner's ids, and must answer 404 without changing the first partner's data. A
/// route that is neither covered here nor listed as taking no object id fails the test.
@Suite("Tenant isolation over every route", .databases)
struct TenantIsolationTests {
    struct Call {
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        /// Acceptable `error.code` values of the 404 (proves it is the ownership check).
        var codes: Set<String>
        /// Instead of the intruder's API credentials (customer-token routes).
        var headers: HTTPFields? = nil
    }

    /// Routes without an object id of another tenant to try (health, lists of one's own
    /// objects, creates, the caller's own programme); list filters are checked below.
    static let noObjectID: Set<String> = [
        "GET /health", "GET /openapi.yaml", "GET /{locale}/shop/system/health", "POST /{locale}/shop/validate-credentials",
        "GET /{locale}/shop/shops", "GET /{locale}/shop/loyalty-cards", "GET /{locale}/shop/transactions", "GET /{locale}/shop/customers",
        "POST /{locale}/shop/customers", "GET /{locale}/shop/program", "PUT /{locale}/shop/program", "POST /{locale}/shop/points/bulk-award",
        "GET /{locale}/shop/webhooks/events", "GET /{locale}/shop/webhooks", "POST /{locale}/shop/webhooks", "GET /{locale}/shop/events",
        "GET /{locale}/partners/webhooks/events", "GET /{locale}/partners/webhooks", "POST /{locale}/partners/webhooks",
        "GET /{locale}/partners/events",
        "GET /qr", "GET /{locale}/shop/realtime/config", "POST /{locale}/shop/auth/qr-login/generate", "POST /{locale}/shop/qr-card/generate",
        "GET /{locale}/shop/auth/me", "POST /{locale}/shop/auth/logout", "GET /{locale}/shop/me/card", "POST /{locale}/shop/auth/refresh",
        // Rewards: one's own lists, creates, counters and imports.
        "GET /{locale}/shop/offers", "POST /{locale}/shop/offers", "GET /{locale}/shop/sync-status", "GET /{locale}/shop/categories",
        "GET /{locale}/shop/products/categories", "GET /{locale}/shop/products/sync-status", "POST /{locale}/shop/xml-import/from-url",
        "POST /{locale}/shop/xml-import/from-file", "POST /{locale}/shop/xml-import/validate", "GET /{locale}/shop/xml-import/field-mappings",
        "GET /{locale}/shop/xml-import/stats", "GET /{locale}/shop/xml-import/history", "GET /{locale}/shop/xml-import",
        "GET /{locale}/shop/offers/coupons", "GET /{locale}/shop/coupons/expiring", "GET /{locale}/shop/coupons/statistics",
        // Games: one's own lists and creates, the member's own history.
        "GET /{locale}/shop/games", "GET /{locale}/partners/games", "POST /{locale}/partners/games", "GET /{locale}/shop/game-sessions/history",
        // Partner API: sign-in and one's own account, lists and creates. The operator
        // routes act platform-wide by design (the role tests hold partner users off them).
        "POST /{locale}/partners/auth/login", "POST /{locale}/partners/auth/refresh", "GET /{locale}/partners/auth/me",
        "POST /{locale}/partners/auth/logout", "POST /{locale}/partners/auth/password", "POST /{locale}/partners/auth/totp/setup",
        "POST /{locale}/partners/auth/totp/enable", "POST /{locale}/partners/auth/totp/disable", "GET /{locale}/partners/users",
        "POST /{locale}/partners/users", "GET /{locale}/partners/audit-log", "GET /{locale}/partners/shops", "POST /{locale}/partners/shops",
        "GET /{locale}/partners/customers", "GET /{locale}/partners/transactions", "GET /{locale}/partners", "POST /{locale}/partners",
        "DELETE /{locale}/partners/{id}", "GET /{locale}/partners/cards", "POST /{locale}/partners/cards",
        "POST /{locale}/partners/customers/bulk-import", "POST /{locale}/partners/points/bulk-award", "GET /{locale}/partners/usage",
        "PUT /{locale}/partners/{id}/plan", "GET /{locale}/partners/settings", "PUT /{locale}/partners/settings",
        "GET /{locale}/partners/analytics/shops/comparison", "GET /{locale}/partners/exports", "POST /{locale}/partners/transactions/export",
        "GET /{locale}/partners/imports", "POST /{locale}/partners/imports",
        // The signed token names the job and its partner: ExportTests tries it on another job.
        "GET /{locale}/partners/exports/{id}/download",
        // OAuth: its own wire, authenticated by client credentials, codes and tokens (OAuthTests
        // holds a code, a token and a client to the client they belong to).
        "GET /.well-known/oauth-authorization-server", "GET /oauth/authorize", "POST /oauth/authorize", "POST /oauth/token", "POST /oauth/revoke",
        "POST /oauth/introspect", "GET /{locale}/partners/oauth/clients", "POST /{locale}/partners/oauth/clients",
    ]

    @Test(arguments: Backend.allCases)
    func anotherPartnersIdsAreNotFoundOnEveryRoute(_ backend: Backend) async throws {
        try await TestApp.with(backend, configure: { $0.webhookAllowLoopback = true }) { app in
            // Tenant A's objects.
            try await app.setProgram(#"{"activities": [{"key": "review", "points": 5}]}"#)
            let user = try await app.customer("owner@example.com")
            let user2 = try await app.customer("owner2@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"ISO-1","user_id":\#(user),"order_total":50.00}"#)
            try await app.post("/en/shop/points/reserve", #"{"user_id":\#(user),"points":5,"order_id":"ISO-HOLD"}"#)
            let info = try await app.get("/en/shop/loyalty-cards/info?user_id=\(user)")
            let card = try #require(info.int("data", "id"))
            let cardNumber = try #require(info.string("data", "card_number"))
            let template = try #require(try await app.get("/en/shop/loyalty-cards").data.arrayFirst?["id"]?.int)
            let hook = try await app.createWebhook("http://127.0.0.1:9/a", events: ["points.awarded"])
            let delivery = try #require(try await app.post("/en/shop/webhooks/\(hook.id)/test", "{}").string("data", "id"))
            let cardSession = try await app.post("/en/shop/qr-card/generate", "{}").data
            let loginSession = try await app.post("/en/shop/auth/qr-login/generate", "{}").data
            let cardSessionID = try #require(cardSession["session_id"]?.string)
            let loginSessionID = try #require(loginSession["session_id"]?.string)
            let loginCode = try #require(loginSession["qr_code"]?.string?.components(separatedBy: "code=").last?.components(separatedBy: "&").first)
            let offer = try #require(
                try await app.post("/en/shop/offers", #"{"title":"Mine","type":"discount_amount","discount_value":1}"#).int("data", "id")
            )
            let claimed = try await app.post("/en/shop/offers/\(offer)/claim", #"{"user_id":\#(user)}"#)
            let coupon = try #require(claimed.int("data", "coupon_id"))
            let couponCode = try #require(claimed.string("data", "coupon_code"))
            let shopA = app.shop.shop.id
            let feed = "<products><product><sku>S1</sku><name>n</name><price>1</price></product></products>"
            let imported = try await app.call(.post, "/en/shop/xml-import/from-file", json: feed, headers: .of(["Content-Type": "application/xml"]))
            let importID = try #require(imported.int("data", "import_id"), "\(imported.json.serializedString())")
            let stampGame = try await app.game(#"{"name":"Mine","game_type":"stamps","stamp_settings":{"stamps_required":5}}"#)
            let wheel = try await app.game(#"{"name":"Wheel","game_type":"wheel","prizes":[{"kind":"points","points":1,"weight":1}]}"#)
            try await app.stamps(stampGame, card: card)
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]).base64EncodedString()
            try await app.post("/en/partners/games/\(stampGame)/upload-stamp-image", #"{"image_base64":"\#(png)"}"#)
            let ownerToken = try await app.tokenHeaders(user)
            let sessionKey = try #require(
                try await app.asMember(ownerToken, .post, "/en/shop/games/\(wheel)/start-session").string("data", "session_key")
            )
            let staffUser = try await app.partnerUser("staff@example.com", role: .staff)
            let before = try await snapshot(app, user: user)

            let other = try await app.services.provisionShop(name: "Intruder")
            try await app.call(.put, "/en/shop/program", json: #"{"activities": [{"key": "review", "points": 5}]}"#, headers: app.credentials(other))
            let customerCodes: Set<String> = ["CUSTOMER_NOT_FOUND"]
            let intruder = try await app.call(
                .post,
                "/en/shop/customers",
                json: #"{"email":"intruder@example.com"}"#,
                headers: app.credentials(other)
            )
            let intruderToken = try #require(
                try await app.call(.post, "/en/shop/customers/\(intruder.int("data", "id")!)/token", headers: app.credentials(other)).string(
                    "data",
                    "token"
                )
            )
            let asIntruder = HTTPFields.of(["Authorization": "Bearer \(intruderToken)"])
            let sessionCodes: Set<String> = ["QR_SESSION_NOT_FOUND"]
            let offerCodes: Set<String> = ["OFFER_NOT_FOUND"]
            let couponCodes: Set<String> = ["COUPON_NOT_FOUND", "SHOP_NOT_FOUND"]
            let rewards: [String: Call] = [
                "GET /{locale}/shop/offers/{id}": Call(method: .get, path: "/en/shop/offers/\(offer)", codes: offerCodes),
                "PUT /{locale}/shop/offers/{id}": Call(method: .put, path: "/en/shop/offers/\(offer)", body: #"{"title":"x"}"#, codes: offerCodes),
                "DELETE /{locale}/shop/offers/{id}": Call(method: .delete, path: "/en/shop/offers/\(offer)", codes: offerCodes),
                "POST /{locale}/shop/offers/{id}/claim": Call(
                    method: .post,
                    path: "/en/shop/offers/\(offer)/claim",
                    body: #"{"user_id":\#(user)}"#,
                    codes: offerCodes.union(customerCodes)
                ),
                "POST /{locale}/shop/coupons/verify": Call(
                    method: .post,
                    path: "/en/shop/coupons/verify",
                    body: #"{"code":"\#(couponCode)","shop_id":\#(shopA)}"#,
                    codes: couponCodes
                ),
                "POST /{locale}/shop/coupons/redeem": Call(
                    method: .post,
                    path: "/en/shop/coupons/redeem",
                    body: #"{"coupon_id":\#(coupon),"shop_id":\#(shopA)}"#,
                    codes: couponCodes
                ),
                "POST /{locale}/shop/coupons/pending": Call(
                    method: .post,
                    path: "/en/shop/coupons/pending",
                    body: #"{"coupon_id":\#(coupon),"shop_id":\#(shopA)}"#,
                    codes: couponCodes
                ),
                "POST /{locale}/shop/coupons/cancel-pending": Call(
                    method: .post,
                    path: "/en/shop/coupons/cancel-pending",
                    body: #"{"coupon_id":\#(coupon),"shop_id":\#(shopA)}"#,
                    codes: couponCodes
                ),
                "POST /{locale}/shop/coupons/cancel": Call(
                    method: .post,
                    path: "/en/shop/coupons/cancel",
                    body: #"{"coupon_id":\#(coupon)}"#,
                    codes: couponCodes
                ),
                "GET /{locale}/shop/coupons/card": Call(
                    method: .get,
                    path: "/en/shop/coupons/card?shop_id=\(shopA)&card_id=\(card)",
                    codes: couponCodes
                ),
                "GET /{locale}/shop/coupons/products": Call(method: .get, path: "/en/shop/coupons/products?coupon_id=\(coupon)", codes: couponCodes),
                "POST /{locale}/shop/coupons/calculate-discount": Call(
                    method: .post,
                    path: "/en/shop/coupons/calculate-discount",
                    body: #"{"coupon_code":"\#(couponCode)","purchase_amount":10}"#,
                    codes: couponCodes
                ),
                "GET /{locale}/shop/coupons": Call(method: .get, path: "/en/shop/coupons?shop_id=\(shopA)", codes: couponCodes),
                "GET /{locale}/shop/coupons/{id}": Call(method: .get, path: "/en/shop/coupons/\(coupon)", codes: couponCodes, headers: asIntruder),
                "POST /{locale}/shop/coupons/{id}/redeem": Call(
                    method: .post,
                    path: "/en/shop/coupons/\(coupon)/redeem",
                    body: "{}",
                    codes: couponCodes,
                    headers: asIntruder
                ),
                "POST /{locale}/shop/coupons/{id}/cancel": Call(
                    method: .post,
                    path: "/en/shop/coupons/\(coupon)/cancel",
                    body: "{}",
                    codes: couponCodes,
                    headers: asIntruder
                ),
                "POST /{locale}/shop/offers/coupons/{id}/redeem": Call(
                    method: .post,
                    path: "/en/shop/offers/coupons/\(coupon)/redeem",
                    body: "{}",
                    codes: couponCodes,
                    headers: asIntruder
                ),
                "DELETE /{locale}/shop/xml-import/{id}": Call(
                    method: .delete,
                    path: "/en/shop/xml-import/\(importID)",
                    codes: ["RESOURCE_NOT_FOUND"]
                ),
            ]
            let cases: [String: Call] = [
                "GET /{locale}/shop/loyalty-cards/{id}": Call(method: .get, path: "/en/shop/loyalty-cards/\(template)", codes: ["CARD_NOT_FOUND"]),
                "GET /{locale}/shop/loyalty-cards/info": Call(
                    method: .get,
                    path: "/en/shop/loyalty-cards/info?card_id=\(card)",
                    codes: ["CARD_NOT_FOUND", "CUSTOMER_NOT_FOUND"]
                ),
                "GET /{locale}/shop/loyalty-cards/balance": Call(
                    method: .get,
                    path: "/en/shop/loyalty-cards/balance?card_number=\(cardNumber)",
                    codes: ["CARD_NOT_FOUND", "CUSTOMER_NOT_FOUND"]
                ),
                "POST /{locale}/shop/transactions/create": Call(
                    method: .post,
                    path: "/en/shop/transactions/create",
                    body: #"{"order_id":"X-1","user_id":\#(user),"order_total":10}"#,
                    codes: customerCodes
                ),
                "POST /{locale}/shop/transactions/award-points": Call(
                    method: .post,
                    path: "/en/shop/transactions/award-points",
                    body: #"{"order_id":"X-2","user_id":\#(user),"points":10}"#,
                    codes: customerCodes
                ),
                "POST /{locale}/shop/points/reserve": Call(
                    method: .post,
                    path: "/en/shop/points/reserve",
                    body: #"{"user_id":\#(user),"points":5,"order_id":"X-3"}"#,
                    codes: customerCodes
                ),
                "POST /{locale}/shop/points/release": Call(
                    method: .post,
                    path: "/en/shop/points/release",
                    body: #"{"order_id":"ISO-HOLD"}"#,
                    codes: ["RESERVATION_NOT_FOUND"]
                ),
                "GET /{locale}/shop/points/reservation": Call(
                    method: .get,
                    path: "/en/shop/points/reservation?order_id=ISO-HOLD",
                    codes: ["RESERVATION_NOT_FOUND"]
                ),
                "POST /{locale}/shop/points/award": Call(
                    method: .post,
                    path: "/en/shop/points/award",
                    body: #"{"customer_id":\#(user),"points":10,"order_id":"X-4"}"#,
                    codes: customerCodes
                ),
                "POST /{locale}/shop/points/deduct": Call(
                    method: .post,
                    path: "/en/shop/points/deduct",
                    body: #"{"customer_id":\#(user),"order_id":"ISO-1","refund_id":"X-5","points":1}"#,
                    codes: customerCodes.union(["TRANSACTION_NOT_FOUND"])
                ),
                "GET /{locale}/shop/customers/{id}": Call(method: .get, path: "/en/shop/customers/\(user)", codes: customerCodes),
                "GET /{locale}/shop/customers/{id}/balance": Call(method: .get, path: "/en/shop/customers/\(user)/balance", codes: customerCodes),
                "GET /{locale}/shop/customers/{id}/lots": Call(method: .get, path: "/en/shop/customers/\(user)/lots", codes: customerCodes),
                "PUT /{locale}/shop/customers/{id}/tier": Call(
                    method: .put,
                    path: "/en/shop/customers/\(user)/tier",
                    body: #"{"tier":"Gold","reason":"x"}"#,
                    codes: customerCodes
                ),
                "DELETE /{locale}/shop/customers/{id}/tier": Call(method: .delete, path: "/en/shop/customers/\(user)/tier", codes: customerCodes),
                "POST /{locale}/shop/points/transfer": Call(
                    method: .post,
                    path: "/en/shop/points/transfer",
                    body: #"{"from_customer_id":\#(user),"to_customer_id":\#(user2),"points":1,"reason":"x"}"#,
                    codes: customerCodes
                ),
                "POST /{locale}/shop/points/adjust": Call(
                    method: .post,
                    path: "/en/shop/points/adjust",
                    body: #"{"customer_id":\#(user),"points":-1,"reason":"x"}"#,
                    codes: customerCodes
                ),
                "POST /{locale}/shop/activities": Call(
                    method: .post,
                    path: "/en/shop/activities",
                    body: #"{"customer_id":\#(user),"activity":"review"}"#,
                    codes: customerCodes
                ),
                "GET /{locale}/shop/cards/{id}": Call(method: .get, path: "/en/shop/cards/\(card)", codes: ["CARD_NOT_FOUND"]),
                "PUT /{locale}/shop/cards/{id}": Call(
                    method: .put,
                    path: "/en/shop/cards/\(card)",
                    body: #"{"expires_at":"2020-01-01"}"#,
                    codes: ["CARD_NOT_FOUND"]
                ),
                "POST /{locale}/shop/cards/{id}/block": Call(
                    method: .post,
                    path: "/en/shop/cards/\(card)/block",
                    body: "{}",
                    codes: ["CARD_NOT_FOUND"]
                ),
                "POST /{locale}/shop/cards/{id}/unblock": Call(
                    method: .post,
                    path: "/en/shop/cards/\(card)/unblock",
                    body: "{}",
                    codes: ["CARD_NOT_FOUND"]
                ),
                "GET /{locale}/shop/cards/{id}/qr-token": Call(method: .get, path: "/en/shop/cards/\(card)/qr-token", codes: ["CARD_NOT_FOUND"]),
                "GET /{locale}/shop/cards/{id}/qr": Call(method: .get, path: "/en/shop/cards/\(card)/qr", codes: ["CARD_NOT_FOUND"]),
                "POST /{locale}/shop/cards": Call(method: .post, path: "/en/shop/cards", body: #"{"user_id":\#(user)}"#, codes: customerCodes),
                "GET /{locale}/shop/customers/{id}/cards": Call(method: .get, path: "/en/shop/customers/\(user)/cards", codes: customerCodes),
                "POST /{locale}/shop/customers/{id}/token": Call(
                    method: .post,
                    path: "/en/shop/customers/\(user)/token",
                    body: "{}",
                    codes: customerCodes
                ),
                "POST /{locale}/shop/loyalty-cards/scan": Call(
                    method: .post,
                    path: "/en/shop/loyalty-cards/scan",
                    body: #"{"qr_data":"\#(cardNumber)"}"#,
                    codes: ["CARD_NOT_FOUND"]
                ),
                "POST /{locale}/shop/auth/qr-login/poll/{session_id}": Call(
                    method: .post,
                    path: "/en/shop/auth/qr-login/poll/\(loginSessionID)",
                    body: "{}",
                    codes: sessionCodes
                ),
                "GET /{locale}/shop/qr-card/status/{session_id}": Call(
                    method: .get,
                    path: "/en/shop/qr-card/status/\(cardSessionID)",
                    codes: sessionCodes
                ),
                "POST /{locale}/shop/auth/qr-login/scan/{code}": Call(
                    method: .post,
                    path: "/en/shop/auth/qr-login/scan/\(loginCode)",
                    body: "{}",
                    codes: sessionCodes,
                    headers: asIntruder
                ),
                "POST /{locale}/shop/auth/qr-login/confirm/{session_id}": Call(
                    method: .post,
                    path: "/en/shop/auth/qr-login/confirm/\(loginSessionID)",
                    body: "{}",
                    codes: sessionCodes,
                    headers: asIntruder
                ),
                "POST /{locale}/shop/qr-card/scan": Call(
                    method: .post,
                    path: "/en/shop/qr-card/scan",
                    body: #"{"session_id":"\#(cardSessionID)"}"#,
                    codes: sessionCodes,
                    headers: asIntruder
                ),
            ]
            let gameCodes: Set<String> = ["RESOURCE_NOT_FOUND", "CARD_NOT_FOUND"]
            let stampBody = #"{"card_id":\#(card),"shop_id":\#(shopA)}"#
            let games: [String: Call] = [
                "GET /{locale}/shop/games/{id}": Call(method: .get, path: "/en/shop/games/\(stampGame)", codes: gameCodes),
                "GET /{locale}/shop/games/{id}/progress": Call(
                    method: .get,
                    path: "/en/shop/games/\(stampGame)/progress?card_id=\(card)",
                    codes: gameCodes
                ),
                "POST /{locale}/shop/games/{id}/add-stamps": Call(
                    method: .post,
                    path: "/en/shop/games/\(stampGame)/add-stamps",
                    body: stampBody,
                    codes: gameCodes
                ),
                "POST /{locale}/shop/games/{id}/complete": Call(
                    method: .post,
                    path: "/en/shop/games/\(stampGame)/complete",
                    body: stampBody,
                    codes: gameCodes
                ),
                "POST /{locale}/shop/games/{id}/restart": Call(
                    method: .post,
                    path: "/en/shop/games/\(stampGame)/restart",
                    body: stampBody,
                    codes: gameCodes
                ),
                "GET /{locale}/shop/cards/{id}/games": Call(method: .get, path: "/en/shop/cards/\(card)/games", codes: gameCodes),
                "GET /{locale}/shop/cards/{id}/games/history": Call(method: .get, path: "/en/shop/cards/\(card)/games/history", codes: gameCodes),
                "POST /{locale}/shop/games/{id}/start-session": Call(
                    method: .post,
                    path: "/en/shop/games/\(wheel)/start-session",
                    codes: gameCodes,
                    headers: asIntruder
                ),
                "GET /{locale}/shop/game-sessions/{key}": Call(
                    method: .get,
                    path: "/en/shop/game-sessions/\(sessionKey)",
                    codes: gameCodes,
                    headers: asIntruder
                ),
                "PUT /{locale}/shop/game-sessions/{key}/progress": Call(
                    method: .put,
                    path: "/en/shop/game-sessions/\(sessionKey)/progress",
                    body: #"{"score":5}"#,
                    codes: gameCodes,
                    headers: asIntruder
                ),
                "POST /{locale}/shop/game-sessions/{key}/claim-reward": Call(
                    method: .post,
                    path: "/en/shop/game-sessions/\(sessionKey)/claim-reward",
                    codes: gameCodes,
                    headers: asIntruder
                ),
                "GET /{locale}/partners/games/{id}": Call(method: .get, path: "/en/partners/games/\(stampGame)", codes: gameCodes),
                "PUT /{locale}/partners/games/{id}": Call(
                    method: .put,
                    path: "/en/partners/games/\(stampGame)",
                    body: #"{"name":"x"}"#,
                    codes: gameCodes
                ),
                "DELETE /{locale}/partners/games/{id}": Call(method: .delete, path: "/en/partners/games/\(stampGame)", codes: gameCodes),
                "PUT /{locale}/partners/games/{id}/toggle-status": Call(
                    method: .put,
                    path: "/en/partners/games/\(stampGame)/toggle-status",
                    codes: gameCodes
                ),
                "GET /{locale}/partners/games/{id}/statistics": Call(
                    method: .get,
                    path: "/en/partners/games/\(stampGame)/statistics",
                    codes: gameCodes
                ),
                "POST /{locale}/partners/games/{id}/upload-stamp-image": Call(
                    method: .post,
                    path: "/en/partners/games/\(stampGame)/upload-stamp-image",
                    body: #"{"image_base64":"\#(png)"}"#,
                    codes: gameCodes
                ),
                "GET /{locale}/partners/games/{id}/stamp-image": Call(
                    method: .get,
                    path: "/en/partners/games/\(stampGame)/stamp-image",
                    codes: gameCodes
                ),
                "GET /{locale}/partners/games/{id}/collection-items": Call(
                    method: .get,
                    path: "/en/partners/games/\(stampGame)/collection-items",
                    codes: gameCodes
                ),
                "GET /{locale}/partners/games/{id}/stamps": Call(method: .get, path: "/en/partners/games/\(stampGame)/stamps", codes: gameCodes),
            ]
            // Partner users: the intruding partner's owner, with the first partner's ids.
            try await app.partnerUser("owner@intruder.example", partnerID: other.partner.id)
            let intruderOwner = try #require(try await app.login("owner@intruder.example").string("data", "access_token"))
            let asIntruderOwner = HTTPFields.of(["Authorization": "Bearer \(intruderOwner)"])
            // Tenant A's OAuth app.
            let oauthClient = try await app.services.oauth.createClient(
                partnerID: app.partnerID,
                name: "a",
                redirectURIs: ["https://a.example/cb"],
                scopes: ["loyalty:read"],
                confidential: true,
                createdBy: "test"
            ).0.id
            // Tenant A's export and import jobs.
            let exportID = try await app.services.dataJobs.create(
                partnerID: app.partnerID,
                kind: .export,
                type: "ledger",
                format: "csv",
                filters: "{}",
                actor: "test",
                input: []
            ).id
            let dataImportID = try await app.services.dataJobs.create(
                partnerID: app.partnerID,
                kind: .import,
                type: "customers",
                format: "csv",
                filters: "{}",
                actor: "test",
                input: []
            ).id
            let txID = try #require(try await app.get("/en/shop/transactions?order_id=ISO-1").data.arrayFirst?["id"]?.int)
            let shopID = app.shop.shop.id
            let notFound: Set<String> = ["RESOURCE_NOT_FOUND"]
            let partnerAPI: [String: Call] = [
                "GET /{locale}/partners/{id}": Call(method: .get, path: "/en/partners/\(app.partnerID)", codes: notFound, headers: asIntruderOwner),
                "PUT /{locale}/partners/{id}": Call(
                    method: .put,
                    path: "/en/partners/\(app.partnerID)",
                    body: #"{"name":"x"}"#,
                    codes: notFound,
                    headers: asIntruderOwner
                ),
                "GET /{locale}/partners/users/{id}": Call(
                    method: .get,
                    path: "/en/partners/users/\(staffUser.id)",
                    codes: notFound,
                    headers: asIntruderOwner
                ),
                "PUT /{locale}/partners/users/{id}": Call(
                    method: .put,
                    path: "/en/partners/users/\(staffUser.id)",
                    body: #"{"role":"owner"}"#,
                    codes: notFound,
                    headers: asIntruderOwner
                ),
                "DELETE /{locale}/partners/users/{id}": Call(
                    method: .delete,
                    path: "/en/partners/users/\(staffUser.id)",
                    codes: notFound,
                    headers: asIntruderOwner
                ),
                "GET /{locale}/partners/shops/{id}": Call(
                    method: .get,
                    path: "/en/partners/shops/\(shopID)",
                    codes: ["SHOP_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "PUT /{locale}/partners/shops/{id}": Call(
                    method: .put,
                    path: "/en/partners/shops/\(shopID)",
                    body: #"{"name":"x"}"#,
                    codes: ["SHOP_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "DELETE /{locale}/partners/shops/{id}": Call(
                    method: .delete,
                    path: "/en/partners/shops/\(shopID)",
                    codes: ["SHOP_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "GET /{locale}/partners/customers/{id}": Call(
                    method: .get,
                    path: "/en/partners/customers/\(user)",
                    codes: customerCodes,
                    headers: asIntruderOwner
                ),
                "PUT /{locale}/partners/customers/{id}": Call(
                    method: .put,
                    path: "/en/partners/customers/\(user)",
                    body: #"{"home_shop_id":null}"#,
                    codes: customerCodes,
                    headers: asIntruderOwner
                ),
                "GET /{locale}/partners/oauth/clients/{id}": Call(
                    method: .get,
                    path: "/en/partners/oauth/clients/\(oauthClient)",
                    codes: ["OAUTH_CLIENT_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "POST /{locale}/partners/oauth/clients/{id}/approve": Call(
                    method: .post,
                    path: "/en/partners/oauth/clients/\(oauthClient)/approve",
                    body: "{}",
                    codes: ["OAUTH_CLIENT_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "POST /{locale}/partners/oauth/clients/{id}/revoke": Call(
                    method: .post,
                    path: "/en/partners/oauth/clients/\(oauthClient)/revoke",
                    body: "{}",
                    codes: ["OAUTH_CLIENT_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "GET /{locale}/partners/exports/{id}": Call(
                    method: .get,
                    path: "/en/partners/exports/\(exportID)",
                    codes: ["EXPORT_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "DELETE /{locale}/partners/exports/{id}": Call(
                    method: .delete,
                    path: "/en/partners/exports/\(exportID)",
                    codes: ["EXPORT_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "GET /{locale}/partners/imports/{id}": Call(
                    method: .get,
                    path: "/en/partners/imports/\(dataImportID)",
                    codes: ["EXPORT_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "POST /{locale}/partners/exports": Call(
                    method: .post,
                    path: "/en/partners/exports",
                    body: #"{"type":"ledger","shop_id":\#(shopID)}"#,
                    codes: ["SHOP_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "GET /{locale}/partners/analytics/overview": Call(
                    method: .get,
                    path: "/en/partners/analytics/overview?shop_id=\(shopID)",
                    codes: ["SHOP_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "GET /{locale}/partners/{id}/usage": Call(
                    method: .get,
                    path: "/en/partners/\(app.partnerID)/usage",
                    codes: notFound,
                    headers: asIntruderOwner
                ),
                "GET /{locale}/partners/cards/{id}": Call(
                    method: .get,
                    path: "/en/partners/cards/\(template)",
                    codes: ["CARD_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "PUT /{locale}/partners/cards/{id}": Call(
                    method: .put,
                    path: "/en/partners/cards/\(template)",
                    body: #"{"points_per_currency":9}"#,
                    codes: ["CARD_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "DELETE /{locale}/partners/cards/{id}": Call(
                    method: .delete,
                    path: "/en/partners/cards/\(template)",
                    codes: ["CARD_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
                "GET /{locale}/partners/customers/{id}/export": Call(
                    method: .get,
                    path: "/en/partners/customers/\(user)/export",
                    codes: customerCodes,
                    headers: asIntruderOwner
                ),
                "POST /{locale}/partners/customers/{id}/erase": Call(
                    method: .post,
                    path: "/en/partners/customers/\(user)/erase",
                    body: "{}",
                    codes: customerCodes,
                    headers: asIntruderOwner
                ),
                "GET /{locale}/partners/transactions/{id}": Call(
                    method: .get,
                    path: "/en/partners/transactions/\(txID)",
                    codes: ["TRANSACTION_NOT_FOUND"],
                    headers: asIntruderOwner
                ),
            ]
            var all = cases.merging(rewards) { a, _ in a }.merging(games) { a, _ in a }.merging(partnerAPI) { a, _ in a }
            for family in ["shop", "partners"] {
                let hooks: [(String, HTTPRequest.Method, String, String?)] = [
                    ("GET /{locale}/\(family)/webhooks/{id}", .get, "webhooks/\(hook.id)", nil),
                    ("PUT /{locale}/\(family)/webhooks/{id}", .put, "webhooks/\(hook.id)", #"{"is_active":false}"#),
                    ("DELETE /{locale}/\(family)/webhooks/{id}", .delete, "webhooks/\(hook.id)", nil),
                    ("POST /{locale}/\(family)/webhooks/{id}/rotate-secret", .post, "webhooks/\(hook.id)/rotate-secret", "{}"),
                    ("POST /{locale}/\(family)/webhooks/{id}/test", .post, "webhooks/\(hook.id)/test", "{}"),
                    ("GET /{locale}/\(family)/webhooks/{id}/deliveries", .get, "webhooks/\(hook.id)/deliveries", nil),
                    ("GET /{locale}/\(family)/webhooks/{id}/deliveries/{delivery}", .get, "webhooks/\(hook.id)/deliveries/\(delivery)", nil),
                    (
                        "POST /{locale}/\(family)/webhooks/{id}/deliveries/{delivery}/redeliver", .post,
                        "webhooks/\(hook.id)/deliveries/\(delivery)/redeliver", "{}"
                    ),
                ]
                for (route, method, path, body) in hooks {
                    all[route] = Call(method: method, path: "/en/\(family)/\(path)", body: body, codes: ["WEBHOOK_NOT_FOUND", "DELIVERY_NOT_FOUND"])
                }
            }

            // Every served route is either tried here or known to take no object id.
            let recorder = RouteRecorder()
            _ = buildRouter(services: app.services, recorder: recorder)
            let uncovered = Set(recorder.all).subtracting(all.keys).subtracting(Self.noObjectID)
            #expect(uncovered.isEmpty, "routes without a tenant-isolation case: \(uncovered.sorted())")
            #expect(
                Set(all.keys).subtracting(recorder.all).isEmpty,
                "cases for routes that are not served: \(Set(all.keys).subtracting(recorder.all).sorted())"
            )

            for (route, c) in all.sorted(by: { $0.key < $1.key }) {
                let r = try await app.call(c.method, c.path, json: c.body, headers: c.headers ?? app.credentials(other), auth: c.headers == nil)
                #expect(r.status == .notFound, "\(route) answered \(r.status.code): \(r.json.serializedString())")
                let code = r.json["error"]?["code"]?.string ?? "?"
                #expect(c.codes.contains(code), "\(route): 404 for the wrong reason (\(code))")
            }
            // List filters with the other tenant's attributes find nothing.
            #expect(try await app.call(.get, "/en/shop/customers?email=owner@example.com", headers: app.credentials(other)).data.array.isEmpty)
            #expect(try await app.call(.get, "/en/shop/transactions?user_id=\(user)", headers: app.credentials(other)).data.array.isEmpty)
            #expect(try await app.call(.get, "/en/shop/webhooks", headers: app.credentials(other)).data.array.isEmpty)
            for list in ["customers?search=owner", "transactions?search=ISO", "users", "shops", "audit-log"] {
                let r = try await app.call(.get, "/en/partners/\(list)", headers: asIntruderOwner, auth: false)
                let foreign = r.data.array.filter {
                    ["owner@example.com", "owner2@example.com", "staff@example.com"].contains($0["email"]?.string ?? "") || $0["id"]?.int == shopID
                        || ($0["target"]?.string ?? "").contains("/\(shopID)")
                }
                #expect(r.status == .ok && foreign.isEmpty, "partners/\(list): \(r.json.serializedString())")
            }
            #expect(try await app.call(.get, "/en/partners/transactions?search=ISO", headers: asIntruderOwner, auth: false).data.array.isEmpty)
            let partnerBulk = try await app.call(
                .post,
                "/en/partners/points/bulk-award",
                json: #"{"items":[{"customer_id":\#(user),"points":5,"order_id":"X-PB"}]}"#,
                headers: asIntruderOwner,
                auth: false
            )
            #expect(partnerBulk.int("data", "awarded") == 0 && partnerBulk.json.serializedString().contains("CUSTOMER_NOT_FOUND"))
            let partnerImport = try await app.call(
                .post,
                "/en/partners/customers/bulk-import",
                json: #"{"customers":[{"email":"owner@example.com","points":5}]}"#,
                headers: asIntruderOwner,
                auth: false
            )
            // The email is free in the intruder's own programme: a new customer there, never the first partner's.
            #expect(partnerImport.json["data"]?["results"]?.array.first?["customer_id"]?.int != user)
            let bulk = try await app.call(
                .post,
                "/en/shop/points/bulk-award",
                json: #"{"items":[{"customer_id":\#(user),"points":5,"order_id":"X-B"}]}"#,
                headers: app.credentials(other)
            )
            #expect(bulk.json.serializedString().contains("CUSTOMER_NOT_FOUND") || bulk.status == .notFound, "\(bulk.json.serializedString())")

            #expect(try await snapshot(app, user: user) == before, "the first partner's data changed")
            #expect(try await app.get("/en/shop/qr-card/status/\(cardSessionID)").string("data", "status") == "pending")
            #expect(try await app.call(.post, "/en/shop/auth/qr-login/poll/\(loginSessionID)").string("data", "status") == "pending")
            try await app.expectLedgerConsistent()
        }
    }

    /// What must not change: the customer's balance picture, the partner's
    /// transactions, holds and webhook.
    func snapshot(_ app: TestApp, user: Int64) async throws -> [String] {
        [
            try await app.get("/en/shop/customers/\(user)/cards").data.serializedString(),
            try await app.points(user).data.serializedString(),
            try await app.get("/en/shop/transactions?per_page=100").data.serializedString(),
            try await app.get("/en/shop/points/reservation?order_id=ISO-HOLD").data.serializedString(),
            try await app.get("/en/shop/webhooks").data.serializedString(),
            try await app.get("/en/shop/offers").data.serializedString(),
            try await app.get("/en/shop/coupons?shop_id=\(app.shop.shop.id)&status=all").data.serializedString(),
            try await app.get("/en/shop/xml-import/history").data.serializedString(),
            try await app.get("/en/partners/games").data.serializedString(),
            try await app.get("/en/partners/shops").data.serializedString(),
            try await app.get("/en/shop/loyalty-cards?is_active=false").data.serializedString(),
            try await app.get("/en/shop/loyalty-cards").data.serializedString(),
            try await app.get("/en/shop/customers/\(user)").data.serializedString(),
            try await app.services.partnerUsers.users(partnerID: app.partnerID).map { "\($0.id) \($0.role) \($0.isActive)" }.joined(),
            String(describing: try await app.services.tenants.partner(id: app.partnerID)),
            try await app.get("/en/shop/cards/\(try await app.cardID(user))/games").data.serializedString(),
            try await app.get("/en/shop/cards/\(try await app.cardID(user))/games/history").data.serializedString(),
        ]
    }
}
