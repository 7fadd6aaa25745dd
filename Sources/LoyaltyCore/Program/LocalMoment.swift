import Foundation

/// An instant seen in the programme's time zone: what day-of-week rules, time windows
/// and month/year-end expiry look at.
public struct LocalMoment: Sendable, Hashable {
    public var epochMillis: Int64
    /// Offset of the zone from UTC at this instant, in seconds.
    public var offsetSeconds: Int64

    public init(epochMillis: Int64, timeZone: String) {
        self.epochMillis = epochMillis
        // UTC (the default programme) is on every award's path: no Foundation call for it.
        guard timeZone != "UTC", let zone = Self.zone(timeZone) else {
            offsetSeconds = 0
            return
        }
        offsetSeconds = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(epochMillis) / 1000)))
    }

    public init(epochMillis: Int64, offsetSeconds: Int64) {
        self.epochMillis = epochMillis
        self.offsetSeconds = offsetSeconds
    }

    var localMillis: Int64 { epochMillis + offsetSeconds * 1000 }
    var localDay: Int64 { Self.floorDiv(localMillis, 86_400_000) }

    /// 1 = Monday ... 7 = Sunday (1970-01-01 was a Thursday).
    public var isoWeekday: Int { Int((localDay + 3) %% 7) + 1 }
    public var minuteOfDay: Int { Int((localMillis - localDay * 86_400_000) / 60_000) }

    /// The local civil date (proleptic Gregorian).
    public var date: (year: Int64, month: Int64, day: Int64) { Self.civil(fromDays: localDay) }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Days since 1970-01-01 to (y, m, d); Howard Hinnant's algorithm.
    static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// (y, m, d) to days since 1970-01-01.
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The UTC instant of local midnight starting (y, m, d), using this moment's offset.
    func midnight(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        Self.days(fromCivil: y, m, d) * 86_400_000 - offsetSeconds * 1000
    }

    /// The start of the current period (local midnight), for activity caps.
    public func periodStart(_ period: Activity.Period) -> Int64 {
        let (y, m, d) = date
        switch period {
        case .day: return midnight(y, m, d)
        case .week: return (localDay - Int64(isoWeekday - 1)) * 86_400_000 - offsetSeconds * 1000
        case .month: return midnight(y, m, 1)
        case .year: return midnight(y, 1, 1)
        case .ever: return 0
        }
    }
}

infix operator %% : MultiplicationPrecedence
/// Modulo that is never negative.
func %% (a: Int64, b: Int64) -> Int64 { ((a % b) + b) % b }

extension LocalMoment {
    static func zone(_ id: String) -> TimeZone? { id == "UTC" ? TimeZone(secondsFromGMT: 0) : TimeZone(identifier: id) }
}
