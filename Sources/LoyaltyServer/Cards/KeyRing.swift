import Crypto
import LoyaltyCore
import LoyaltyStore
import Synchronization

/// The keys of one purpose, cached from ``SigningKeyRepository``. The first use creates
/// a key when there is none, so a fresh install needs no set-up. Another node's rotation
/// or retirement is seen within ``refreshMillis``, and at once when a token names a key
/// this node has not loaded (reloads are limited to one a second).
final class KeyRing: Sendable {
    let purpose: String
    let keyBytes: Int
    let repository: any SigningKeyRepository
    let refreshMillis: Int64 = 60_000
    private let state = Mutex<(keys: [SigningKey], loadedAt: Int64)>(([], 0))

    let clock: any WallClock

    init(purpose: String, keyBytes: Int, repository: any SigningKeyRepository, clock: any WallClock) {
        self.clock = clock
        self.purpose = purpose
        self.keyBytes = keyBytes
        self.repository = repository
    }

    /// The key that signs or encrypts now: the newest unretired one.
    func current() async throws -> SigningKey {
        if let key = try await keys(maxAgeMillis: refreshMillis).first(where: { $0.retiredAt == nil }) { return key }
        let key = try await repository.add(purpose: purpose, material: Self.random(keyBytes))
        try await reload()
        return key
    }

    /// An unretired key by id, or `nil`.
    func key(id: Int64) async throws -> SigningKey? {
        if let key = try await keys(maxAgeMillis: refreshMillis).first(where: { $0.id == id }) { return key.retiredAt == nil ? key : nil }
        return try await keys(maxAgeMillis: 1_000).first(where: { $0.id == id && $0.retiredAt == nil })
    }

    /// Every unretired key, newest first.
    func verificationKeys() async throws -> [SigningKey] {
        try await keys(maxAgeMillis: refreshMillis).filter { $0.retiredAt == nil }
    }

    /// Adds a new current key; earlier keys keep verifying until retired.
    func rotate() async throws -> SigningKey {
        let key = try await repository.add(purpose: purpose, material: Self.random(keyBytes))
        try await reload()
        return key
    }

    func reload() async throws {
        let keys = try await repository.keys(purpose: purpose)
        state.withLock { $0 = (keys, clock.nowMillis()) }
    }

    private func keys(maxAgeMillis: Int64) async throws -> [SigningKey] {
        let (keys, loadedAt) = state.withLock { $0 }
        if clock.nowMillis() - loadedAt < maxAgeMillis { return keys }
        try await reload()
        return state.withLock { $0.keys }
    }

    static func random(_ count: Int) -> [UInt8] {
        SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
    }
}
