/// When an award's lot expires.
public enum ExpiryPolicy: Sendable, Hashable {
    /// The card template's `points_expiration_days` (0 = never): the wire-compatible default.
    case template
    case never
    /// N days after the award.
    case days(Int64)
    /// At the first local midnight of the month after the award.
    case endOfMonth
    /// At the first local midnight of the year after the award.
    case endOfYear

    /// The instant the lot lapses (points are expired once `now >= expiresAt`), or `nil` for never.
    public func expiresAt(awardedAt moment: LocalMoment, templateDays: Int64) -> Int64? {
        switch self {
        case .template: return templateDays > 0 ? moment.epochMillis + templateDays * 86_400_000 : nil
        case .never: return nil
        case let .days(n): return moment.epochMillis + n * 86_400_000
        case .endOfMonth:
            let (y, m, _) = moment.date
            return m == 12 ? moment.midnight(y + 1, 1, 1) : moment.midnight(y, m + 1, 1)
        case .endOfYear:
            return moment.midnight(moment.date.year + 1, 1, 1)
        }
    }

    public var name: String {
        switch self {
        case .template: "template"
        case .never: "never"
        case .days: "days"
        case .endOfMonth: "end_of_month"
        case .endOfYear: "end_of_year"
        }
    }
}
