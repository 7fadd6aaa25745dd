import Foundation
import JWTKit
import LoyaltyCore
import Synchronization

/// Signs and verifies HS256 JWTs with one key ring (`kid` = the signing key's id): the
/// customer tokens and the partner tokens each own one, under their own purpose, so a
/// token of one kind never verifies as the other.
///
/// Keys are 64-byte HMAC keys (jwt-kit asserts on keys shorter than 32 bytes in debug
/// builds). A token verifies only if its header names an unretired key of the ring.
final class HMACTokenSigner: Sendable {
    let keys: KeyRing
    /// The key collection built from ``keys``, with the key ids it was built from.
    private let collection = Mutex<(ids: [Int64], keys: JWTKeyCollection)?>(nil)

    init(keys: KeyRing) {
        self.keys = keys
    }

    /// `claims` signed with the ring's current key.
    func sign(_ claims: some JWTPayload) async throws -> String {
        let key = try await keys.current()
        return try await collection().sign(claims, kid: JWKIdentifier(string: String(key.id)))
    }

    /// The verified claims, or `nil` for a token that is malformed, expired, signed with
    /// an unknown or retired key, not HS256, or whose claims fail their own `verify`.
    func verify<Claims: JWTPayload>(_ token: String, as: Claims.Type) async -> Claims? {
        guard token.utf8.count <= 4096, let kid = Self.keyID(of: token) else { return nil }
        do {
            // The header must name an unretired key (a key rotated in on another node is
            // loaded here); jwt-kit alone would fall back to its default key.
            guard try await keys.key(id: kid) != nil else { return nil }
            return try await collection().verify(token, as: Claims.self)
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
