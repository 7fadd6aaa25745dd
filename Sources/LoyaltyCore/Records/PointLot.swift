/// One award's points as a lot: what is left of it, and when it matures and expires.
public struct PointLot: Sendable, Hashable {
    public var id: Int64
    public var cardID: Int64
    public var transactionID: Int64?
    /// earned, bonus, activity, transfer, adjusted, returned, migrated, or debt (negative).
    public var source: String
    public var points: Int64
    public var remaining: Int64
    public var expired: Int64
    public var reversed: Int64
    public var maturesAt: Int64?
    public var expiresAt: Int64?
    public var createdAt: Int64

    public init(
        id: Int64,
        cardID: Int64,
        transactionID: Int64?,
        source: String,
        points: Int64,
        remaining: Int64,
        expired: Int64,
        reversed: Int64,
        maturesAt: Int64?,
        expiresAt: Int64?,
        createdAt: Int64
    ) {
        self.id = id
        self.cardID = cardID
        self.transactionID = transactionID
        self.source = source
        self.points = points
        self.remaining = remaining
        self.expired = expired
        self.reversed = reversed
        self.maturesAt = maturesAt
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}
