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

/// Report arithmetic over rolled-up sums.
public enum AnalyticsReport {
    /// Sums per ledger entry type, from sums per metric (other metrics ignored).
    public static func byType(_ totals: [String: AnalyticsSums]) -> [String: AnalyticsSums] {
        var out: [String: AnalyticsSums] = [:]
        for (metric, sums) in totals where metric.hasPrefix(AnalyticsMetric.ledgerPrefix) {
            out[String(metric.dropFirst(AnalyticsMetric.ledgerPrefix.count)), default: AnalyticsSums()] =
                out[String(metric.dropFirst(AnalyticsMetric.ledgerPrefix.count)), default: AnalyticsSums()] + sums
        }
        return out
    }

    /// Every bucket of `[fromDay, toDay]` in `interval` (empty ones with zeros), from rows
    /// whose `day` is a bucket start (or any day: rows are bucketed again).
    /// `membersMetric` counts new members.
    public static func series(
        _ rows: [AnalyticsRow],
        fromDay: Int64,
        toDay: Int64,
        interval: AnalyticsInterval,
        membersMetric: String
    )
        -> [AnalyticsBucket]
    {
        var byBucket: [Int64: [String: AnalyticsSums]] = [:]
        for row in rows {
            let b = interval.bucket(row.day)
            byBucket[b, default: [:]][row.metric, default: AnalyticsSums()] =
                byBucket[b, default: [:]][row.metric, default: AnalyticsSums()] + row.sums
        }
        var out: [AnalyticsBucket] = []
        var b = interval.bucket(fromDay)
        while b <= toDay {
            let metrics = byBucket[b] ?? [:]
            out.append(AnalyticsBucket(start: b, flows: PointFlows(byType: byType(metrics)), newMembers: metrics[membersMetric]?.n ?? 0))
            b = interval.bucket(b + (interval == .month ? 31 : interval == .week ? 7 : 1))
        }
        return out
    }

    /// The pieces of the day range `[from, to]`: whole calendar months (read from the
    /// monthly rollup, `monthly` true, bounds are month starts) and the remaining days
    /// (from the daily rollup).
    public static func pieces(from: Int64, to: Int64) -> [(monthly: Bool, lo: Int64, hi: Int64)] {
        guard from <= to else { return [] }
        let month = AnalyticsInterval.month
        func next(_ d: Int64) -> Int64 { month.bucket(month.bucket(d) + 31) }
        let firstStart = month.bucket(from)
        let lastStart = month.bucket(to)
        let lastEnd = next(to) - 1
        if firstStart == lastStart {
            return from == firstStart && to == lastEnd ? [(true, firstStart, firstStart)] : [(false, from, to)]
        }
        var out: [(monthly: Bool, lo: Int64, hi: Int64)] = []
        var m0 = from
        if from != firstStart {
            out.append((false, from, next(from) - 1))
            m0 = next(from)
        }
        var m1 = lastStart
        if to != lastEnd {
            out.append((false, lastStart, to))
            m1 = month.bucket(lastStart - 1)
        }
        if m0 <= m1 { out.append((true, m0, m1)) }
        return out
    }
}
