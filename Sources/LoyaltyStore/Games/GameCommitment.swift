import Crypto
import Foundation

/// Commit-reveal for chance games: the outcome is drawn when the session starts and
/// only its commitment, `hex(SHA-256(outcome + ":" + salt))`, is shown then; claiming
/// reveals `outcome` and `salt`, so the member can recompute the hash and see that the
/// result was fixed before they played (and the server cannot pick another one later).
///
/// The salt is 32 bytes from the system CSPRNG, hex-encoded: without it a member could
/// try every outcome of a small prize table against the commitment before playing.
public struct GameCommitment: Sendable, Equatable {
    /// The canonical text of the decided outcome (e.g. `prize:3`).
    public let outcome: String
    /// 64 hex characters.
    public let salt: String
    /// 64 hex characters.
    public let commitment: String

    /// Commits to `outcome` under a fresh salt.
    public init(outcome: String) {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        self.init(outcome: outcome, salt: Self.hex(bytes))
    }

    /// Recomputes the commitment of a stored outcome and salt.
    public init(outcome: String, salt: String) {
        self.outcome = outcome
        self.salt = salt
        self.commitment = Self.hash(outcome: outcome, salt: salt)
    }

    /// Whether `commitment` is the hash of `outcome` and `salt`: what a member checks.
    public static func verify(commitment: String, outcome: String, salt: String) -> Bool {
        hash(outcome: outcome, salt: salt) == commitment.lowercased()
    }

    static func hash(outcome: String, salt: String) -> String {
        hex(Array(SHA256.hash(data: Data("\(outcome):\(salt)".utf8))))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return out
    }
}
