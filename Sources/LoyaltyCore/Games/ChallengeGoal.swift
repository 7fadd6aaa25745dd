/// A challenge's goal over time, counted from the member's purchases: "5 purchases in
/// 30 days" (`purchases`, `windowDays`), "spend 100 EUR this month" (`spend`,
/// `period`), "a 3-week visit streak" (`weekly_streak`: purchases in consecutive weeks).
public struct ChallengeGoal: Sendable, Equatable, Codable {
    public enum Metric: String, Sendable, Codable, CaseIterable {
        case purchases
        case spend
        case weeklyStreak = "weekly_streak"
    }

    public var metric: Metric
    /// Purchases, minor units spent, or weeks in a row.
    public var target: Int64
    /// A rolling window opened by the first counted purchase (purchases, spend).
    public var windowDays: Int64?
    /// A calendar window instead (day, week, month, year); wins over `windowDays`.
    public var period: Activity.Period?
    /// Purchases below this amount do not count.
    public var minOrderMinor: Int64

    public init(metric: Metric, target: Int64, windowDays: Int64? = nil, period: Activity.Period? = nil, minOrderMinor: Int64 = 0) {
        self.metric = metric
        self.target = target
        self.windowDays = windowDays
        self.period = period
        self.minOrderMinor = minOrderMinor
    }

    /// Applies one purchase of `amountMinor` at `moment` to the member's progress in
    /// the current window; nil when the purchase changes nothing (below the minimum, a
    /// second purchase in a streak's week, or a window already completed). A step that
    /// reaches the target completes the window, which earns the reward once.
    public func advance(_ current: ChallengeProgress?, amountMinor: Int64, at moment: LocalMoment) -> ChallengeStep? {
        guard amountMinor >= minOrderMinor else { return nil }
        let now = moment.epochMillis
        var p: ChallengeProgress
        switch metric {
        case .weeklyStreak:
            let week = moment.periodStart(.week)
            if let c = current, c.completedAt == nil, let last = c.lastAt {
                if last == week { return nil }
                // One ISO week earlier, allowing for a daylight-saving hour.
                let gap = week - last
                p = abs(gap - 7 * 86_400_000) <= 3_600_000 ? c : ChallengeProgress(windowStart: week)
            } else if let c = current, c.completedAt != nil, c.lastAt == week {
                return nil
            } else {
                p = ChallengeProgress(windowStart: week)
            }
            p.value += 1
            p.lastAt = week
        case .purchases, .spend:
            let start: Int64
            if let period {
                start = moment.periodStart(period)
                p = current?.windowStart == start ? current! : ChallengeProgress(windowStart: start)
            } else if let c = current, let days = windowDays, now < c.windowStart + days * 86_400_000 {
                p = c
            } else if let c = current, windowDays == nil {
                p = c
            } else {
                p = ChallengeProgress(windowStart: now)
            }
            if p.completedAt != nil { return nil }
            p.value += metric == .purchases ? 1 : amountMinor
            p.lastAt = now
        }
        let done = p.value >= target
        if done { p.completedAt = now }
        return ChallengeStep(progress: p, completedNow: done)
    }
}

/// A member's progress in one window of a challenge.
public struct ChallengeProgress: Sendable, Equatable {
    public var windowStart: Int64
    public var value: Int64
    public var lastAt: Int64?
    public var completedAt: Int64?

    public init(windowStart: Int64, value: Int64 = 0, lastAt: Int64? = nil, completedAt: Int64? = nil) {
        self.windowStart = windowStart
        self.value = value
        self.lastAt = lastAt
        self.completedAt = completedAt
    }
}

public struct ChallengeStep: Sendable, Equatable {
    public var progress: ChallengeProgress
    public var completedNow: Bool
}

extension Activity.Period: Codable {}
