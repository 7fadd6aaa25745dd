import Crypto
import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@testable import LoyaltyServer

/// Forged, altered, expired and foreign customer tokens are refused.
@Suite("Customer tokens", .databases)
struct CustomerTokenTests {
    static func b64url(_ bytes: [UInt8]) -> String { CardToken.base64url(bytes) }

    static func hs256(header: String, payload: String, key: [UInt8]) -> String {
        let signingInput = b64url(Array(header.utf8)) + "." + b64url(Array(payload.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: key))
        return signingInput + "." + b64url(Array(mac))
    }

    @Test(arguments: Backend.allCases)
    func forgedTokensAreRefused(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let (userID, token, _) = try await app.customerWithToken("jwt@example.com")
            #expect(try await app.call(.get, "/en/shop/auth/me", headers: app.bearer(token), auth: false).status == .ok)
            let key = try await app.services.customerTokens.signer.keys.current()
            let now = Int(Date().timeIntervalSince1970)
            let claims =
                #"{"sub":"\#(userID)","pid":\#(app.partnerID),"iss":"loyalty-platform","aud":["customer"],"iat":\#(now),"exp":\#(now + 600),"jti":"x"}"#
            // The real key signs a valid token: the forgery cases below differ in one thing each.
            let genuine = Self.hs256(header: #"{"alg":"HS256","typ":"JWT","kid":"\#(key.id)"}"#, payload: claims, key: key.material)
            #expect(try await app.call(.get, "/en/shop/auth/me", headers: app.bearer(genuine), auth: false).status == .ok)

            let parts = token.split(separator: ".").map(String.init)
            let forged: [String: String] = [
                "alg none": Self.b64url(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + Self.b64url(Array(claims.utf8)) + ".",
                "alg none with kid": Self.b64url(Array(#"{"alg":"none","kid":"\#(key.id)"}"#.utf8)) + "." + Self.b64url(Array(claims.utf8)) + ".",
                "wrong key": Self.hs256(
                    header: #"{"alg":"HS256","typ":"JWT","kid":"\#(key.id)"}"#,
                    payload: claims,
                    key: [UInt8](repeating: 1, count: 64)
                ),
                "unknown kid": Self.hs256(header: #"{"alg":"HS256","typ":"JWT","kid":"999"}"#, payload: claims, key: key.material),
                "expired": Self.hs256(
                    header: #"{"alg":"HS256","kid":"\#(key.id)"}"#,
                    payload: claims.replacingOccurrences(of: #""exp":\#(now + 600)"#, with: #""exp":\#(now - 10)"#),
                    key: key.material
                ),
                "wrong audience": Self.hs256(
                    header: #"{"alg":"HS256","kid":"\#(key.id)"}"#,
                    payload: claims.replacingOccurrences(of: #"["customer"]"#, with: #"["partner"]"#),
                    key: key.material
                ),
                "payload swapped": parts[0] + "."
                    + Self.b64url(Array(claims.replacingOccurrences(of: #""sub":"\#(userID)""#, with: #""sub":"\#(userID + 1)""#).utf8)) + "."
                    + parts[2],
                "signature flipped": parts[0] + "." + parts[1] + "." + String(parts[2].reversed()),
                "garbage": "not.a.jwt",
                "api key": app.key,
            ]
            for (name, bad) in forged {
                let r = try await app.call(.get, "/en/shop/auth/me", headers: app.bearer(bad), auth: false)
                #expect(r.status == .unauthorized && r.string("error", "code") == "INVALID_TOKEN", "\(name): \(r.status)")
            }
            #expect(try await app.call(.get, "/en/shop/auth/me", auth: false).status == .unauthorized)

            // Rotation keeps issued tokens; retirement ends them.
            let rotated = try await app.services.customerTokens.signer.keys.rotate()
            #expect(try await app.call(.get, "/en/shop/auth/me", headers: app.bearer(token), auth: false).status == .ok)
            let fresh = try await app.services.customerTokens.accessToken(partnerID: app.partnerID, customerID: userID)
            #expect(fresh.contains(".") && rotated.id != key.id)
            #expect(try await app.services.signingKeys.retire(id: key.id))
            try await app.services.customerTokens.signer.keys.reload()
            #expect(try await app.call(.get, "/en/shop/auth/me", headers: app.bearer(token), auth: false).status == .unauthorized)
            #expect(try await app.call(.get, "/en/shop/auth/me", headers: app.bearer(fresh), auth: false).status == .ok)
        }
    }

    @Test func myCardCarriesAFreshScannableToken() async throws {
        try await TestApp.with(.sqlite) { app in
            let (userID, token, _) = try await app.customerWithToken("wallet@example.com")
            let mine = try await app.call(.get, "/en/shop/me/card", headers: app.bearer(token), auth: false)
            #expect(mine.status == .ok && mine.int("data", "card", "user_id") == userID)
            let qr = try #require(mine.string("data", "qr", "token"))
            let scanned = try await app.post("/en/shop/loyalty-cards/scan", #"{"qr_data":"\#(qr)"}"#)
            #expect(scanned.int("data", "customer", "id") == userID)
            #expect(mine.string("data", "qr", "qr_image_url")?.contains("/qr?data=LT1.") == true)
        }
    }
}
