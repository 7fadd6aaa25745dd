/// Sums of one metric: positive points, negative points (a negative number), count.
public struct AnalyticsSums: Sendable, Hashable {
    public var plus: Int64
    public var minus: Int64
    public var n: Int64

    public init(plus: Int64 = 0, minus: Int64 = 0, n: Int64 = 0) {
        self.plus = plus
        self.minus = minus
        self.n = n
    }

    public static func + (a: Self, b: Self) -> Self { Self(plus: a.plus + b.plus, minus: a.minus + b.minus, n: a.n + b.n) }
}

/// One rolled-up row for a report: a day's sums of one metric and subject.
public struct AnalyticsRow: Sendable, Hashable {
    public var day: Int64
    public var metric: String
    public var subject: Int64
    public var sums: AnalyticsSums

    public init(day: Int64, metric: String, subject: Int64, sums: AnalyticsSums) {
        self.day = day
        self.metric = metric
        self.subject = subject
        self.sums = sums
    }
}

/// The point flows of a period, from the ledger's entry types (docs/ANALYTICS.md has
/// the definitions):
/// - issued: points created (earned, bonus, activity, positive adjustments);
/// - redeemed: points spent, net of spent points given back (coupon returns, refunds);
/// - expired: points that lapsed;
/// - reversed: earned points taken back by refunds;
/// - adjusted_out: negative adjustments;
/// - net: the sum of every entry (transfers included), so the liability at a date is
///   the net of every day up to it.
public struct PointFlows: Sendable, Hashable {
    public var issued: Int64 = 0
    public var redeemed: Int64 = 0
    public var expired: Int64 = 0
    public var reversed: Int64 = 0
    public var adjustedOut: Int64 = 0
    public var net: Int64 = 0

    public init() {}

    /// From sums per ledger entry type.
    public init(byType: [String: AnalyticsSums]) {
        func s(_ t: String) -> AnalyticsSums { byType[t] ?? AnalyticsSums() }
        issued = s("earned").plus + s("bonus").plus + s("activity").plus + s("adjusted").plus
        redeemed = -s("redeemed").minus - s("returned").plus - s("refund").plus
        expired = -s("expired").minus
        reversed = -s("refund").minus
        adjustedOut = -s("adjusted").minus
        net = byType.values.reduce(0) { $0 + $1.plus + $1.minus }
    }

    /// `part / issued`, or nil when nothing was issued.
    public func rate(_ part: Int64) -> Double? {
        issued > 0 ? Double(part) / Double(issued) : nil
    }
}

/// How a report groups its series.
public enum AnalyticsInterval: String, Sendable, CaseIterable {
    case day
    case week
    case month

    /// The first day (UTC day number) of the bucket holding `day`: the day itself, the
    /// ISO week's Monday, or the month's first.
    public func bucket(_ day: Int64) -> Int64 {
        switch self {
        case .day: return day
        case .week: return day - ((day + 3) %% 7)
        case .month:
            let (y, m, _) = LocalMoment.civil(fromDays: day)
            return LocalMoment.days(fromCivil: y, m, 1)
        }
    }
}

/// UTC day numbers and ISO dates (`YYYY-MM-DD`).
public enum AnalyticsDay {
    public static func string(_ day: Int64) -> String {
        let (y, m, d) = LocalMoment.civil(fromDays: day)
        func pad(_ v: Int64, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Parses `YYYY-MM-DD` (a real calendar date), else nil.
    public static func parse(_ s: String) -> Int64? {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]), (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        let day = LocalMoment.days(fromCivil: y, m, d)
        // 2026-02-31 would roll into March: reject it instead.
        guard LocalMoment.civil(fromDays: day) == (y, m, d) else { return nil }
        return day
    }
}

/// One bucket of a report's series.
public struct AnalyticsBucket: Sendable, Hashable {
    public var start: Int64
    public var flows: PointFlows
    public var newMembers: Int64
}

extension AnalyticsReportInput {
    /// Groups the range's rows into `interval` buckets (every bucket of the range is
    /// present, empty ones with zeros). `membersMetric` counts new members.
    public func series(_ interval: AnalyticsInterval, membersMetric: String) -> [AnalyticsBucket] {
        var byBucket: [Int64: [String: AnalyticsSums]] = [:]
        var members: [Int64: Int64] = [:]
        for row in rows {
            let b = interval.bucket(row.day)
            if row.metric.hasPrefix(AnalyticsMetric.ledgerPrefix) {
                let type = String(row.metric.dropFirst(AnalyticsMetric.ledgerPrefix.count))
                byBucket[b, default: [:]][type, default: AnalyticsSums()] = byBucket[b, default: [:]][type, default: AnalyticsSums()] + row.sums
            } else if row.metric == membersMetric {
                members[b, default: 0] += row.sums.n
            }
        }
        var out: [AnalyticsBucket] = []
        var b = interval.bucket(fromDay)
        while b <= toDay {
            out.append(AnalyticsBucket(start: b, flows: PointFlows(byType: byBucket[b] ?? [:]), newMembers: members[b] ?? 0))
            b = interval.bucket(b + (interval == .month ? 31 : interval == .week ? 7 : 1))
        }
        return out
    }

    /// Sums per ledger type over the whole range.
    public var byType: [String: AnalyticsSums] {
        var out: [String: AnalyticsSums] = [:]
        for row in rows where row.metric.hasPrefix(AnalyticsMetric.ledgerPrefix) {
            let type = String(row.metric.dropFirst(AnalyticsMetric.ledgerPrefix.count))
            out[type, default: AnalyticsSums()] = out[type, default: AnalyticsSums()] + row.sums
        }
        return out
    }

    /// Sums of a non-ledger metric over the range (all subjects).
    public func total(_ metric: String) -> AnalyticsSums {
        rows.filter { $0.metric == metric }.reduce(AnalyticsSums()) { $0 + $1.sums }
    }
}

/// The rolled-up rows of one report's range and scope.
public struct AnalyticsReportInput: Sendable {
    public var fromDay: Int64
    public var toDay: Int64
    /// Rows with `fromDay <= day <= toDay`, summed over the scope's shops.
    public var rows: [AnalyticsRow]

    public init(fromDay: Int64, toDay: Int64, rows: [AnalyticsRow]) {
        self.fromDay = fromDay
        self.toDay = toDay
        self.rows = rows
    }
}
