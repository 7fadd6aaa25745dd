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

/// Mints and verifies customer access tokens (``HMACTokenSigner`` over the
/// `customer_jwt` key ring), and pairs them with refresh tokens from
/// ``RefreshTokenRepository``.
final class CustomerTokens: Sendable {
    let signer: HMACTokenSigner
    let refreshTokens: any RefreshTokenRepository
    let accessTTLSeconds: Int64
    let refreshTTLSeconds: Int64

    init(keys: KeyRing, refreshTokens: any RefreshTokenRepository, accessTTLSeconds: Int64, refreshTTLSeconds: Int64) {
        self.signer = HMACTokenSigner(keys: keys)
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
        let refresh = try await refreshTokens.issue(partnerID: partnerID, subjectID: customerID, family: nil, ttlSeconds: refreshTTLSeconds)
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
        return try await signer.sign(claims)
    }

    /// The verified claims, or `nil` (see ``HMACTokenSigner/verify(_:as:)``).
    func verify(_ token: String) async -> CustomerClaims? {
        await signer.verify(token, as: CustomerClaims.self)
    }
}
