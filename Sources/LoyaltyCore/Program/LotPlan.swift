/// One open lot as the spending plan sees it.
public struct LotBalance: Sendable, Hashable {
    public var id: Int64
    public var remaining: Int64
    public var expiresAt: Int64?

    public init(id: Int64, remaining: Int64, expiresAt: Int64?) {
        self.id = id
        self.remaining = remaining
        self.expiresAt = expiresAt
    }
}

/// Which lots a deduction draws from.
public enum LotPlan {
    /// Draws `points` from `lots`, oldest expiry first, never-expiring last, then oldest
    /// lot; returns (lot id, points taken) for the lots touched, and what could not be
    /// covered. Lots with nothing left (or a debt, remaining < 0) are skipped.
    public static func draw(_ lots: [LotBalance], points: Int64) -> (draws: [(id: Int64, take: Int64)], uncovered: Int64) {
        var left = max(0, points)
        var draws: [(id: Int64, take: Int64)] = []
        for lot in lots.filter({ $0.remaining > 0 }).sorted(by: spendOrder) where left > 0 {
            let take = min(lot.remaining, left)
            draws.append((lot.id, take))
            left -= take
        }
        return (draws, left)
    }

    static func spendOrder(_ a: LotBalance, _ b: LotBalance) -> Bool {
        let ea = a.expiresAt ?? Int64.max
        let eb = b.expiresAt ?? Int64.max
        return ea != eb ? ea < eb : a.id < b.id
    }
}
