/// Coupon codes a person can read aloud: 16 characters of Crockford's base32 (no I, L,
/// O or U), 80 bits from the system CSPRNG, shown in groups of four.
///
/// Written here rather than taken from a library: it is twenty lines, and the mirror
/// has no base32 package with Crockford's decoding rules.
public enum CouponCode {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    public static let length = 16

    /// A fresh code (normalised form, no separators).
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(rng.next(upperBound: UInt8(32)))] })
    }

    /// The normalised form of what a person typed or a scanner read: upper case,
    /// separators dropped, and the letters people confuse with digits read as digits
    /// (O as 0, I and L as 1). Nil when it cannot be a code.
    public static func normalize(_ text: String) -> String? {
        var out: [Character] = []
        for ch in text.uppercased() {
            switch ch {
            case "-", " ", "_": continue
            case "O": out.append("0")
            case "I", "L": out.append("1")
            default:
                guard alphabet.contains(ch) else { return nil }
                out.append(ch)
            }
            if out.count > length { return nil }
        }
        return out.count == length ? String(out) : nil
    }

    /// `ABCD-EFGH-JKMN-PQRS`.
    public static func display(_ code: String) -> String {
        let chars = Array(code)
        return stride(from: 0, to: chars.count, by: 4).map { String(chars[$0..<min($0 + 4, chars.count)]) }.joined(separator: "-")
    }
}
