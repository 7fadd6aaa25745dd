import Crypto
import Foundation
import LoyaltyModels

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
        self.init(outcome: outcome, salt: Hex.random(bytes: 32))
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

    /// Lower-case hex SHA-256 of `bytes` (an uploaded image's fingerprint).
    static func sha256Hex(_ bytes: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: bytes))
    }

    static func hash(outcome: String, salt: String) -> String {
        Hex.encode(SHA256.hash(data: Data("\(outcome):\(salt)".utf8)))
    }
}
