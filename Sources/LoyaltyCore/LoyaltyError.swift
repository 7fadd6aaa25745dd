/// Business-rule failures that the store and the engine raise. The server maps each
/// case to an HTTP status, an application code and a localised message.
public enum LoyaltyError: Error, Sendable, Equatable {
    case customerNotFound
    case cardNotFound
    case cardInactive
    /// The card's `expires_at` has passed: it can neither earn nor redeem.
    case cardExpired
    /// The customer already holds a card from this template.
    case cardAlreadyExists(cardID: Int64)
    /// A scanned QR payload is not a valid card token or card code of this partner.
    case qrInvalid(reason: String)
    /// The card token's expiry has passed.
    case qrExpired
    case qrSessionNotFound
    /// The QR session's five minutes have passed.
    case qrSessionExpired
    /// The QR session was completed already (single use).
    case qrSessionUsed
    /// The refresh token is unknown, expired, revoked or was used before.
    case refreshTokenInvalid
    case shopNotFound
    case templateNotFound
    case noCardTemplate
    /// The business key (order id + type, or refund id) was already processed.
    case duplicateTransaction(existingTransactionID: Int64)
    /// A refund or deduction names an order that has no purchase.
    case originalTransactionNotFound(orderID: String)
    case insufficientPoints(available: Int64, requested: Int64)
    case redemptionNotAllowed(RedemptionViolation)
    case reservationNotFound
    case reservationAlreadyExists(reservationID: Int64)
    case reservationNotActive(status: String)
    case duplicateCustomer(field: String)
    case nothingToRefund
    /// The programme refuses refunds that would take back points already spent.
    case refundRefused(needed: Int64, available: Int64)
    case unsupportedTransactionType
    case activityNotConfigured(String)
    case activityCapReached(activity: String, period: String)
    case tierUnknown(String)
    case negativeBalanceNotAllowed(available: Int64, requested: Int64)
    case sameCustomer
    /// One item of a bulk request failed for a reason that is not the caller's (database
    /// unavailable, timeout); nothing of that item was written and it may be retried.
    case itemFailed
    /// A partner may have at most this many webhook endpoints.
    case webhookLimitReached(Int)
    /// The endpoint is disabled; re-enable it first.
    case webhookInactive
    /// The delivery is still queued or being attempted.
    case deliveryPending
    /// Point sharing: this shop may not take the member's points (their home shop's).
    case pointsNotShared(homeShopID: Int64)
    /// The feed cursor points before events already removed by retention.
    case cursorExpired
}

/// What `transactions/create` asks for, already validated and converted to integers.
public struct TransactionCommand: Sendable {
    public enum CustomerRef: Sendable, Hashable {
        case id(Int64)
        case email(String)
        case card(Int64)
    }

    public var partnerID: Int64
    public var shopID: Int64?
    public var customer: CustomerRef
    public var cardID: Int64?
    public var orderID: String
    public var type: TransactionType
    public var orderTotalMinor: Int64?
    public var currency: String?
    /// Explicit points override; `nil` = compute from the earning rule.
    public var points: Int64?
    public var pointsRedeemed: Int64?
    public var discountMinor: Int64?
    public var description: String?
    public var reason: String?
    /// `refund_id` for partial refunds (the FAQ's points deduct); part of the business key.
    public var refundID: String?
    public var metadataJSON: String?
    /// Cart lines, for SKU and category bonus rules.
    public var cartItems: [CartItem] = []
    /// A coupon to redeem in the purchase's own transaction (its code or QR payload
    /// already reduced to the code); the purchase earns on the total less its discount.
    public var couponCode: String?

    public init(
        partnerID: Int64,
        shopID: Int64? = nil,
        customer: CustomerRef,
        cardID: Int64? = nil,
        orderID: String,
        type: TransactionType,
        orderTotalMinor: Int64? = nil,
        currency: String? = nil,
        points: Int64? = nil,
        pointsRedeemed: Int64? = nil,
        discountMinor: Int64? = nil,
        description: String? = nil,
        reason: String? = nil,
        refundID: String? = nil,
        metadataJSON: String? = nil,
        cartItems: [CartItem] = []
    ) {
        self.partnerID = partnerID
        self.shopID = shopID
        self.customer = customer
        self.cardID = cardID
        self.orderID = orderID
        self.type = type
        self.orderTotalMinor = orderTotalMinor
        self.currency = currency
        self.points = points
        self.pointsRedeemed = pointsRedeemed
        self.discountMinor = discountMinor
        self.description = description
        self.reason = reason
        self.refundID = refundID
        self.metadataJSON = metadataJSON
        self.cartItems = cartItems
    }

    /// The idempotency key of the business operation, unique per partner.
    ///
    /// Purchases and point awards share the `purchase:` namespace so one order can never
    /// be credited twice through two endpoints; each refund id is its own key.
    public var businessKey: String {
        switch type {
        case .purchase, .bonus: "purchase:\(orderID)"
        case .refund: refundID.map { "refund:\(orderID):\($0)" } ?? "refund:\(orderID)"
        case .cancellation: "cancellation:\(orderID)"
        case .activity, .transfer, .adjustment, .rewardClaim, .rewardReturn, .gamePlay, .gameReward: "\(type.rawValue):\(orderID)"
        }
    }
}

/// The outcome of a posted transaction, as the create endpoint reports it.
public struct TransactionOutcome: Sendable {
    public var transaction: ShopTransaction
    public var card: LoyaltyCard
    public var customer: Customer
    /// How the points were computed (earning lines); empty for reversals.
    public var rulesApplied: [EarningEngine.Line]
    /// The coupon redeemed with the purchase, if any.
    public var coupon: AppliedCoupon?

    public init(transaction: ShopTransaction, card: LoyaltyCard, customer: Customer, rulesApplied: [EarningEngine.Line] = []) {
        self.transaction = transaction
        self.card = card
        self.customer = customer
        self.rulesApplied = rulesApplied
    }
}

/// A coupon redeemed as part of a purchase.
public struct AppliedCoupon: Sendable {
    public var couponID: Int64
    public var code: String
    public var offerID: Int64
    public var discountMinor: Int64
    /// The order total before the coupon.
    public var orderTotalMinor: Int64

    public init(couponID: Int64, code: String, offerID: Int64, discountMinor: Int64, orderTotalMinor: Int64) {
        self.couponID = couponID
        self.code = code
        self.offerID = offerID
        self.discountMinor = discountMinor
        self.orderTotalMinor = orderTotalMinor
    }
}
