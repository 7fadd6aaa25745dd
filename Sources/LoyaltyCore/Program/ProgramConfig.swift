/// A partner's loyalty programme beyond the card template's base rate: bonus rules,
/// activities, tiers, point lots (expiry and pending), and the balance policies.
///
/// The card template keeps the wire-compatible base rule (points per currency unit,
/// rounding, per-visit points, per-purchase minimum and maximum); everything here
/// layers on top of it. Stored per partner as one JSON document with a version, so
/// every node applies the version it read in the same query as the card.
public struct ProgramConfig: Sendable, Hashable {
    /// Orders below this amount (minor units) earn nothing from purchases.
    public var minOrderMinor: Int64
    /// Bonus rules, applied in ``EarningEngine``'s documented order.
    public var rules: [BonusRule]
    public var activities: [Activity]
    public var tiers: TierPolicy
    public var expiry: ExpiryPolicy
    /// Days an award stays pending (visible, not spendable) before it matures; 0 = at once.
    public var pendingDays: Int64
    /// Whether manual adjustments may take a balance below zero.
    public var allowNegativeBalance: Bool
    /// What a refund does when the customer has already spent the points it takes back.
    public var refundWhenSpent: RefundPolicy
    /// IANA zone for day-of-week and time-window rules and for month/year-end expiry.
    public var timeZone: String

    public init(
        minOrderMinor: Int64 = 0,
        rules: [BonusRule] = [],
        activities: [Activity] = [],
        tiers: TierPolicy = .standard,
        expiry: ExpiryPolicy = .template,
        pendingDays: Int64 = 0,
        allowNegativeBalance: Bool = false,
        refundWhenSpent: RefundPolicy = .partialDeduction,
        timeZone: String = "UTC"
    ) {
        self.minOrderMinor = minOrderMinor
        self.rules = rules
        self.activities = activities
        self.tiers = tiers
        self.expiry = expiry
        self.pendingDays = pendingDays
        self.allowNegativeBalance = allowNegativeBalance
        self.refundWhenSpent = refundWhenSpent
        self.timeZone = timeZone
    }

    public static let standard = ProgramConfig()

    public func activity(_ key: String) -> Activity? { activities.first { $0.key == key } }

    /// When a purchase earned at `now` matures (its return window ends), or `nil` when
    /// it is spendable at once. Bonus, activity and adjustment points never wait.
    public func maturesAt(_ now: Int64) -> Int64? { pendingDays > 0 ? now + pendingDays * 86_400_000 : nil }

    /// A new lot's maturity and expiry. Expiry counts from when the points become
    /// spendable, so pending points never lapse before they mature.
    public func lotDates(at moment: LocalMoment, templateDays: Int64, purchase: Bool) -> (maturesAt: Int64?, expiresAt: Int64?) {
        let matures = purchase ? maturesAt(moment.epochMillis) : nil
        let from = matures.map { LocalMoment(epochMillis: $0, timeZone: timeZone) } ?? moment
        return (matures, expiry.expiresAt(awardedAt: from, templateDays: templateDays))
    }
}

/// What a refund does when the points it takes back were already spent (seed FAQ:
/// "partial deduction, negative balance, or block refund").
public enum RefundPolicy: String, Sendable, Hashable, CaseIterable {
    /// Take what the balance holds and record the rest as the refund's shortfall.
    case partialDeduction = "partial_deduction"
    /// Take everything; the balance goes below zero (a debt lot) and later awards repay it.
    case negativeBalance = "negative_balance"
    /// Refuse the refund (409) and write nothing.
    case refuse
}

