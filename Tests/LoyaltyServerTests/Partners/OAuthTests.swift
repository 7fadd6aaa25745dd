import Crypto
import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// OAuth 2.0 on both databases, through the real router: registration and approval, the
/// consent page, code + PKCE, the token endpoint's grants, scopes on Partner API routes,
/// rotation, revocation, introspection, and every refusal the issue lists.
/// scripts/oauth-check.sh drives the same flows with Authlib.
@Suite("OAuth 2.0", .databases)
struct OAuthTests {
    static let redirect = "https://app.example/callback"

    static func form(_ pairs: [(String, String)]) -> [UInt8] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return Array(
            pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&").utf8
        )
    }

    static func challenge(_ verifier: String) -> String {
        Data(SHA256.hash(data: Array(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func post(_ app: TestApp, _ path: String, _ pairs: [(String, String)], basic: (String, String)? = nil) async throws -> TestApp.Reply {
        var headers: HTTPFields = .of(["Content-Type": "application/x-www-form-urlencoded"])
        if let (id, secret) = basic { headers[.authorization] = "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString() }
        return try await app.call(.post, path, body: form(pairs), headers: headers, auth: false)
    }

    /// Registers and approves an app; returns its id, client_id and secret.
    static func app(_ app: TestApp, owner: String, scopes: String, confidential: Bool = true) async throws -> (Int64, String, String?) {
        let r = try await app.asUser(
            owner,
            .post,
            "/en/partners/oauth/clients",
            json: #"{"name":"Point <Sync>","redirect_uris":["\#(redirect)"],"scopes":"\#(scopes)","confidential":\#(confidential)}"#
        )
        try #require(r.status == .created, "\(r.json.serializedString())")
        let id = try #require(r.int("data", "id"))
        #expect(r.string("data", "status") == "pending")
        let approved = try await app.asUser(owner, .post, "/en/partners/oauth/clients/\(id)/approve", json: "{}")
        #expect(approved.string("data", "status") == "approved")
        return (id, try #require(r.string("data", "client_id")), r.string("data", "client_secret"))
    }

    /// The consent page for these parameters; returns the reply and its form token.
    static func authorize(
        _ app: TestApp,
        _ clientID: String,
        scope: String,
        challenge: String,
        redirect: String = redirect
    ) async throws -> (
        TestApp.Reply, String?
    ) {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let q = [
            ("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirect), ("scope", scope), ("state", "s t&8"),
            ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ].map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        let r = try await app.call(.get, "/oauth/authorize?\(q)", auth: false)
        let html = String(decoding: r.body, as: UTF8.self)
        let token = html.range(of: #"name="form_token" value=""#).map { start in
            String(html[start.upperBound...].prefix { $0 != "\"" })
        }
        return (r, token)
    }

    /// Query items of a redirect's Location.
    static func location(_ r: TestApp.Reply) -> [String: String] {
        guard let loc = r.headers[.location], let items = URLComponents(string: loc)?.queryItems else { return [:] }
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
    }

    /// Runs consent for `owner@example.com` and returns the code.
    static func code(_ app: TestApp, _ clientID: String, scope: String, verifier: String) async throws -> String {
        let (_, token) = try await authorize(app, clientID, scope: scope, challenge: challenge(verifier))
        let r = try await post(
            app,
            "/oauth/authorize",
            [("form_token", try #require(token)), ("email", "owner@example.com"), ("password", TestApp.partnerPassword), ("decision", "approve")]
        )
        #expect(r.status == .found, "\(String(decoding: r.body, as: UTF8.self))")
        let q = location(r)
        #expect(q["state"] == "s t&8")
        return try #require(q["code"])
    }

    @Test(arguments: Backend.allCases)
    func codeWithPKCEScopesRotationAndRevocation(_ backend: Backend) async throws {
        let clock = ManualWallClock(SystemWallClock().nowMillis())
        try await TestApp.with(backend, clock: clock) { app in
            let owner = try await app.partnerToken("owner@example.com")
            let staff = try await app.partnerToken("staff@example.com", role: .staff)
            // Registration: staff may not register, a bad redirect or scope is named, pending apps cannot be used.
            #expect(
                try await app.asUser(
                    staff,
                    .post,
                    "/en/partners/oauth/clients",
                    json: #"{"name":"x","redirect_uris":["https://a.example"],"scopes":"loyalty:read"}"#
                ).status == .forbidden
            )
            let bad = try await app.asUser(
                owner,
                .post,
                "/en/partners/oauth/clients",
                json: #"{"name":"x","redirect_uris":["http://evil.example/cb"],"scopes":"loyalty:read admin:all"}"#
            )
            #expect(bad.status == .unprocessableContent && bad.json["errors"]?["redirect_uris"] != nil && bad.json["errors"]?["scopes"] != nil)
            let pending = try await app.asUser(
                owner,
                .post,
                "/en/partners/oauth/clients",
                json: #"{"name":"p","redirect_uris":["\#(Self.redirect)"],"scopes":"loyalty:read"}"#
            )
            let pendingID = try #require(pending.string("data", "client_id"))
            #expect(
                try await Self.authorize(app, pendingID, scope: "loyalty:read", challenge: Self.challenge(String(repeating: "a", count: 43))).0.status
                    == .badRequest
            )

            let (rowID, clientID, secret) = try await Self.app(app, owner: owner, scopes: "loyalty:read points:manage analytics:read")
            let secretValue = try #require(secret)
            let verifier = String(repeating: "v", count: 30) + "-._~0123456789abcdefghijk"
            // The page: escaped, framed nowhere, no script; a foreign redirect is refused without redirecting.
            let (page, formToken) = try await Self.authorize(app, clientID, scope: "loyalty:read points:manage", challenge: Self.challenge(verifier))
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(page.status == .ok && formToken != nil && html.contains("Point &lt;Sync&gt;") && !html.contains("<script"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            let foreign = try await Self.authorize(
                app,
                clientID,
                scope: "loyalty:read",
                challenge: Self.challenge(verifier),
                redirect: "https://evil.example/cb"
            )
            #expect(foreign.0.status == .badRequest && foreign.0.headers[.location] == nil)
            let escalate = try await Self.authorize(app, clientID, scope: "loyalty:read webhooks:manage", challenge: Self.challenge(verifier))
            #expect(escalate.0.status == .found && Self.location(escalate.0)["error"] == "invalid_scope")
            // A wrong password re-renders the page; Decline goes back with access_denied.
            let wrong = try await Self.post(
                app,
                "/oauth/authorize",
                [("form_token", formToken!), ("email", "owner@example.com"), ("password", "nope-nope-nope"), ("decision", "approve")]
            )
            #expect(wrong.status == .unauthorized && wrong.headers[.location] == nil)
            let declined = try await Self.post(app, "/oauth/authorize", [("form_token", formToken!), ("decision", "deny")])
            #expect(Self.location(declined)["error"] == "access_denied")

            // The code: a wrong verifier is refused, the right one works once; a reuse revokes what it issued.
            let code = try await Self.code(app, clientID, scope: "loyalty:read points:manage", verifier: verifier)
            let exchange: [(String, String)] = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirect)]
            let wrongVerifier = try await Self.post(
                app,
                "/oauth/token",
                exchange + [("code_verifier", String(repeating: "w", count: 50))],
                basic: (clientID, secretValue)
            )
            #expect(wrongVerifier.status == .badRequest && wrongVerifier.string("error") == "invalid_grant")
            #expect(
                try await Self.post(app, "/oauth/token", exchange + [("code_verifier", verifier)], basic: (clientID, "las_wrong")).status
                    == .unauthorized
            )
            let tokens = try await Self.post(app, "/oauth/token", exchange + [("code_verifier", verifier)], basic: (clientID, secretValue))
            #expect(tokens.status == .ok && tokens.string("token_type") == "Bearer" && tokens.headers[.cacheControl] == "no-store")
            let access = try #require(tokens.string("access_token"))
            #expect(try await app.asUser(access, .get, "/en/partners/customers").status == .ok)
            let reuse = try await Self.post(app, "/oauth/token", exchange + [("code_verifier", verifier)], basic: (clientID, secretValue))
            #expect(reuse.string("error") == "invalid_grant")
            #expect(try await app.asUser(access, .get, "/en/partners/customers").status == .unauthorized, "a reused code revokes its tokens")

            // A fresh grant: scopes decide, the role is capped at manager.
            let code2 = try await Self.code(app, clientID, scope: "loyalty:read points:manage", verifier: verifier)
            let pair = try await Self.post(
                app,
                "/oauth/token",
                [
                    ("grant_type", "authorization_code"), ("code", code2), ("redirect_uri", Self.redirect), ("code_verifier", verifier),
                    ("client_id", clientID),
                    ("client_secret", secretValue),
                ]
            )
            let access2 = try #require(pair.string("access_token"))
            let refresh2 = try #require(pair.string("refresh_token"))
            let shop = try await app.asUser(access2, .post, "/en/partners/shops", json: #"{"name":"x"}"#)
            #expect(shop.status == .forbidden && shop.string("error", "code") == "INSUFFICIENT_SCOPE", "\(shop.json.serializedString())")
            #expect(try await app.asUser(access2, .get, "/en/partners/users").status == .forbidden, "owner routes are never open to apps")
            let user = try await app.customer("m@example.com")
            let award = try await app.asUser(
                access2,
                .post,
                "/en/partners/points/bulk-award",
                json: #"{"awards":[{"customer_id":\#(user),"points":5}]}"#
            )
            #expect(award.status.code < 300, "\(award.json.serializedString())")
            let audit = try await app.asUser(owner, .get, "/en/partners/audit-log")
            #expect(audit.json.serializedString().contains("via \(clientID)"), "the audit log names the app")

            // Introspection, rotation with reuse detection, scope escalation on refresh.
            let intro = try await Self.post(app, "/oauth/introspect", [("token", access2)], basic: (clientID, secretValue))
            #expect(intro.json["active"] == .bool(true) && intro.string("scope") == "loyalty:read points:manage")
            let escalated = try await Self.post(
                app,
                "/oauth/token",
                [("grant_type", "refresh_token"), ("refresh_token", refresh2), ("scope", "analytics:read")],
                basic: (clientID, secretValue)
            )
            #expect(escalated.string("error") == "invalid_scope")
            let rotated = try await Self.post(
                app,
                "/oauth/token",
                [("grant_type", "refresh_token"), ("refresh_token", refresh2), ("scope", "loyalty:read")],
                basic: (clientID, secretValue)
            )
            let access3 = try #require(rotated.string("access_token"), "\(rotated.json.serializedString())")
            #expect(rotated.string("scope") == "loyalty:read")
            let replay = try await Self.post(
                app,
                "/oauth/token",
                [("grant_type", "refresh_token"), ("refresh_token", refresh2)],
                basic: (clientID, secretValue)
            )
            #expect(replay.string("error") == "invalid_grant")
            #expect(try await app.asUser(access3, .get, "/en/partners/customers").status == .unauthorized, "a replayed refresh token ends its family")

            // Revocation (RFC 7009) and expiry.
            let code3 = try await Self.code(app, clientID, scope: "loyalty:read", verifier: verifier)
            let pair3 = try await Self.post(
                app,
                "/oauth/token",
                [("grant_type", "authorization_code"), ("code", code3), ("redirect_uri", Self.redirect), ("code_verifier", verifier)],
                basic: (clientID, secretValue)
            )
            let access4 = try #require(pair3.string("access_token"))
            #expect(try await Self.post(app, "/oauth/revoke", [("token", "loa_unknown")], basic: (clientID, secretValue)).status == .ok)
            #expect(
                try await Self.post(app, "/oauth/revoke", [("token", try #require(pair3.string("refresh_token")))], basic: (clientID, secretValue))
                    .status == .ok
            )
            #expect(try await app.asUser(access4, .get, "/en/partners/customers").status == .unauthorized, "revoking the refresh token ends the pair")
            #expect(
                try await Self.post(app, "/oauth/introspect", [("token", access4)], basic: (clientID, secretValue)).json["active"] == .bool(false)
            )
            let code4 = try await Self.code(app, clientID, scope: "loyalty:read", verifier: verifier)
            let pair4 = try await Self.post(
                app,
                "/oauth/token",
                [("grant_type", "authorization_code"), ("code", code4), ("redirect_uri", Self.redirect), ("code_verifier", verifier)],
                basic: (clientID, secretValue)
            )
            let access5 = try #require(pair4.string("access_token"))
            clock.advance(byMillis: 3_601_000)
            #expect(try await app.asUser(access5, .get, "/en/partners/customers").status == .unauthorized, "an expired token")
            // An expired code, too.
            clock.advance(byMillis: -3_601_000)
            let code5 = try await Self.code(app, clientID, scope: "loyalty:read", verifier: verifier)
            clock.advance(byMillis: 61_000)
            let late = try await Self.post(
                app,
                "/oauth/token",
                [("grant_type", "authorization_code"), ("code", code5), ("redirect_uri", Self.redirect), ("code_verifier", verifier)],
                basic: (clientID, secretValue)
            )
            #expect(late.string("error") == "invalid_grant")
            // Revoking the app ends it.
            #expect(
                try await app.asUser(owner, .post, "/en/partners/oauth/clients/\(rowID)/revoke", json: "{}").string("data", "status") == "revoked"
            )
            #expect(
                try await Self.post(app, "/oauth/token", [("grant_type", "client_credentials")], basic: (clientID, secretValue)).status
                    == .unauthorized
            )
        }
    }

    @Test(arguments: Backend.allCases)
    func clientCredentialsAndPublicClients(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let owner = try await app.partnerToken("owner@example.com")
            let (_, clientID, secret) = try await Self.app(app, owner: owner, scopes: "analytics:read loyalty:read")
            let secretValue = try #require(secret)
            let cc = try await Self.post(
                app,
                "/oauth/token",
                [("grant_type", "client_credentials"), ("scope", "analytics:read")],
                basic: (clientID, secretValue)
            )
            let token = try #require(cc.string("access_token"), "\(cc.json.serializedString())")
            #expect(cc.string("refresh_token") == nil)
            #expect(try await app.asUser(token, .get, "/en/partners/analytics/overview").status == .ok)
            let shops = try await app.asUser(token, .get, "/en/partners/shops")
            #expect(shops.status == .forbidden && shops.string("error", "code") == "INSUFFICIENT_SCOPE")
            // As the partner's integration (like API credentials): user-only routes refuse it.
            let cc2 = try await Self.post(app, "/oauth/token", [("grant_type", "client_credentials")], basic: (clientID, secretValue))
            #expect(try await app.asUser(try #require(cc2.string("access_token")), .get, "/en/partners/customers").status == .forbidden)
            let escalate = try await Self.post(
                app,
                "/oauth/token",
                [("grant_type", "client_credentials"), ("scope", "points:manage")],
                basic: (clientID, secretValue)
            )
            #expect(escalate.string("error") == "invalid_scope")
            #expect(
                try await Self.post(app, "/oauth/token", [("grant_type", "password")], basic: (clientID, secretValue)).string("error")
                    == "unsupported_grant_type"
            )
            // A public client: PKCE without a secret, and no client credentials.
            let (_, publicID, publicSecret) = try await Self.app(app, owner: owner, scopes: "loyalty:read", confidential: false)
            #expect(publicSecret == nil)
            #expect(
                try await Self.post(app, "/oauth/token", [("grant_type", "client_credentials"), ("client_id", publicID)]).string("error")
                    == "unauthorized_client"
            )
            let verifier = String(repeating: "p", count: 64)
            let code = try await Self.code(app, publicID, scope: "loyalty:read", verifier: verifier)
            let pair = try await Self.post(
                app,
                "/oauth/token",
                [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirect), ("code_verifier", verifier),
                    ("client_id", publicID),
                ]
            )
            #expect(pair.string("access_token") != nil, "\(pair.json.serializedString())")
            // Another app's token is inactive to this one.
            #expect(try await Self.post(app, "/oauth/introspect", [("token", token)], basic: (publicID, "x")).status == .unauthorized)
            // RFC 8414.
            let meta = try await app.call(.get, "/.well-known/oauth-authorization-server", auth: false)
            #expect(meta.json["code_challenge_methods_supported"] == .array([.string("S256")]))
            #expect(meta.string("token_endpoint")?.hasSuffix("/oauth/token") == true)
        }
    }
}
