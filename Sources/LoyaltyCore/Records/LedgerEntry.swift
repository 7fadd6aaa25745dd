/// Kinds of ledger entry.
public enum LedgerEntryType: String, Sendable, CaseIterable {
    case earned
    case redeemed
    case bonus
    case refund
    case adjusted
    case expired
    case transfer
    case activity
    /// Points paid for a coupon coming back (cancel or expiry policy).
    case returned
}

/// One append-only line of a card's ledger.
public struct LedgerEntry: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var cardID: Int64
    public var shopID: Int64?
    public var transactionID: Int64?
    public var type: LedgerEntryType
    public var points: Int64
    public var balanceAfter: Int64
    public var reference: String?
    public var description: String?
    public var createdAt: Int64

    public init(
        id: Int64,
        partnerID: Int64,
        cardID: Int64,
        shopID: Int64?,
        transactionID: Int64?,
        type: LedgerEntryType,
        points: Int64,
        balanceAfter: Int64,
        reference: String?,
        description: String?,
        createdAt: Int64
    ) {
        self.id = id
        self.partnerID = partnerID
        self.cardID = cardID
        self.shopID = shopID
        self.transactionID = transactionID
        self.type = type
        self.points = points
        self.balanceAfter = balanceAfter
        self.reference = reference
        self.description = description
        self.createdAt = createdAt
    }
}