/// A bonus rule: a multiplier (percent; 200 = x2) and/or fixed bonus points, applied
/// when every condition it names holds. A rule naming SKUs or categories applies to
/// matching cart lines; any other rule applies to the whole order.
public struct BonusRule: Sendable, Hashable {
    public var id: String
    public var name: String
    public var enabled: Bool
    public var multiplierPercent: Int64
    public var bonusPoints: Int64
    public var skus: [String]
    public var categories: [String]
    /// ISO weekdays, 1 = Monday ... 7 = Sunday; empty = every day.
    public var daysOfWeek: [Int]
    /// Minutes after local midnight, [from, to); `to < from` wraps past midnight.
    public var timeFrom: Int?
    public var timeTo: Int?
    /// Campaign window, epoch milliseconds, [startsAt, endsAt).
    public var startsAt: Int64?
    public var endsAt: Int64?
    /// Tier names the rule is limited to; empty = every tier.
    public var tiers: [String]

    public init(
        id: String,
        name: String? = nil,
        enabled: Bool = true,
        multiplierPercent: Int64 = 100,
        bonusPoints: Int64 = 0,
        skus: [String] = [],
        categories: [String] = [],
        daysOfWeek: [Int] = [],
        timeFrom: Int? = nil,
        timeTo: Int? = nil,
        startsAt: Int64? = nil,
        endsAt: Int64? = nil,
        tiers: [String] = []
    ) {
        self.id = id
        self.name = name ?? id
        self.enabled = enabled
        self.multiplierPercent = multiplierPercent
        self.bonusPoints = bonusPoints
        self.skus = skus
        self.categories = categories
        self.daysOfWeek = daysOfWeek
        self.timeFrom = timeFrom
        self.timeTo = timeTo
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.tiers = tiers
    }

    public var isItemRule: Bool { !skus.isEmpty || !categories.isEmpty }

    /// Whether the rule's time, campaign and tier conditions hold.
    public func applies(at moment: LocalMoment, tier: String?) -> Bool {
        guard enabled else { return false }
        if let startsAt, moment.epochMillis < startsAt { return false }
        if let endsAt, moment.epochMillis >= endsAt { return false }
        if !daysOfWeek.isEmpty, !daysOfWeek.contains(moment.isoWeekday) { return false }
        if let from = timeFrom, let to = timeTo {
            let m = moment.minuteOfDay
            let inside = from <= to ? (m >= from && m < to) : (m >= from || m < to)
            if !inside { return false }
        }
        if !tiers.isEmpty, !tiers.contains(where: { $0.caseInsensitiveCompare(tier) }) { return false }
        return true
    }

    public func matches(_ item: CartItem) -> Bool {
        (item.sku.map { skus.contains($0) } ?? false) || (item.category.map { categories.contains($0) } ?? false)
    }
}

extension String {
    func caseInsensitiveCompare(_ other: String?) -> Bool {
        guard let other else { return false }
        return lowercased() == other.lowercased()
    }
}

/// A named non-purchase activity that earns points (review, referral, signup,
/// birthday, or any custom key), with an optional per-customer cap per period.
public struct Activity: Sendable, Hashable {
    public enum Period: String, Sendable, Hashable, CaseIterable {
        case day, week, month, year, ever
    }

    public var key: String
    public var name: String
    public var points: Int64
    /// Referral only: points for the referred customer (the other side).
    public var refereePoints: Int64
    /// Claims allowed per customer per `capPeriod`; 0 = no cap.
    public var capCount: Int64
    public var capPeriod: Period

    public init(key: String, name: String? = nil, points: Int64, refereePoints: Int64 = 0, capCount: Int64 = 0, capPeriod: Period = .day) {
        self.key = key
        self.name = name ?? key
        self.points = points
        self.refereePoints = refereePoints
        self.capCount = capCount
        self.capPeriod = capPeriod
    }
}

/// One line of a cart, as far as bonus rules care.
public struct CartItem: Sendable, Hashable {
    public var sku: String?
    public var category: String?
    /// The line total (price x quantity), minor units.
    public var amountMinor: Int64

    public init(sku: String?, category: String?, amountMinor: Int64) {
        self.sku = sku
        self.category = category
        self.amountMinor = amountMinor
    }
}
