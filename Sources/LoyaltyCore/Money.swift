/// An amount of money in minor units (cents) of an ISO 4217 currency.
///
/// Money never travels as a floating-point value inside the engine: the wire's JSON
/// number is converted once, exactly, by ``Money/minorUnits(fromDecimal:)``.
public struct Money: Sendable, Hashable {
    /// Amount in minor units (1/100 of the currency unit).
    public var minor: Int64
    /// Upper-case ISO 4217 code, e.g. `EUR`.
    public var currency: String

    public init(minor: Int64, currency: String) {
        self.minor = minor
        self.currency = currency
    }

    /// The largest amount accepted from a client: 10^12 units (a trillion euro).
    public static let maximumMinor: Int64 = 100_000_000_000_000

    /// Converts a JSON number to minor units.
    ///
    /// Returns `nil` when the value has more than two decimals, is not finite, or is
    /// outside ±``maximumMinor``. Binary floating point cannot hold 0.1 exactly, so the
    /// check allows a relative error far below one cent.
    public static func minorUnits(fromDecimal value: Double) -> Int64? {
        guard value.isFinite else { return nil }
        let scaled = value * 100
        let rounded = scaled.rounded()
        guard abs(rounded) <= Double(maximumMinor) else { return nil }
        guard abs(scaled - rounded) <= 1e-6 * max(1, abs(scaled)) else { return nil }
        return Int64(rounded)
    }

    /// Renders minor units as a plain decimal string with two decimals (`1550` -> `15.50`).
    public static func decimalString(minor: Int64) -> String {
        let sign = minor < 0 ? "-" : ""
        let magnitude = minor.magnitude
        let units = magnitude / 100
        let cents = magnitude % 100
        return "\(sign)\(units).\(cents < 10 ? "0" : "")\(cents)"
    }
}

/// The ISO 4217 codes the engine accepts. A short, explicit list: an unknown or
/// misspelt code is a client error, not a new currency.
public enum CurrencyCode {
    public static let supported: Set<String> = [
        "EUR", "USD", "GBP", "PLN", "SEK", "NOK", "DKK", "CHF", "CZK", "HUF", "RON", "BGN",
        "ISK", "CAD", "AUD", "NZD", "JPY", "CNY", "UAH", "TRY", "ILS", "INR", "BRL", "MXN",
        "ZAR", "SGD", "HKD", "KRW",
    ]

    /// Returns the canonical upper-case code, or `nil` when it is not supported.
    public static func normalized(_ code: String) -> String? {
        let upper = code.uppercased()
        return supported.contains(upper) ? upper : nil
    }
}
