import LoyaltyModels

/// The outbox facts (and so the webhook and feed payloads) of offers and coupons.
public enum RewardFacts {
    /// `offer.created|updated|deleted`.
    public static func offer(_ o: Offer) -> JSON {
        .object([
            ("offer_id", .int(o.id)), ("type", .string(o.type.rawValue)), ("title", .optional(o.title.en ?? o.title.lt)),
            ("points_required", .int(o.pointsRequired)), ("stock", .optional(o.stock)),
            ("is_active", .bool(o.isActive)), ("starts_at", o.startsAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
            ("ends_at", o.endsAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
        ])
    }

    /// `coupon.*`: the coupon, its offer and member, and the points moved by this change.
    public static func coupon(_ c: Coupon, shopID: Int64? = nil, pointsReturned: Int64 = 0, balance: Int64? = nil) -> JSON {
        .object([
            ("coupon_id", .int(c.id)), ("code", .string(CouponCode.display(c.code))), ("status", .string(c.status.rawValue)),
            ("offer_id", .int(c.offerID)), ("user_id", .int(c.customerID)), ("loyalty_card_id", .int(c.cardID)),
            ("shop_id", .optional(shopID)), ("points_spent", .int(c.pointsSpent)), ("points_returned", .int(pointsReturned)),
            ("points_balance", .optional(balance)), ("expires_at", c.expiresAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
        ])
    }
}
