import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@testable import LoyaltyServer

extension TestApp {
    /// A customer of this shop and their token pair (`POST customers/{id}/token`).
    func customerWithToken(_ email: String) async throws -> (id: Int64, token: String, refresh: String) {
        let id = try await customer(email)
        let r = try await post("/en/shop/customers/\(id)/token", "{}")
        #expect(r.status == .created && r.string("data", "token_type") == "Bearer" && r.int("data", "expires_in") == 3600)
        return (id, try #require(r.string("data", "token")), try #require(r.string("data", "refresh_token")))
    }

    func bearer(_ token: String) -> HTTPFields { .of(["Authorization": "Bearer \(token)"]) }
}

@Suite("QR login and QR card sessions", .databases)
struct QRSessionTests {
    @Test(arguments: Backend.allCases)
    func cardSessionCompletesOnceWithTheSpecFields(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let (userID, token, _) = try await app.customerWithToken("till@example.com")
            let opened = try await app.post("/en/shop/qr-card/generate", #"{"device_name":"Till 2","shop_id":\#(app.shop.shop.id)}"#)
            #expect(opened.status == .ok)
            let id = try #require(opened.string("data", "session_id"))
            #expect(UUID(uuidString: id) != nil)
            let link = try #require(opened.string("data", "qr_code"))
            #expect(link.hasPrefix("loyaltylt://qr-card?code=") && link.hasSuffix("&session=\(id)"))
            #expect(opened.string("data", "manual_code")?.range(of: #"^\d{3}-\d{3}-\d{3}$"#, options: .regularExpression) != nil)
            #expect(opened.string("data", "realtime_channel") == "qr-card.\(id)" && opened.int("data", "partner_id") == app.partnerID)
            #expect(
                opened.int("data", "shop_id") == app.shop.shop.id && opened.string("data", "partner_name") == "Test Shop"
                    && opened.string("data", "expires_at") != nil
            )

            #expect(try await app.get("/en/shop/qr-card/status/\(id)").string("data", "status") == "pending")
            // The app may name the session by its manual code.
            let manual = try #require(opened.string("data", "manual_code"))
            let scanned = try await app.call(
                .post,
                "/en/shop/qr-card/scan",
                json: #"{"manual_code":"\#(manual)"}"#,
                headers: app.bearer(token),
                auth: false
            )
            #expect(scanned.status == .ok && scanned.string("data", "status") == "authenticated")
            let status = try await app.get("/en/shop/qr-card/status/\(id)")
            let data = try #require(status.data["card_data"])
            #expect(status.string("data", "status") == "authenticated" && data["user"]?["id"]?.int == userID)
            for field in ["loyalty_card_id", "card_number", "points", "user", "redemption", "scanned_at"] {
                #expect(data[field] != nil, "card_data.\(field)")
            }
            for field in ["enabled", "points_per_currency", "currency_amount", "min_points", "max_points"] {
                #expect(data["redemption"]?[field] != nil, "redemption.\(field)")
            }

            // Single use: 409; unknown: 404.
            let again = try await app.call(.post, "/en/shop/qr-card/scan", json: #"{"qr_code":"\#(link)"}"#, headers: app.bearer(token), auth: false)
            #expect(again.status == .conflict && again.string("error", "code") == "RESOURCE_ALREADY_EXISTS")
            #expect(try await app.get("/en/shop/qr-card/status/\(UUID().uuidString)").status == .notFound)
            #expect(try await app.get("/en/shop/qr-card/status/not-a-uuid").status == .notFound)
            // Without a customer token the app side refuses; API credentials are not a customer token.
            #expect(try await app.call(.post, "/en/shop/qr-card/scan", json: #"{"qr_code":"\#(link)"}"#).status == .unauthorized)
        }
    }

    @Test(arguments: Backend.allCases)
    func racingScansCompleteTheSessionOnce(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            var collected: [String] = []
            for i in 0..<8 { collected.append(try await app.customerWithToken("race\(i)@example.com").token) }
            let tokens = collected
            let id = try #require(try await app.post("/en/shop/qr-card/generate", "{}").string("data", "session_id"))
            let statuses = try await concurrently(8) { i in
                try await app.call(.post, "/en/shop/qr-card/scan", json: #"{"session_id":"\#(id)"}"#, headers: app.bearer(tokens[i]), auth: false)
                    .status.code
            }
            #expect(statuses.filter { $0 == 200 }.count == 1 && statuses.filter { $0 == 409 }.count == 7, "\(statuses)")
        }
    }

