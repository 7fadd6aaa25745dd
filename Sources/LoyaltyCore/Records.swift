/// Plain records of the domain, as the store returns them. Every record carries its
/// tenant (`partnerID`); nothing crosses tenants.

public struct Partner: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var createdAt: Int64

    public init(id: Int64, name: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

public struct Shop: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var name: String
    public var address: String?
    public var city: String?
    public var phone: String?
    public var email: String?
    public var website: String?
    public var description: String?
    public var openingHours: String?
    public var latitude: Double?
    public var longitude: Double?
    public var isActive: Bool
    public var isVirtual: Bool
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: Int64, partnerID: Int64, name: String, address: String? = nil, city: String? = nil, phone: String? = nil, email: String? = nil, website: String? = nil, description: String? = nil, openingHours: String? = nil, latitude: Double? = nil, longitude: Double? = nil, isActive: Bool = true, isVirtual: Bool = false, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.partnerID = partnerID
        self.name = name
        self.address = address
        self.city = city
        self.phone = phone
        self.email = email
        self.website = website
        self.description = description
        self.openingHours = openingHours
        self.latitude = latitude
        self.longitude = longitude
        self.isActive = isActive
        self.isVirtual = isVirtual
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Which deployment a credential belongs to; a key only works on a server of its environment.
public enum DeploymentEnvironment: String, Sendable, CaseIterable {
    case production
    case staging
}

public struct ApiCredential: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var shopID: Int64?
    public var key: String
    public var secretHash: String
    public var environment: DeploymentEnvironment
    public var name: String?
    public var createdAt: Int64
    public var expiresAt: Int64?
    public var revokedAt: Int64?

    public init(id: Int64, partnerID: Int64, shopID: Int64?, key: String, secretHash: String, environment: DeploymentEnvironment, name: String?, createdAt: Int64, expiresAt: Int64?, revokedAt: Int64?) {
        self.id = id
        self.partnerID = partnerID
        self.shopID = shopID
        self.key = key
        self.secretHash = secretHash
        self.environment = environment
        self.name = name
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// A partner's card design and points programme (the wire's "loyalty card" template).
public struct CardTemplate: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var titleLT: String
    public var titleEN: String
    public var descriptionLT: String?
    public var descriptionEN: String?
    public var cardType: String
    public var isActive: Bool
    public var autoAssign: Bool
    /// Empty = every shop of the partner.
    public var shopIDs: [Int64]
    public var earning: EarningRule
    public var redemption: RedemptionRule
    public var initialBonusPoints: Int64
    /// 0 = points never expire.
    public var pointsExpirationDays: Int64
    public var currency: String
    public var backgroundColor: String
    public var textColor: String
    public var code: String
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: Int64, partnerID: Int64, titleLT: String, titleEN: String, descriptionLT: String?, descriptionEN: String?, cardType: String, isActive: Bool, autoAssign: Bool, shopIDs: [Int64], earning: EarningRule, redemption: RedemptionRule, initialBonusPoints: Int64, pointsExpirationDays: Int64, currency: String, backgroundColor: String, textColor: String, code: String, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.partnerID = partnerID
        self.titleLT = titleLT
        self.titleEN = titleEN
        self.descriptionLT = descriptionLT
        self.descriptionEN = descriptionEN
        self.cardType = cardType
        self.isActive = isActive
        self.autoAssign = autoAssign
        self.shopIDs = shopIDs
        self.earning = earning
        self.redemption = redemption
        self.initialBonusPoints = initialBonusPoints
        self.pointsExpirationDays = pointsExpirationDays
        self.currency = currency
        self.backgroundColor = backgroundColor
        self.textColor = textColor
        self.code = code
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public struct Customer: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var externalID: String?
    public var email: String?
    public var phone: String?
    public var name: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: Int64, partnerID: Int64, externalID: String?, email: String?, phone: String?, name: String?, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.partnerID = partnerID
        self.externalID = externalID
        self.email = email
        self.phone = phone
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

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

    public init(id: Int64, partnerID: Int64, customerID: Int64, templateID: Int64, cardNumber: String, qrCode: String, balance: Int64, reserved: Int64, lifetimeEarned: Int64, lifetimeSpent: Int64, transactionsCount: Int64, isActive: Bool, lastUsedAt: Int64?, createdAt: Int64, updatedAt: Int64) {
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

    /// The tier in force at `now` (a live override wins).
    public func effectiveTier(now: Int64) -> String? { TierDecision.effective(tierState, now: now) }
}

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

    public init(id: Int64, partnerID: Int64, shopID: Int64?, cardID: Int64, customerID: Int64, type: TransactionType, orderID: String, refundID: String?, amountMinor: Int64?, currency: String, pointsAwarded: Int64, pointsRedeemed: Int64, pointsReversed: Int64, redeemedReturned: Int64, shortfall: Int64, discountMinor: Int64?, description: String?, reason: String?, status: String, metadataJSON: String?, originalTransactionID: Int64?, createdAt: Int64) {
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
        case .transfer, .adjustment: pointsAwarded - pointsRedeemed
        }
    }
}

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

    public init(id: Int64, partnerID: Int64, cardID: Int64, shopID: Int64?, transactionID: Int64?, type: LedgerEntryType, points: Int64, balanceAfter: Int64, reference: String?, description: String?, createdAt: Int64) {
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

public enum ReservationStatus: String, Sendable {
    case active
    case released
    case consumed
}

public struct PointsReservation: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var cardID: Int64
    public var customerID: Int64
    public var orderID: String
    public var points: Int64
    public var status: ReservationStatus
    public var sessionID: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: Int64, partnerID: Int64, cardID: Int64, customerID: Int64, orderID: String, points: Int64, status: ReservationStatus, sessionID: String?, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.partnerID = partnerID
        self.cardID = cardID
        self.customerID = customerID
        self.orderID = orderID
        self.points = points
        self.status = status
        self.sessionID = sessionID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

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

    public init(id: Int64, cardID: Int64, transactionID: Int64?, source: String, points: Int64, remaining: Int64, expired: Int64, reversed: Int64, maturesAt: Int64?, expiresAt: Int64?, createdAt: Int64) {
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
