import Crypto

/// Hashes API secrets for storage.
///
/// Secrets are 48 random alphanumerics (~285 bits), so a fast hash is enough: there
/// is nothing to brute-force, and a slow KDF would cost every request. Comparison is
/// constant-time.
public enum SecretHasher {
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
        }.joined()
    }

    /// Constant-time comparison of `secret`'s hash with a stored hash.
    public static func verify(_ secret: String, against storedHash: String) -> Bool {
        let a = Array(hash(secret).utf8), b = Array(storedHash.utf8)
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
