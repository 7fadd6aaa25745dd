/// The shape of API credentials: key `lty_` + 40 alphanumerics, secret 48 alphanumerics.
public enum ApiKeyFormat {
    public static let keyPrefix = "lty_"
    public static let keyBodyLength = 40
    public static let secretLength = 48
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    /// A new random key (`lty_` + 40 characters).
    public static func newKey() -> String { keyPrefix + randomString(length: keyBodyLength) }

    /// A new random secret; it is shown once and only its hash is stored.
    public static func newSecret() -> String { randomString(length: secretLength) }

    /// Whether `key` is well-formed (checked before any lookup, so junk never reaches the store).
    public static func isWellFormed(_ key: String) -> Bool {
        guard key.hasPrefix(keyPrefix), key.utf8.count == keyPrefix.utf8.count + keyBodyLength else { return false }
        return key.utf8.dropFirst(keyPrefix.utf8.count).allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }

    /// `lty_abcd...wxyz`, safe to show in lists and logs.
    public static func masked(_ key: String) -> String {
        guard key.count > 12 else { return "lty_****" }
        return "\(key.prefix(8))...\(key.suffix(4))"
    }

    static func randomString(length: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] })
    }
}
