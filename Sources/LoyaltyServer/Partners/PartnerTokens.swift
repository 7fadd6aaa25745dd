import Foundation
import JWTKit
import LoyaltyCore
import LoyaltyStore

/// The claims of a partner user's access token (HS256 JWT under the `partner_jwt` key
/// ring, so a customer token never passes for one).
struct PartnerClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    /// The user's partner (0 for a platform operator).
    var pid: Int64
    /// The user's token version when issued: raising it (sign-out, password or role
    /// change, deactivation) ends every token issued before.
    var ver: Int64
    var iss: IssuerClaim
    var aud: AudienceClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var jti: IDClaim

    static let audience = "partner"

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try aud.verifyIntendedAudience(includes: Self.audience)
        guard iss.value == CustomerClaims.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "unexpected issuer") }
    }

    var userID: Int64? { Int64(sub.value) }
}

/// Mints partner users' access tokens and rotating refresh tokens, and resolves a
/// presented access token to the user as stored now (active, same token version), so
/// a role change or sign-out takes effect on the next request.
final class PartnerTokens: Sendable {
    let signer: HMACTokenSigner
    let refreshTokens: any RefreshTokenRepository
    let users: any PartnerUserRepository
    let accessTTLSeconds: Int64
    let refreshTTLSeconds: Int64

    init(
        keys: KeyRing,
        refreshTokens: any RefreshTokenRepository,
        users: any PartnerUserRepository,
        accessTTLSeconds: Int64,
        refreshTTLSeconds: Int64
    ) {
        self.signer = HMACTokenSigner(keys: keys)
        self.refreshTokens = refreshTokens
        self.users = users
        self.accessTTLSeconds = accessTTLSeconds
        self.refreshTTLSeconds = refreshTTLSeconds
    }

    struct Pair: Sendable {
        var accessToken: String
        var refreshToken: String
        var expiresIn: Int64
    }

    /// A new access token and a new refresh-token family.
    func issue(_ user: PartnerUserCredentials) async throws -> Pair {
        let refresh = try await refreshTokens.issue(
            partnerID: user.user.partnerID ?? 0,
            subjectID: user.user.id,
            family: nil,
            ttlSeconds: refreshTTLSeconds
        )
        return Pair(accessToken: try await accessToken(user), refreshToken: refresh, expiresIn: accessTTLSeconds)
    }

    /// Spends a refresh token for a new pair; the user must still be active.
    func refresh(_ token: String) async throws -> (PartnerUserCredentials, Pair) {
        let (_, userID, next) = try await refreshTokens.rotate(token: token, ttlSeconds: refreshTTLSeconds)
        guard let user = try await users.credentials(id: userID), user.user.isActive else { throw LoyaltyError.refreshTokenInvalid }
        return (user, Pair(accessToken: try await accessToken(user), refreshToken: next, expiresIn: accessTTLSeconds))
    }

    func accessToken(_ user: PartnerUserCredentials) async throws -> String {
        let now = Date()
        return try await signer.sign(
            PartnerClaims(
                sub: .init(value: String(user.user.id)),
                pid: user.user.partnerID ?? 0,
                ver: user.tokenVersion,
                iss: .init(value: CustomerClaims.issuer),
                aud: .init(value: [PartnerClaims.audience]),
                iat: .init(value: now),
                exp: .init(value: now.addingTimeInterval(TimeInterval(accessTTLSeconds))),
                jti: .init(value: UUID().uuidString.lowercased())
            )
        )
    }

    /// The user a valid access token names, as stored now; `nil` for a bad or expired
    /// token, or a user deactivated or signed out since.
    func user(for token: String) async throws -> PartnerUserCredentials? {
        guard let claims = await signer.verify(token, as: PartnerClaims.self), let id = claims.userID,
            let user = try await users.credentials(id: id), user.user.isActive, user.tokenVersion == claims.ver,
            (user.user.partnerID ?? 0) == claims.pid
        else { return nil }
        return user
    }
}
