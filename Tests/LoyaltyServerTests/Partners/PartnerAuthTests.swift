import Foundation
import HTTPTypes
import HummingbirdOTP
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// P01 and the account routes through the real router: sign-in, refresh rotation and
/// reuse detection, lock-out with back-off, the TOTP second factor, sign-out, password
/// change, deactivated users and partners.
@Suite("Partner sign-in", .databases)
struct PartnerAuthTests {
    @Test(arguments: Backend.allCases)
    func loginRefreshAndSignOut(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            try await app.partnerUser("owner@example.com")
            let wrong = try await app.login("owner@example.com", password: "not-the-password")
            #expect(wrong.status == .unauthorized && wrong.int("code") == 1104, "\(wrong.json.serializedString())")
            let unknown = try await app.login("nobody@example.com")
            #expect(unknown.status == .unauthorized && unknown.string("message") == wrong.string("message"))
            let ok = try await app.login("OWNER@example.com")
            #expect(ok.status == .ok, "\(ok.json.serializedString())")
            #expect(ok.string("data", "token_type") == "Bearer" && ok.int("data", "expires_in") == 900)
            #expect(ok.int("data", "partner", "id") == app.partnerID && ok.int("data", "partner", "shops_count") == 1)
            #expect(ok.string("data", "user", "role") == "owner")
            let token = try #require(ok.string("data", "access_token"))
            let refresh = try #require(ok.string("data", "refresh_token"))
            let me = try await app.asUser(token, .get, "/en/partners/auth/me")
            #expect(me.status == .ok && me.string("data", "email") == "owner@example.com" && me.int("data", "partner", "id") == app.partnerID)

            // Rotation: the refresh token is good once; reusing it revokes the family.
            let next = try await app.call(.post, "/en/partners/auth/refresh", json: #"{"refresh_token":"\#(refresh)"}"#, auth: false)
            #expect(next.status == .ok, "\(next.json.serializedString())")
            let second = try #require(next.string("data", "refresh_token"))
            #expect(second != refresh)
            let replay = try await app.call(.post, "/en/partners/auth/refresh", json: #"{"refresh_token":"\#(refresh)"}"#, auth: false)
            #expect(replay.status == .unauthorized && replay.int("code") == 1102)
            let afterReplay = try await app.call(.post, "/en/partners/auth/refresh", json: #"{"refresh_token":"\#(second)"}"#, auth: false)
            #expect(afterReplay.status == .unauthorized, "the family of a replayed token is revoked")

            // A customer token is not a partner token, nor is garbage.
            let forged = try await app.asUser("eyJhbGciOiJIUzI1NiJ9.e30.x", .get, "/en/partners/auth/me")
            #expect(forged.status == .unauthorized && forged.int("code") == 1110)
            let anonymous = try await app.call(.get, "/en/partners/auth/me", auth: false)
            #expect(anonymous.status == .unauthorized && anonymous.int("code") == 1004)

            // Sign-out ends the access token at once, not at its expiry.
            let fresh = try #require(try await app.login("owner@example.com").string("data", "access_token"))
            let out = try await app.asUser(fresh, .post, "/en/partners/auth/logout", json: "{}")
            #expect(out.status == .ok)
            #expect(try await app.asUser(fresh, .get, "/en/partners/auth/me").status == .unauthorized)
            #expect(try await app.asUser(token, .get, "/en/partners/auth/me").status == .unauthorized, "every session ends")
        }
    }

    @Test(arguments: Backend.allCases)
    func lockoutBacksOff(_ backend: Backend) async throws {
        let clock = ManualWallClock(1_893_553_445_000)
        try await TestApp.with(backend, clock: clock) { app in
            try await app.partnerUser("locked@example.com")
            for _ in 0..<4 { #expect(try await app.login("locked@example.com", password: "wrong-password-1").status == .unauthorized) }
            let fifth = try await app.login("locked@example.com", password: "wrong-password-1")
            #expect(fifth.status == .tooManyRequests && fifth.string("error", "code") == "ACCOUNT_LOCKED", "\(fifth.json.serializedString())")
            #expect(fifth.headers[.retryAfter] == "30")
            // Locked: even the right password is refused, without being checked.
            let right = try await app.login("locked@example.com")
            #expect(right.status == .tooManyRequests)
            clock.advance(byMillis: 31_000)
            // One more failure doubles the lock.
            let sixth = try await app.login("locked@example.com", password: "wrong-password-1")
            #expect(sixth.status == .tooManyRequests && sixth.headers[.retryAfter] == "60")
            clock.advance(byMillis: 61_000)
            let ok = try await app.login("locked@example.com")
            #expect(ok.status == .ok, "\(ok.json.serializedString())")
            // Success clears the count: the next failure is an ordinary 401.
            #expect(try await app.login("locked@example.com", password: "wrong-password-1").status == .unauthorized)
            let log = try await app.services.auditLog.entries(
                partnerID: app.partnerID,
                actorID: nil,
                action: "auth.",
                page: PageRequest(page: 1, perPage: 50)
            )
            #expect(log.items.filter { $0.action == "auth.login_failed" }.count == 7)
            #expect(log.items.filter { $0.action == "auth.login" }.count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func totpSecondFactor(_ backend: Backend) async throws {
        let clock = ManualWallClock(1_893_553_445_000)
        try await TestApp.with(backend, clock: clock) { app in
            let token = try await app.partnerToken("twofactor@example.com")
            let badPassword = try await app.asUser(token, .post, "/en/partners/auth/totp/setup", json: #"{"password":"wrong-password"}"#)
            #expect(badPassword.status == .unprocessableContent)
            let setup = try await app.asUser(token, .post, "/en/partners/auth/totp/setup", json: #"{"password":"\#(TestApp.partnerPassword)"}"#)
            #expect(setup.status == .ok, "\(setup.json.serializedString())")
            let url = try #require(setup.string("data", "otpauth_url"))
            #expect(url.hasPrefix("otpauth://totp/") && url.contains("secret=\(setup.string("data", "secret") ?? "?")"))
            let account = try #require(try await app.services.partnerUsers.credentials(email: "twofactor@example.com"))
            let totp = TOTP(secret: try #require(account.totpSecret))
            func code(_ offsetSteps: Int64 = 0) -> String {
                let at = Date(timeIntervalSince1970: TimeInterval(clock.nowMillis() / 1000 + offsetSteps * 30))
                return String(format: "%06d", totp.compute(date: at))
            }
            // Not required before it is confirmed.
            #expect(try await app.login("twofactor@example.com").status == .ok)
            let wrongCode = try await app.asUser(token, .post, "/en/partners/auth/totp/enable", json: #"{"code":"000000"}"#)
            #expect(wrongCode.status == .unauthorized || code() == "000000")
            let enable = try await app.asUser(token, .post, "/en/partners/auth/totp/enable", json: #"{"code":"\#(code())"}"#)
            #expect(enable.status == .ok, "\(enable.json.serializedString())")
            clock.advance(byMillis: 30_000)
            let missing = try await app.login("twofactor@example.com")
            #expect(missing.status == .unauthorized && missing.string("error", "code") == "TOTP_REQUIRED")
            let withCode = try await app.login("twofactor@example.com", totp: code())
            #expect(withCode.status == .ok, "\(withCode.json.serializedString())")
            // The same code again (a replay) is refused, and counts as a failure.
            let replay = try await app.login("twofactor@example.com", totp: code())
            #expect(replay.status == .unauthorized && replay.string("error", "code") == "TOTP_INVALID")
            // The next step's code (clock drift) is accepted.
            let drift = try await app.login("twofactor@example.com", totp: code(1))
            #expect(drift.status == .ok, "\(drift.json.serializedString())")
            let ahead = try await app.login("twofactor@example.com", totp: code(5))
            #expect(ahead.status == .unauthorized)
        }
    }

    @Test(arguments: Backend.allCases)
    func passwordChangeDeactivationAndPartnerShutdown(_ backend: Backend) async throws {
        try await TestApp.with(backend, configure: { $0.credentialCacheSeconds = 0 }) { app in
            let owner = try await app.partnerToken("boss@example.com")
            let staff = try await app.partnerToken("clerk@example.com", role: .staff)
            let weak = try await app.asUser(
                owner,
                .post,
                "/en/partners/auth/password",
                json: #"{"current_password":"\#(TestApp.partnerPassword)","new_password":"aaaaaaaaaaaa"}"#
            )
            #expect(weak.status == .unprocessableContent, "\(weak.json.serializedString())")
            let changed = try await app.asUser(
                owner,
                .post,
                "/en/partners/auth/password",
                json: #"{"current_password":"\#(TestApp.partnerPassword)","new_password":"another-long-secret"}"#
            )
            #expect(changed.status == .ok)
            #expect(try await app.asUser(owner, .get, "/en/partners/auth/me").status == .unauthorized)
            #expect(try await app.login("boss@example.com").status == .unauthorized)
            let owner2 = try #require(try await app.login("boss@example.com", password: "another-long-secret").string("data", "access_token"))

            // Deactivating a user ends their sessions; the last owner cannot be removed.
            let users = try await app.asUser(owner2, .get, "/en/partners/users")
            let clerk = try #require(users.data.array.first { $0["email"]?.string == "clerk@example.com" }?["id"]?.int)
            let me = try #require(users.data.array.first { $0["email"]?.string == "boss@example.com" }?["id"]?.int)
            #expect(try await app.asUser(owner2, .delete, "/en/partners/users/\(clerk)").status == .ok)
            #expect(try await app.asUser(staff, .get, "/en/partners/shops").status == .unauthorized)
            let lastOwner = try await app.asUser(owner2, .put, "/en/partners/users/\(me)", json: #"{"role":"manager"}"#)
            #expect(lastOwner.status == .conflict && lastOwner.int("code") == 1115)

            // A deactivated partner: users and API credentials are refused.
            try await app.partnerUser("ops@example.com", isOperator: true)
            let ops = try #require(try await app.login("ops@example.com").string("data", "access_token"))
            #expect(try await app.asUser(ops, .delete, "/en/partners/\(app.partnerID)").status == .ok)
            let refusedUser = try await app.asUser(owner2, .get, "/en/partners/shops")
            #expect(refusedUser.status == .forbidden && refusedUser.string("error", "code") == "PARTNER_INACTIVE")
            #expect(try await app.login("boss@example.com", password: "another-long-secret").status == .forbidden)
            let refusedKey = try await app.get("/en/shop/shops")
            #expect(
                refusedKey.status == .forbidden && refusedKey.string("error", "code") == "PARTNER_INACTIVE",
                "\(refusedKey.json.serializedString())"
            )
        }
    }
}
