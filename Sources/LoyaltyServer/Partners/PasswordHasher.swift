import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// bcrypt password hashing (hummingbird-auth) off the cooperative pool: a hash at cost
/// 12 takes a quarter of a second of CPU, which must not stall other requests' tasks.
final class PasswordHasher: Sendable {
    let cost: Int
    /// A hash no password matches, at the same cost, made on first need (not at start-up:
    /// every CLI command builds the services too).
    private let decoyHash = Mutex<String?>(nil)

    init(cost: Int) {
        self.cost = cost
    }

    /// A salted bcrypt hash of `password` (the salt is inside the hash).
    func hash(_ password: String) async throws -> String {
        let cost = UInt8(cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`.
    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Checks `password` against the decoy, so a sign-in with an unknown email takes as
    /// long as one with a wrong password.
    func verifyDecoy(_ password: String) async throws {
        let decoy: String
        if let made = decoyHash.withLock({ $0 }) {
            decoy = made
        } else {
            decoy = try await hash("decoy-\(UInt64.random(in: 0...UInt64.max))")
            decoyHash.withLock { $0 = $0 ?? decoy }
        }
        _ = try await verify(password, hash: decoy)
    }

    /// Passwords must be 10 to 72 bytes (bcrypt reads 72), not all one character.
    static func problem(_ password: String) -> String? {
        let bytes = password.utf8.count
        if bytes < 10 { return "password_short" }
        if bytes > 72 { return "password_long" }
        if Set(password).count < 4 { return "password_weak" }
        return nil
    }
}
