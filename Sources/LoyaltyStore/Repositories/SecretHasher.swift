import Crypto
import LoyaltyModels

/// Hashes API secrets for storage.
///
/// Secrets are 48 random alphanumerics (~285 bits), so a fast hash is enough: there
/// is nothing to brute-force, and a slow KDF would cost every request. Comparison is
/// constant-time.
public enum SecretHasher {
    public static func hash(_ secret: String) -> String {
        String(decoding: hexBytes(secret), as: UTF8.self)
    }

    /// Lower-case hex of SHA-256(secret), as bytes (no intermediate strings: this runs
    /// on every authenticated request).
    static func hexBytes(_ secret: String) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(secret.utf8)) {
            Hex.append(byte, to: &out)
        }
        return out
    }

    /// Constant-time comparison of `secret`'s hash with a stored hash.
    public static func verify(_ secret: String, against storedHash: String) -> Bool {
        let a = hexBytes(secret)
        let b = Array(storedHash.utf8)
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    /// Constant-time comparison of two strings' bytes.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
