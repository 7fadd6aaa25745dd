/// A reward a shop offers: a discount, a free item, a points multiplier or cashback,
/// optionally for a points price, with stock, a per-member limit and targeting.
public struct Offer: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var type: OfferType
    public var title: LocalizedText
    public var description: LocalizedText
    public var terms: String?
    public var categoryID: Int64?
    public var imageURL: String?
    /// Percent or factor in hundredths, or minor units for ``OfferType/discountAmount``.
    public var value: Int64
    /// The most a percentage discount may take off (minor units); nil: no cap.
    public var maximumDiscountMinor: Int64?
    /// The smallest purchase the coupon applies to (minor units); nil: any.
    public var minimumPurchaseMinor: Int64?
    /// Points a member pays to claim it (0: free).
    public var pointsRequired: Int64
    /// Coupons that may ever be issued; nil: unlimited.
    public var stock: Int64?
    /// Coupons issued from it. Stored as the stock counter only while `stock` is set (an
    /// unlimited offer takes no lock on its row when claimed); reads count the coupons.
    public var claimedCount: Int64
    /// Coupons one member may hold from this offer in total; nil: unlimited.
    public var perMemberLimit: Int64?
    public var startsAt: Int64?
    public var endsAt: Int64?
    public var isActive: Bool
    public var isFeatured: Bool
    /// Tiers whose members may claim (empty: everyone).
    public var tiers: [String]
    /// Shops where its coupons are valid and where its earning applies (empty: every shop of the partner).
    public var shopIDs: [Int64]
    /// Products a ``OfferType/freeItem`` coupon lets the member choose from.
    public var productIDs: [Int64]
    /// Days an issued coupon stays valid; nil: until the offer ends (or forever).
    public var couponValidityDays: Int64?
    /// Points come back when the member or shop cancels the coupon.
    public var returnPointsOnCancel: Bool
    /// Points come back when the coupon expires unused.
    public var returnPointsOnExpiry: Bool
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: Int64,
        partnerID: Int64,
        type: OfferType,
        title: LocalizedText,
        description: LocalizedText,
        terms: String? = nil,
        categoryID: Int64? = nil,
        imageURL: String? = nil,
        value: Int64,
        maximumDiscountMinor: Int64? = nil,
        minimumPurchaseMinor: Int64? = nil,
        pointsRequired: Int64 = 0,
        stock: Int64? = nil,
        claimedCount: Int64 = 0,
        perMemberLimit: Int64? = nil,
        startsAt: Int64? = nil,
        endsAt: Int64? = nil,
        isActive: Bool = true,
        isFeatured: Bool = false,
        tiers: [String] = [],
        shopIDs: [Int64] = [],
        productIDs: [Int64] = [],
        couponValidityDays: Int64? = nil,
        returnPointsOnCancel: Bool = true,
        returnPointsOnExpiry: Bool = false,
        createdAt: Int64 = 0,
        updatedAt: Int64 = 0
    ) {
        self.id = id
        self.partnerID = partnerID
        self.type = type
        self.title = title
        self.description = description
        self.terms = terms
        self.categoryID = categoryID
        self.imageURL = imageURL
        self.value = value
        self.maximumDiscountMinor = maximumDiscountMinor
        self.minimumPurchaseMinor = minimumPurchaseMinor
        self.pointsRequired = pointsRequired
        self.stock = stock
        self.claimedCount = claimedCount
        self.perMemberLimit = perMemberLimit
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.isActive = isActive
        self.isFeatured = isFeatured
        self.tiers = tiers
        self.shopIDs = shopIDs
        self.productIDs = productIDs
        self.couponValidityDays = couponValidityDays
        self.returnPointsOnCancel = returnPointsOnCancel
        self.returnPointsOnExpiry = returnPointsOnExpiry
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Coupons left; nil: unlimited.
    public var remaining: Int64? { stock.map { max(0, $0 - claimedCount) } }

    /// Why a member cannot claim it now, or nil when they can.
    ///
    /// Checked in this order: switched off, not started, ended, sold out, the member's
    /// tier, the member's limit (`claimedByMember` coupons already issued to them).
    public func unavailability(at now: Int64, tier: String?, claimedByMember: Int64) -> OfferUnavailable? {
        if !isActive { return .inactive }
        if let s = startsAt, now < s { return .notStarted }
        if let e = endsAt, now >= e { return .expired }
        if let r = remaining, r <= 0 { return .soldOut }
        if !tiers.isEmpty, !tiers.contains(tier ?? "") { return .tierNotEligible }
        if let limit = perMemberLimit, claimedByMember >= limit { return .limitReached }
        return nil
    }

    /// Whether the offer runs at `now` (active and inside its window), ignoring stock.
    public func runs(at now: Int64) -> Bool {
        isActive && (startsAt.map { now >= $0 } ?? true) && (endsAt.map { now < $0 } ?? true)
    }

    /// Whether `shopID` may honour it (nil: no shop named, allowed).
    public func allows(shopID: Int64?) -> Bool {
        guard let shopID, !shopIDs.isEmpty else { return true }
        return shopIDs.contains(shopID)
    }

    /// When a coupon issued at `now` expires: the validity days, capped by the offer's end.
    public func couponExpiry(issuedAt now: Int64) -> Int64? {
        let byDays = couponValidityDays.map { now + $0 * 86_400_000 }
        switch (byDays, endsAt) {
        case let (d?, e?): return min(d, e)
        case let (d?, nil): return d
        case let (nil, e?): return e
        case (nil, nil): return nil
        }
    }
}

/// Why an offer cannot be claimed.
public enum OfferUnavailable: String, Sendable, Error {
    case inactive = "offer_inactive"
    case notStarted = "offer_not_started"
    case expired = "offer_expired"
    case soldOut = "offer_sold_out"
    case tierNotEligible = "tier_not_eligible"
    case limitReached = "offer_limit_reached"
}
