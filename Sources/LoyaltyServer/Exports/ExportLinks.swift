import Foundation
import JWTKit
import LoyaltyCore

/// The claims of an export's download link: the job and its partner, until `exp`.
struct ExportLinkClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    var pid: Int64
    var aud: AudienceClaim
    var exp: ExpirationClaim

    static let audience = "export"

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try aud.verifyIntendedAudience(includes: Self.audience)
    }
}

/// Signed, expiring download links for exports (HS256 under the `export_url` key ring):
/// whoever holds the link may download that one file until it expires, without
/// credentials, as with a presigned storage URL. A link lives an hour at most, and
/// never past the file's own expiry; reading the job again gives a fresh one.
struct ExportLinks: Sendable {
    let signer: HMACTokenSigner
    static let maxSeconds: Int64 = 3_600

    init(keys: KeyRing) {
        signer = HMACTokenSigner(keys: keys)
    }

    /// A token for job `id` of `partnerID`, valid until `min(now + 1 h, fileExpiresAt)`.
    func token(jobID: Int64, partnerID: Int64, fileExpiresAt: Int64, now: Int64) async throws -> (token: String, expiresAt: Int64) {
        let until = min(now + Self.maxSeconds * 1000, fileExpiresAt)
        let claims = ExportLinkClaims(
            sub: SubjectClaim(value: String(jobID)),
            pid: partnerID,
            aud: AudienceClaim(value: ExportLinkClaims.audience),
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: Double(until) / 1000))
        )
        return (try await signer.sign(claims), until)
    }

    /// The job and partner a valid, unexpired token names.
    func verify(_ token: String) async -> (jobID: Int64, partnerID: Int64)? {
        guard let claims = await signer.verify(token, as: ExportLinkClaims.self), let id = Int64(claims.sub.value) else { return nil }
        return (id, claims.pid)
    }
}
