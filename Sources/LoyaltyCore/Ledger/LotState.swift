/// One lot's counters, as a reversal reads them: of its `points`, `remaining` are
/// still on the card, `expired` lapsed, `reversed` were taken back by refunds, and the
/// rest was spent (or transferred away).
public struct LotState: Sendable, Hashable {
    public var id: Int64
    public var points: Int64
    public var remaining: Int64
    public var expired: Int64
    public var reversed: Int64
    /// `nil`: matured (spendable).
    public var maturesAt: Int64?
    public var expiresAt: Int64?

    public init(
        id: Int64,
        points: Int64,
        remaining: Int64,
        expired: Int64 = 0,
        reversed: Int64 = 0,
        maturesAt: Int64? = nil,
        expiresAt: Int64? = nil
    ) {
        self.id = id
        self.points = points
        self.remaining = remaining
        self.expired = expired
        self.reversed = reversed
        self.maturesAt = maturesAt
        self.expiresAt = expiresAt
    }

    /// Points of this lot that were spent (or transferred away).
    public var spent: Int64 { points - remaining - expired - reversed }
}
