/// Why a member may not start a game now.
public enum PlayRefusal: Error, Equatable, Sendable {
    case inactive
    case notStarted
    case ended
    case dailyLimitReached(limit: Int64)
    case totalLimitReached(limit: Int64)
    /// The game does not run at the named shop.
    case notAtShop
    /// Played another way: a stamp card or challenge has no sessions.
    case notSessionGame
}

/// A game's window and its per-member play limits.
public struct PlayLimits: Sendable, Equatable {
    public var isActive: Bool
    public var startsAt: Int64?
    public var endsAt: Int64?
    /// Sessions one member may start per local day; nil = no limit.
    public var dailyLimit: Int64?
    /// Sessions one member may ever start; nil = no limit.
    public var totalLimit: Int64?

    public init(isActive: Bool = true, startsAt: Int64? = nil, endsAt: Int64? = nil, dailyLimit: Int64? = nil, totalLimit: Int64? = nil) {
        self.isActive = isActive
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.dailyLimit = dailyLimit
        self.totalLimit = totalLimit
    }

    /// The first reason the member may not play at `now`, given the sessions they started
    /// today and ever (counted under the member's card lock, so racing starts agree).
    public func refusal(at now: Int64, playsToday: Int64, playsTotal: Int64) -> PlayRefusal? {
        if !isActive { return .inactive }
        if let s = startsAt, now < s { return .notStarted }
        if let e = endsAt, now >= e { return .ended }
        if let limit = totalLimit, playsTotal >= limit { return .totalLimitReached(limit: limit) }
        if let limit = dailyLimit, playsToday >= limit { return .dailyLimitReached(limit: limit) }
        return nil
    }
}

/// What a game may give away per period: points and coupons; nil = unlimited.
public struct PrizeBudget: Sendable, Equatable {
    public var period: Activity.Period
    public var points: Int64?
    public var coupons: Int64?

    public init(period: Activity.Period, points: Int64? = nil, coupons: Int64? = nil) {
        self.period = period
        self.points = points
        self.coupons = coupons
    }

    /// The prize a session may be promised, given what the period has used: the drawn
    /// prize when it fits, otherwise "no prize". Decided before the commitment, so the
    /// committed outcome is always one the budget pays, and the budget is never exceeded.
    public func settle(_ drawn: Prize, pointsUsed: Int64, couponsUsed: Int64) -> Prize {
        fits(drawn, pointsUsed: pointsUsed, couponsUsed: couponsUsed) ? drawn : Self.nothing(instead: drawn)
    }

    /// What a prize takes from the budget: points, and coupons (1 for a coupon prize).
    public static func cost(of prize: Prize) -> (points: Int64, coupons: Int64) {
        switch prize.kind {
        case let .points(n): (n, 0)
        case .coupon: (0, 1)
        case .nothing: (0, 0)
        }
    }

    /// Whether the prize fits what the period has used (a missing cap never limits).
    public func fits(_ prize: Prize, pointsUsed: Int64, couponsUsed: Int64) -> Bool {
        let c = Self.cost(of: prize)
        return pointsUsed + c.points <= (points ?? .max - c.points) && couponsUsed + c.coupons <= (coupons ?? .max - c.coupons)
    }

    public static func nothing(instead drawn: Prize) -> Prize {
        Prize(position: drawn.position, kind: .nothing, weight: drawn.weight, label: LocalizedText(lt: "Be prizo", en: "No prize"))
    }
}