    @Test(arguments: Backend.allCases)
    func expiredSessionsAnswer410AndAreAnnounced(_ backend: Backend) async throws {
        try await TestApp.with(backend, configure: { $0.qrSessionSeconds = 1 }) { app in
            let (_, token, _) = try await app.customerWithToken("late@example.com")
            let id = try #require(try await app.post("/en/shop/qr-card/generate", "{}").string("data", "session_id"))
            let (conn, _, frames) = try #require(app.services.realtimeHub.connect())
            #expect(app.services.realtimeHub.subscribe(conn, channel: "qr-card.\(id)") == .subscribed)
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await app.get("/en/shop/qr-card/status/\(id)").string("data", "status") == "expired")
            let late = try await app.call(.post, "/en/shop/qr-card/scan", json: #"{"session_id":"\#(id)"}"#, headers: app.bearer(token), auth: false)
            #expect(late.status == .gone && late.string("error", "code") == "RESOURCE_EXPIRED")
            // The expiry is announced once, whichever node runs the sweep.
            #expect(try await QRSessionService(services: app.services).expireDue(now: SystemWallClock().nowMillis()) == 1)
            #expect(try await QRSessionService(services: app.services).expireDue(now: SystemWallClock().nowMillis()) == 0)
            app.services.realtimeHub.disconnect(conn)
            var received: [String] = []
            for await frame in frames { received.append(frame) }
            if backend == .sqlite {
                #expect(received.count == 1 && received[0].contains(#"\"status\":\"expired\""#), "\(received)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func loginHandsTokensToTheTillOnceAndRefreshRotates(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let (userID, appToken, _) = try await app.customerWithToken("login@example.com")
            let opened = try await app.post("/en/shop/auth/qr-login/generate", #"{"device_name":"POS"}"#)
            let id = try #require(opened.string("data", "session_id"))
            let code = try #require(opened.string("data", "qr_code")?.components(separatedBy: "code=").last?.components(separatedBy: "&").first)
            #expect(opened.string("data", "qr_code")?.hasPrefix("loyaltylt://qr-login?code=") == true && code.count == 32)

            let scanned = try await app.call(.post, "/en/shop/auth/qr-login/scan/\(code)", headers: app.bearer(appToken), auth: false)
            #expect(scanned.status == .ok && scanned.string("data", "session_id") == id && scanned.string("data", "device_name") == "POS")
            #expect(try await app.post("/en/shop/auth/qr-login/poll/\(id)", "").string("data", "status") == "scanned")
            let confirmed = try await app.call(.post, "/en/shop/auth/qr-login/confirm/\(id)", headers: app.bearer(appToken), auth: false)
            #expect(confirmed.status == .ok && confirmed.string("data", "status") == "authenticated")

            let first = try await app.post("/en/shop/auth/qr-login/poll/\(id)", "")
            #expect(
                first.string("data", "status") == "authenticated" && first.int("data", "user", "id") == userID
                    && first.int("data", "expires_in") == 3600
            )
            #expect(first.int("data", "loyalty_card", "partner_id") == app.partnerID)
            let tillToken = try #require(first.string("data", "token"))
            let tillRefresh = try #require(first.string("data", "refresh_token"))
            let second = try await app.post("/en/shop/auth/qr-login/poll/\(id)", "")
            #expect(second.data["token"] == nil && second.data["tokens_delivered"] == .bool(true))
            #expect(try await app.call(.post, "/en/shop/auth/qr-login/confirm/\(id)", headers: app.bearer(appToken), auth: false).status == .conflict)

            let me = try await app.call(.get, "/en/shop/auth/me", headers: app.bearer(tillToken), auth: false)
            #expect(me.status == .ok && me.int("data", "id") == userID && me.string("data", "email") == "login@example.com")

            // Refresh: single use, and a replay revokes the family.
            let refreshed = try await app.call(.post, "/en/shop/auth/refresh", json: #"{"refresh_token":"\#(tillRefresh)"}"#, auth: false)
            #expect(refreshed.status == .ok)
            let next = try #require(refreshed.string("data", "refresh_token"))
            let replay = try await app.call(.post, "/en/shop/auth/refresh", json: #"{"refresh_token":"\#(tillRefresh)"}"#, auth: false)
            #expect(replay.status == .unauthorized && replay.string("error", "code") == "INVALID_REFRESH_TOKEN")
            #expect(try await app.call(.post, "/en/shop/auth/refresh", json: #"{"refresh_token":"\#(next)"}"#, auth: false).status == .unauthorized)
            #expect(try await app.call(.post, "/en/shop/auth/refresh", json: #"{}"#, auth: false).status == .unprocessableContent)

            // Logout ends every refresh token of the customer.
            let (_, _, refresh2) = try await app.customerWithToken("login2@example.com")
            let other = try await app.customerWithToken("login3@example.com")
            #expect(try await app.call(.post, "/en/shop/auth/logout", headers: app.bearer(other.token), auth: false).status == .ok)
            #expect(
                try await app.call(.post, "/en/shop/auth/refresh", json: #"{"refresh_token":"\#(other.refresh)"}"#, auth: false).status
                    == .unauthorized
            )
            #expect(try await app.call(.post, "/en/shop/auth/refresh", json: #"{"refresh_token":"\#(refresh2)"}"#, auth: false).status == .ok)

            // A withdrawn pair (a lost confirmation race) leaves the customer's other sessions alone.
            let (_, _, kept) = try await app.customerWithToken("login4@example.com")
            let withdrawn = try #require(try await app.post("/en/shop/customers/\(userID)/token", "{}").string("data", "refresh_token"))
            let other4 = try #require(try await app.post("/en/shop/customers/\(userID)/token", "{}").string("data", "refresh_token"))
            try await app.services.customerTokens.refreshTokens.revokeFamily(of: withdrawn)
            #expect(
                try await app.call(.post, "/en/shop/auth/refresh", json: #"{"refresh_token":"\#(withdrawn)"}"#, auth: false).status == .unauthorized
            )
            #expect(try await app.call(.post, "/en/shop/auth/refresh", json: #"{"refresh_token":"\#(other4)"}"#, auth: false).status == .ok)
            #expect(try await app.call(.post, "/en/shop/auth/refresh", json: #"{"refresh_token":"\#(kept)"}"#, auth: false).status == .ok)
        }
    }
}
