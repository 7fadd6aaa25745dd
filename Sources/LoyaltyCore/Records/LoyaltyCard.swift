/// A customer's card: the account the ledger posts to.
public struct LoyaltyCard: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var customerID: Int64
    public var templateID: Int64
    public var cardNumber: String
    public var qrCode: String
    /// Materialised balance == sum of this card's ledger entries.
    public var balance: Int64
    /// Points held by open reservations (not spendable, still in `balance`).
    public var reserved: Int64
    public var lifetimeEarned: Int64
    public var lifetimeSpent: Int64
    public var transactionsCount: Int64
    public var isActive: Bool
    public var lastUsedAt: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64
    /// Points of lots still in their return window: in `balance`, not spendable.
    public var pending: Int64 = 0
    public var lifetimeExpired: Int64 = 0
    /// Money spent on purchases, net of refunds (minor units): the `spend` tier basis.
    public var lifetimeSpendMinor: Int64 = 0
    /// The earliest expiry among open lots and the points lapsing then.
    public var nextExpiryAt: Int64?
    public var nextExpiryPoints: Int64 = 0
    /// The computed tier (see ``TierDecision``) and its bookkeeping.
    public var tier: String?
    public var tierSince: Int64?
    public var tierGraceUntil: Int64?
    public var tierOverride: String?
    public var tierOverrideUntil: Int64?
    /// When the card stops earning and redeeming (`nil` = never).
    public var expiresAt: Int64?
    /// Why the card was blocked (`isActive == false`).
    public var blockedReason: String?

    public init(
        id: Int64,
        partnerID: Int64,
        customerID: Int64,
        templateID: Int64,
        cardNumber: String,
        qrCode: String,
        balance: Int64,
        reserved: Int64,
        lifetimeEarned: Int64,
        lifetimeSpent: Int64,
        transactionsCount: Int64,
        isActive: Bool,
        lastUsedAt: Int64?,
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.partnerID = partnerID
        self.customerID = customerID
        self.templateID = templateID
        self.cardNumber = cardNumber
        self.qrCode = qrCode
        self.balance = balance
        self.reserved = reserved
        self.lifetimeEarned = lifetimeEarned
        self.lifetimeSpent = lifetimeSpent
        self.transactionsCount = transactionsCount
        self.isActive = isActive
        self.lastUsedAt = lastUsedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Points the customer can spend now.
    public var available: Int64 { balance - pending - reserved }

    public var tierState: TierDecision.State {
        get { TierDecision.State(tier: tier, since: tierSince, graceUntil: tierGraceUntil, override: tierOverride, overrideUntil: tierOverrideUntil) }
        set {
            tier = newValue.tier
            tierSince = newValue.since
            tierGraceUntil = newValue.graceUntil
            tierOverride = newValue.override
            tierOverrideUntil = newValue.overrideUntil
        }
    }
}
