import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Offers and coupons on the wire: the union of the field names the spec's models and
/// the three SDKs read (spec 4.8, 4.9), so each finds what it expects.
extension Present {
    /// `value` as the wire number: a percent or factor (hundredths) or an amount (minor units).
    static func offerValue(_ o: Offer) -> JSON { o.type == .freeItem ? .null : .money(o.value) }

    static func offer(_ o: Offer, partner: Partner?, locale: APILocale, member: MemberView? = nil) -> JSON {
        let loc = locale.rawValue
        var members: [(String, JSON)] = [
            ("id", .int(o.id)), ("type", .string(o.type.rawValue)), ("offer_type", .string(o.type.rawValue)),
            ("discount_type", .string(o.type.discountType)), ("discount_value", offerValue(o)),
            ("discount_percentage", o.type == .discountPercentage ? .money(o.value) : .null),
            ("discount_amount", o.type == .discountAmount ? .money(o.value) : .null),
            ("points_multiplier", o.type == .pointsMultiplier ? .money(o.value) : .null),
            ("cashback_percentage", o.type == .cashback ? .money(o.value) : .null),
            ("title", .optional(o.title.text(loc))), ("description", .optional(o.description.text(loc))),
            (
                "translations",
                .object([
                    ("title", .object([("lt", .optional(o.title.lt)), ("en", .optional(o.title.en))])),
                    ("description", .object([("lt", .optional(o.description.lt)), ("en", .optional(o.description.en))])),
                ])
            ),
            ("terms_and_conditions", .optional(o.terms)), ("terms_conditions", .optional(o.terms)),
            ("category_id", .optional(o.categoryID)), ("image_url", .optional(o.imageURL)),
            ("points_required", .int(o.pointsRequired)), ("points_cost", .int(o.pointsRequired)), ("minimum_points", .int(o.pointsRequired)),
            ("minimum_purchase", o.minimumPurchaseMinor.map(JSON.money) ?? .null),
            ("maximum_discount", o.maximumDiscountMinor.map(JSON.money) ?? .null),
            ("stock", .optional(o.stock)), ("usage_limit", .optional(o.stock)), ("maximum_uses", .optional(o.stock)),
            ("remaining", .optional(o.remaining)), ("claimed_count", .int(o.claimedCount)), ("used_count", .int(o.claimedCount)),
            ("usage_count", .int(o.claimedCount)), ("per_member_limit", .optional(o.perMemberLimit)), ("user_limit", .optional(o.perMemberLimit)),
            ("user_usage_limit", .optional(o.perMemberLimit)), ("is_active", .bool(o.isActive)), ("is_featured", .bool(o.isFeatured)),
            ("starts_at", time(o.startsAt)), ("ends_at", time(o.endsAt)), ("valid_from", time(o.startsAt)), ("valid_until", time(o.endsAt)),
            ("expires_at", time(o.endsAt)), ("tiers", .array(o.tiers.map(JSON.string))), ("shop_ids", .array(o.shopIDs.map(JSON.int))),
            ("product_ids", .array(o.productIDs.map(JSON.int))), ("coupon_validity_days", .optional(o.couponValidityDays)),
            ("return_points_on_cancel", .bool(o.returnPointsOnCancel)), ("return_points_on_expiry", .bool(o.returnPointsOnExpiry)),
            (
                "partner",
                partner.map { .object([("id", .int($0.id)), ("name", .string($0.name)), ("logo_url", .null)]) } ?? .null
            ),
            ("partner_name", .optional(partner?.name)),
        ]
        if let member {
            members += [
                ("user_claimed_count", .int(member.claimed)), ("user_can_claim", .bool(member.unavailable == nil)),
                ("unavailable_reason", .optional(member.unavailable?.rawValue)),
            ]
        }
        members += [("created_at", time(o.createdAt)), ("updated_at", time(o.updatedAt))]
        return .object(members)
    }

