/// ISO 8601 rendering of epoch milliseconds without `DateFormatter` (which is slow
/// and not thread-safe on Linux). Civil-from-days after Howard Hinnant's algorithm.
public enum Timestamp {
    public static func iso8601(_ millis: Int64) -> String {
        let secondsTotal = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - secondsTotal * 1000)
        var days = secondsTotal >= 0 ? secondsTotal / 86400 : (secondsTotal - 86399) / 86400
        let secs = Int(secondsTotal - days * 86400)
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var year = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        if month <= 2 { year += 1 }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        func three(_ v: Int) -> String { v < 10 ? "00\(v)" : v < 100 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(Int(month)))-\(two(Int(day)))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)).\(three(ms))Z"
    }

    public static func epochMillis(year: Int, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Int64(days) * 86_400_000
    }
}
