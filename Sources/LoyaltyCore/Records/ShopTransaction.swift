/// Kinds of shop transaction (the purchase record), as on the wire.
public enum TransactionType: String, Sendable, CaseIterable {
    case purchase
    case refund
    case cancellation
    case bonus
    /// A named activity (review, referral, signup, birthday, custom).
    case activity
    /// Points moved between two customers of one partner.
    case transfer
    /// A manual correction by an operator.
    case adjustment
    /// Points paid for an offer's coupon.
    case rewardClaim = "reward_claim"
    /// Points given back for a coupon cancelled or expired unused.
    case rewardReturn = "reward_return"
    /// Points paid to play a game.
    case gamePlay = "game_play"
    /// A game's prize (points, or the record a coupon prize is issued under).
    case gameReward = "game_reward"
}

public struct ShopTransaction: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var shopID: Int64?
    public var cardID: Int64
    public var customerID: Int64
    public var type: TransactionType
    public var orderID: String
    public var refundID: String?
    public var amountMinor: Int64?
    public var currency: String
    public var pointsAwarded: Int64
    public var pointsRedeemed: Int64
    /// Points taken back from this purchase by later refunds.
    public var pointsReversed: Int64
    /// Redeemed points given back by later refunds.
    public var redeemedReturned: Int64
    /// Points a refund wanted but could not take because the customer had spent them.
    public var shortfall: Int64
    public var discountMinor: Int64?
    public var description: String?
    public var reason: String?
    public var status: String
    public var metadataJSON: String?
    public var originalTransactionID: Int64?
    public var createdAt: Int64
    /// Purchases: the money refunded so far (drives exact cumulative partial refunds).
    public var amountRefunded: Int64 = 0
    /// The earning lines (``EarningEngine/Line``) as JSON, for purchases.
    public var rulesAppliedJSON: String?
    /// Refunds: points not taken back because they had already expired (not stored).
    public var lapsed: Int64 = 0

    public init(
        id: Int64,
        partnerID: Int64,
        shopID: Int64?,
        cardID: Int64,
        customerID: Int64,
        type: TransactionType,
        orderID: String,
        refundID: String?,
        amountMinor: Int64?,
        currency: String,
        pointsAwarded: Int64,
        pointsRedeemed: Int64,
        pointsReversed: Int64,
        redeemedReturned: Int64,
        shortfall: Int64,
        discountMinor: Int64?,
        description: String?,
        reason: String?,
        status: String,
        metadataJSON: String?,
        originalTransactionID: Int64?,
        createdAt: Int64
    ) {
        self.id = id
        self.partnerID = partnerID
        self.shopID = shopID
        self.cardID = cardID
        self.customerID = customerID
        self.type = type
        self.orderID = orderID
        self.refundID = refundID
        self.amountMinor = amountMinor
        self.currency = currency
        self.pointsAwarded = pointsAwarded
        self.pointsRedeemed = pointsRedeemed
        self.pointsReversed = pointsReversed
        self.redeemedReturned = redeemedReturned
        self.shortfall = shortfall
        self.discountMinor = discountMinor
        self.description = description
        self.reason = reason
        self.status = status
        self.metadataJSON = metadataJSON
        self.originalTransactionID = originalTransactionID
        self.createdAt = createdAt
    }

    /// Net points this transaction moved (earned minus redeemed, or the reverse for refunds).
    public var netPoints: Int64 {
        switch type {
        case .purchase, .bonus, .activity: pointsAwarded - pointsRedeemed
        case .refund, .cancellation: pointsRedeemed - pointsAwarded
        case .transfer, .adjustment, .rewardClaim, .rewardReturn, .gamePlay, .gameReward: pointsAwarded - pointsRedeemed
        }
    }
}
