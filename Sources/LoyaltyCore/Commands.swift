/// Moves points from one customer of a partner to another: both ledger entries in one
/// transaction. The recipient's lots keep the expiry of the sender's lots they came
/// from, so a transfer never extends an expiry. Idempotent by `reference`.
public struct TransferCommand: Sendable {
    public var partnerID: Int64
    public var shopID: Int64?
    public var from: TransactionCommand.CustomerRef
    public var to: TransactionCommand.CustomerRef
    public var points: Int64
    public var reason: String
    public var reference: String
    public var actor: String?

    public init(
        partnerID: Int64,
        shopID: Int64? = nil,
        from: TransactionCommand.CustomerRef,
        to: TransactionCommand.CustomerRef,
        points: Int64,
        reason: String,
        reference: String,
        actor: String? = nil
    ) {
        self.partnerID = partnerID
        self.shopID = shopID
        self.from = from
        self.to = to
        self.points = points
        self.reason = reason
        self.reference = reference
        self.actor = actor
    }
}

/// A manual correction (positive or negative) with its reason and who made it.
/// Idempotent by `reference`. A negative adjustment beyond the available points is
/// refused unless the programme allows negative balances.
public struct AdjustmentCommand: Sendable {
    public var partnerID: Int64
    public var shopID: Int64?
    public var customer: TransactionCommand.CustomerRef
    public var points: Int64
    public var reason: String
    public var reference: String
    public var actor: String?

    public init(
        partnerID: Int64,
        shopID: Int64? = nil,
        customer: TransactionCommand.CustomerRef,
        points: Int64,
        reason: String,
        reference: String,
        actor: String? = nil
    ) {
        self.partnerID = partnerID
        self.shopID = shopID
        self.customer = customer
        self.points = points
        self.reason = reason
        self.reference = reference
        self.actor = actor
    }
}

/// A claimed activity (review, referral, signup, birthday, custom). Idempotent by
/// `reference` per customer; `signup` defaults to once per customer and `birthday` to
/// once per year. A referral also credits `referred` with the activity's referee points.
public struct ActivityCommand: Sendable {
    public var partnerID: Int64
    public var shopID: Int64?
    public var customer: TransactionCommand.CustomerRef
    public var activity: String
    public var reference: String?
    public var referred: TransactionCommand.CustomerRef?
    public var actor: String?

    public init(
        partnerID: Int64,
        shopID: Int64? = nil,
        customer: TransactionCommand.CustomerRef,
        activity: String,
        reference: String? = nil,
        referred: TransactionCommand.CustomerRef? = nil,
        actor: String? = nil
    ) {
        self.partnerID = partnerID
        self.shopID = shopID
        self.customer = customer
        self.activity = activity
        self.reference = reference
        self.referred = referred
        self.actor = actor
    }
}

/// Both sides of a transfer.
public struct TransferOutcome: Sendable {
    public var transactionID: Int64
    public var points: Int64
    public var from: TransactionOutcome
    public var to: TransactionOutcome

    public init(transactionID: Int64, points: Int64, from: TransactionOutcome, to: TransactionOutcome) {
        self.transactionID = transactionID
        self.points = points
        self.from = from
        self.to = to
    }
}
