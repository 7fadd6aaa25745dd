import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyStore
import Synchronization

/// Checks Shop API credentials.
///
/// Accepts the official SDKs' `X-API-Key` + `X-API-Secret`, and the seed FAQ's
/// `Authorization: Bearer <api_key>` + `Shop-ID`. The Bearer form carries no secret,
/// so it is only accepted together with a `Shop-ID` that the key is bound to (or
/// that belongs to the key's partner); that is the FAQ's contract. Verified
/// credentials are cached for a few seconds so a read costs one query, not two.
final class CredentialAuthenticator: Sendable {
    let tenants: any TenantRepository
    let environment: DeploymentEnvironment
    let cacheMillis: Int64
    private let cache = Mutex<[String: (credential: ApiCredential, loadedAt: Int64)]>([:])

    let clock: any WallClock

    init(tenants: any TenantRepository, environment: DeploymentEnvironment, cacheSeconds: Double, clock: any WallClock) {
        self.clock = clock
        self.tenants = tenants
        self.environment = environment
        self.cacheMillis = Int64(cacheSeconds * 1000)
    }

    func authenticate(_ headers: HTTPFields) async throws -> Principal {
        let apiKey = headers[HeaderName.apiKey]?.asciiTrimmed
        let secret = headers[HeaderName.apiSecret]
        var bearer: String?
        if let auth = headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            bearer = String(auth.dropFirst(7)).asciiTrimmed
        }
        if let apiKey, !apiKey.isEmpty, let secret, !secret.isEmpty {
            let credential = try await load(apiKey)
            guard SecretHasher.verify(secret, against: credential.secretHash) else { throw APIError.unauthorized("credentials_invalid", code: 1101) }
            return try principal(credential)
        }
        if let bearer, ApiKeyFormat.isWellFormed(bearer) {
            guard let shopHeader = headers[HeaderName.shopID], let shopID = Int64(shopHeader.asciiTrimmed) else {
                throw APIError.unauthorized("credentials_required", code: 1004, stringCode: .authRequired)
            }
            let credential = try await load(bearer)
            if let bound = credential.shopID, bound != shopID {
                throw APIError.unauthorized("shop_id_mismatch", code: 1005, stringCode: .authForbidden)
            }
            if credential.shopID == nil, try await tenants.shop(partnerID: credential.partnerID, id: shopID) == nil {
                throw APIError.unauthorized("shop_id_mismatch", code: 1005, stringCode: .authForbidden)
            }
            var p = try principal(credential)
            p.shopID = shopID
            return p
        }
        if (apiKey?.isEmpty == false) || bearer != nil {
            // Something was sent but not a usable pair: say what is wrong with it.
            if let k = apiKey ?? bearer, !ApiKeyFormat.isWellFormed(k) { throw APIError.unauthorized("key_format", code: 1011) }
        }
        throw APIError.unauthorized("credentials_required", code: 1004, stringCode: .authRequired)
    }

    private func load(_ key: String) async throws -> ApiCredential {
        guard ApiKeyFormat.isWellFormed(key) else { throw APIError.unauthorized("key_format", code: 1011) }
        let now = clock.nowMillis()
        if let hit = cache.withLock({ $0[key] }), now - hit.loadedAt < cacheMillis { return hit.credential }
        guard let credential = try await tenants.credential(key: key) else { throw APIError.unauthorized("credentials_invalid", code: 1101) }
        cache.withLock { c in
            if c.count > 10_000 { c.removeAll() }
            c[key] = (credential, now)
        }
        return credential
    }

    private func principal(_ c: ApiCredential) throws -> Principal {
        if c.revokedAt != nil { throw APIError.unauthorized("credentials_invalid", code: 1101) }
        if !c.partnerActive { throw APIError.partnerInactive }
        if let expires = c.expiresAt, expires <= clock.nowMillis() {
            throw APIError.unauthorized("credentials_expired", code: 1014, stringCode: .tokenExpired)
        }
        if c.environment != environment {
            throw APIError.unauthorized("credentials_environment", code: 1015, args: ["env": c.environment.rawValue, "server": environment.rawValue])
        }
        return Principal(credentialID: c.id, partnerID: c.partnerID, shopID: c.shopID, key: c.key, environment: c.environment)
    }
}