    /// What one member sees of an offer: how often they claimed it and whether they can now.
    struct MemberView {
        var claimed: Int64
        var unavailable: OfferUnavailable?
    }

    /// The offer as embedded in a coupon.
    static func couponOffer(_ o: Offer, locale: APILocale) -> JSON {
        .object([
            ("id", .int(o.id)), ("title", .optional(o.title.text(locale.rawValue))), ("description", .optional(o.description.text(locale.rawValue))),
            ("type", .string(o.type.rawValue)), ("discount_type", .string(o.type.discountType)), ("discount_value", offerValue(o)),
            ("reward_type", .string(o.type == .freeItem ? "free_product" : o.type.rawValue)),
            ("reward_details", .optional(o.description.text(locale.rawValue) ?? o.title.text(locale.rawValue))),
            ("minimum_purchase", o.minimumPurchaseMinor.map(JSON.money) ?? .null),
            ("product_ids", .array(o.productIDs.map(JSON.int))),
        ])
    }

    /// A coupon. `memberNames`: the member-facing status vocabulary (`redeemed`).
    static func coupon(_ v: CouponView, qr: String?, locale: APILocale, now: Int64, memberNames: Bool = false) -> JSON {
        let c = v.coupon
        let status = c.status(at: now)
        let daysLeft = c.expiresAt.map { max(0, ($0 - now) / 86_400_000) }
        return .object([
            ("id", .int(c.id)), ("code", .string(CouponCode.display(c.code))), ("qr_code", .optional(qr)),
            ("status", .string(memberNames ? status.memberName : status.rawValue)), ("offer_id", .int(c.offerID)),
            ("user_id", .int(c.customerID)), ("card_id", .int(c.cardID)), ("loyalty_card_id", .int(c.cardID)),
            ("is_used", .bool(status == .used)), ("is_pending", .bool(status == .pending)), ("is_expired", .bool(status == .expired)),
            ("is_redeemable", .bool(status == .active || status == .pending)), ("expires_in_days", .optional(daysLeft)),
            ("pending_shop_id", .optional(c.pendingShopID)), ("selected_product_id", .optional(c.selectedProductID)),
            ("redeemed_at", time(c.redeemedAt)), ("used_at", time(c.redeemedAt)), ("redeemed_shop_id", .optional(c.redeemedShopID)),
            ("points_spent", .int(c.pointsSpent)), ("points_returned", .int(c.pointsReturned)),
            ("expires_at", time(c.expiresAt)), ("expiry_time", time(c.expiresAt)), ("cancelled_at", time(c.cancelledAt)),
            ("requires_product_selection", .bool(v.offer.type == .freeItem && !v.offer.productIDs.isEmpty)),
            ("offer", couponOffer(v.offer, locale: locale)),
            ("user", .object([("id", .int(v.customer.id)), ("name", .optional(v.customer.name)), ("email", .optional(v.customer.email))])),
            ("created_at", time(c.createdAt)), ("updated_at", time(c.updatedAt)),
        ])
    }
}

extension Present {
    /// A product as S46 lists it (spec 4.14).
    static func product(_ p: Product, categories: [Category]) -> JSON {
        .object([
            ("id", .int(p.id)), ("name", .string(p.name)), ("description", .optional(p.description)), ("image_url", .optional(p.imageURL)),
            ("sku", .optional(p.sku)), ("barcode", .optional(p.ean)), ("ean", .optional(p.ean)), ("brand", .optional(p.brand)),
            ("price", .money(p.discountedPriceMinor ?? p.priceMinor)), ("regular_price", .money(p.priceMinor)),
            ("discounted_price", p.discountedPriceMinor.map(JSON.money) ?? .null), ("currency", .string(p.currency)),
            ("availability", .string(p.availability)), ("stock_quantity", .optional(p.stockQuantity)),
            (
                "categories",
                .array(categories.map { .object([("id", .int($0.id)), ("name", .optional($0.name.en ?? $0.name.lt)), ("description", .null)]) })
            ),
        ])
    }
}
