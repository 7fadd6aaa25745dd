/// Customer card numbers in the Loyalty.lt format `XXX-XXX-XXX` (nine digits).
public enum CardNumber {
    /// A random card number. Uniqueness is the store's job (a unique index, retry on clash).
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let n = Int.random(in: 100_000_000...999_999_999, using: &generator)
        return format(n)
    }

    public static func random() -> String {
        var g = SystemRandomNumberGenerator()
        return random(using: &g)
    }

    static func format(_ n: Int) -> String {
        let s = String(n)
        let a = s.prefix(3)
        let b = s.dropFirst(3).prefix(3)
        let c = s.suffix(3)
        return "\(a)-\(b)-\(c)"
    }

    /// Normalises user input (`123456789`, `123 456 789`, `123-456-789`) to `123-456-789`,
    /// or returns `nil` when it is not nine digits.
    public static func normalized(_ input: String) -> String? {
        let digits = input.filter { $0 != "-" && $0 != " " }
        guard digits.count == 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return "\(digits.prefix(3))-\(digits.dropFirst(3).prefix(3))-\(digits.suffix(3))"
    }
}
