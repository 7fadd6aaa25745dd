import Foundation
import JWTKit
import LoyaltyCore
import LoyaltyStore
import Synchronization

/// The claims of a customer access token (HS256 JWT, `kid` = the signing key's id).
struct CustomerClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    /// The partner (tenant) the customer belongs to.
    var pid: Int64
    var iss: IssuerClaim
    var aud: AudienceClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var jti: IDClaim

    static let issuer = "loyalty-platform"
    static let audience = "customer"

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try aud.verifyIntendedAudience(includes: Self.audience)
        guard iss.value == Self.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "unexpected issuer") }
    }

    var customerID: Int64? { Int64(sub.value) }
}

/// Mints and verifies customer access tokens with the `customer_jwt` key ring (64-byte
/// HMAC keys: jwt-kit asserts on keys shorter than 32 bytes in debug builds), and pairs
/// them with refresh tokens from ``RefreshTokenRepository``.
final class CustomerTokens: Sendable {
    let keys: KeyRing
    let refreshTokens: any RefreshTokenRepository
    let accessTTLSeconds: Int64
    let refreshTTLSeconds: Int64
    /// The key collection built from ``keys``, with the key ids it was built from.
    private let collection = Mutex<(ids: [Int64], keys: JWTKeyCollection)?>(nil)

    init(keys: KeyRing, refreshTokens: any RefreshTokenRepository, accessTTLSeconds: Int64, refreshTTLSeconds: Int64) {
        self.keys = keys
        self.refreshTokens = refreshTokens
        self.accessTTLSeconds = accessTTLSeconds
        self.refreshTTLSeconds = refreshTTLSeconds
    }

    struct Pair: Sendable {
        var token: String
        var refreshToken: String
        var expiresIn: Int64
    }

    /// A new access token and a new refresh-token family for the customer.
    func issue(partnerID: Int64, customerID: Int64) async throws -> Pair {
        let refresh = try await refreshTokens.issue(partnerID: partnerID, customerID: customerID, family: nil, ttlSeconds: refreshTTLSeconds)
        return Pair(token: try await accessToken(partnerID: partnerID, customerID: customerID), refreshToken: refresh, expiresIn: accessTTLSeconds)
    }

    /// Spends a refresh token for a new pair (see ``RefreshTokenRepository/rotate(token:ttlSeconds:)``).
    func refresh(_ refreshToken: String) async throws -> (partnerID: Int64, customerID: Int64, pair: Pair) {
        let (partnerID, customerID, next) = try await refreshTokens.rotate(token: refreshToken, ttlSeconds: refreshTTLSeconds)
        return (
            partnerID, customerID,
            Pair(token: try await accessToken(partnerID: partnerID, customerID: customerID), refreshToken: next, expiresIn: accessTTLSeconds)
        )
    }

    func accessToken(partnerID: Int64, customerID: Int64) async throws -> String {
        let key = try await keys.current()
        let now = Date()
        let claims = CustomerClaims(
            sub: .init(value: String(customerID)),
            pid: partnerID,
            iss: .init(value: CustomerClaims.issuer),
            aud: .init(value: [CustomerClaims.audience]),
            iat: .init(value: now),
            exp: .init(value: now.addingTimeInterval(TimeInterval(accessTTLSeconds))),
            jti: .init(value: UUID().uuidString.lowercased())
        )
        return try await collection().sign(claims, kid: JWKIdentifier(string: String(key.id)))
    }

    /// The verified claims, or `nil` for a token that is malformed, expired, signed
    /// with an unknown or retired key, or not HS256.
    func verify(_ token: String) async -> CustomerClaims? {
        guard token.utf8.count <= 4096, let kid = Self.keyID(of: token) else { return nil }
        do {
            // The header must name an unretired key (a key rotated in on another node is
            // loaded here); jwt-kit alone would fall back to its default key.
            guard try await keys.key(id: kid) != nil else { return nil }
            return try await collection().verify(token, as: CustomerClaims.self)
        } catch {
            return nil
        }
    }

    /// The `kid` of the token's header, if it is a number.
    static func keyID(of token: String) -> Int64? {
        guard let header = token.split(separator: ".", omittingEmptySubsequences: false).first,
            let bytes = CardToken.base64urlDecode(String(header)),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let kid = object["kid"] as? String
        else { return nil }
        return Int64(kid)
    }

    /// The jwt-kit collection for the current unretired keys, rebuilt when they change.
    private func collection() async throws -> JWTKeyCollection {
        let active = try await keys.verificationKeys()
        let ids = active.map(\.id)
        if active.isEmpty {
            _ = try await keys.current()
            return try await collection()
        }
        if let cached = collection.withLock({ $0 }), cached.ids == ids { return cached.keys }
        let built = JWTKeyCollection()
        for key in active {
            await built.add(hmac: HMACKey(from: key.material), digestAlgorithm: .sha256, kid: JWKIdentifier(string: String(key.id)))
        }
        collection.withLock { $0 = (ids, built) }
        return built
    }
}
