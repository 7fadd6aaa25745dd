import Foundation
import LoyaltyCore
import LoyaltyModels

/// `POST /shop/offers` and `PUT /shop/offers/{id}`: every field name the SDKs and the
/// spec's models use for an offer (the first present wins), validated together.
///
/// Create needs a title and a type; update changes only the fields it names.
enum OfferRequest {
    static let valueFields = ["discount_value", "discount_percentage", "discount_amount", "points_multiplier", "cashback_percentage", "value"]
    static let pointsFields = ["points_required", "points_cost", "minimum_points"]
    static let stockFields = ["stock", "usage_limit", "maximum_uses", "max_coupons", "total_stock"]
    static let memberLimitFields = ["per_member_limit", "user_limit", "user_usage_limit"]
    static let startFields = ["starts_at", "valid_from", "start_date"]
    static let endFields = ["ends_at", "valid_until", "end_date", "expires_at"]
    static let termsFields = ["terms_and_conditions", "terms_conditions", "terms"]

    /// The offer `fields` describe, applied over `base` (a blank offer when creating).
    static func apply(_ fields: Fields, to base: Offer, creating: Bool) throws -> Offer {
        var f = fields
        var o = base
        func first(_ names: [String]) -> String? { names.first { f.has($0) } }

        if let t = f.string("type", required: creating, maxLength: 40) {
            let discountType = f.string("discount_type", maxLength: 40)
            if let type = OfferType.parse(type: t, discountType: discountType) {
                o.type = type
            } else {
                f.fail("type", "v_in", ["values": OfferType.allCases.map(\.rawValue).joined(separator: ", ")])
            }
        } else if !creating, let dt = f.string("discount_type", maxLength: 40) {
            if let type = OfferType.parse(type: "discount", discountType: dt) {
                o.type = type
            } else {
                f.fail("discount_type", "v_in", ["values": "percentage, fixed_amount"])
            }
        }
        if let title = localized(&f, "title", required: creating, maxLength: 255) { o.title = title }
        if let d = localized(&f, "description", required: false, maxLength: 5000) { o.description = d }
        if let name = first(termsFields) { o.terms = f.string(name, maxLength: 10_000) }
        if f.has("image_url") { o.imageURL = f.string("image_url", maxLength: 2048) }
        if f.has("category_id") { o.categoryID = f.int("category_id", min: 1, max: Int64.max) }
        if let name = first(valueFields) {
            // Hundredths for percentages and factors, minor units for amounts: both are "two decimals".
            if let v = f.money(name) { o.value = v }
        }
        if f.has("maximum_discount") { o.maximumDiscountMinor = f.money("maximum_discount") }
        if f.has("minimum_purchase") { o.minimumPurchaseMinor = f.money("minimum_purchase") }
        if let name = first(pointsFields) { o.pointsRequired = f.int(name, min: 0, max: 1_000_000_000) ?? o.pointsRequired }
        if let name = first(stockFields) { o.stock = f.int(name, min: 0, max: 1_000_000_000) }
        if let name = first(memberLimitFields) { o.perMemberLimit = f.int(name, min: 1, max: 1_000_000) }
        if let name = first(startFields) { o.startsAt = f.dateTime(name) }
        if let name = first(endFields) { o.endsAt = f.dateTime(name) }
        if let v = f.bool("is_active") { o.isActive = v }
        if let v = f.bool("is_featured") { o.isFeatured = v }
        if f.has("coupon_validity_days") { o.couponValidityDays = f.int("coupon_validity_days", min: 1, max: 3650) }
        if let v = f.bool("return_points_on_cancel") { o.returnPointsOnCancel = v }
        if let v = f.bool("return_points_on_expiry") { o.returnPointsOnExpiry = v }
        if let items = f.array("tiers", maxItems: 20) {
            var tiers: [String] = []
            for (i, item) in items.enumerated() {
                guard case let .string(s) = item, !s.isEmpty, s.count <= 64 else {
                    f.fail("tiers.\(i)", "v_string")
                    continue
                }
                tiers.append(s)
            }
            o.tiers = tiers
        }
        if let ids = idList(&f, ["shop_ids", "shops"]) { o.shopIDs = ids }
        if let ids = idList(&f, ["product_ids", "products"]) { o.productIDs = ids }
        try f.throwIfInvalid()

        switch o.type {
        case .discountPercentage, .cashback:
            if o.value <= 0 || o.value > 10_000 { f.fail(first(valueFields) ?? "discount_value", "v_between", ["min": "0.01", "max": "100"]) }
        case .discountAmount:
            if o.value <= 0 { f.fail(first(valueFields) ?? "discount_value", "v_min", ["min": "0.01"]) }
        case .pointsMultiplier:
            if o.value <= 100 || o.value > 10_000 { f.fail(first(valueFields) ?? "points_multiplier", "v_between", ["min": "1.01", "max": "100"]) }
        case .freeItem:
            break
        }
        if let s = o.startsAt, let e = o.endsAt, e <= s { f.fail(first(endFields) ?? "ends_at", "v_after", ["other": "starts_at"]) }
        try f.throwIfInvalid()
        return o
    }

    /// A localised text: `{"lt": ..., "en": ...}`, or a plain string in the request's locale.
    static func localized(_ f: inout Fields, _ field: String, required: Bool, maxLength: Int) -> LocalizedText? {
        guard f.has(field), let value = f.values[field] else {
            if required { f.fail(field, "v_required") }
            return nil
        }
        switch value {
        case .object:
            var inner = Fields(value, locale: f.locale)
            let lt = inner.string("lt", maxLength: maxLength)
            let en = inner.string("en", maxLength: maxLength)
            for (name, messages) in inner.errors { for m in messages { f.failMessage("\(field).\(name)", m) } }
            if lt == nil && en == nil {
                f.fail(field, "v_required")
                return nil
            }
            return LocalizedText(lt: lt, en: en)
        default:
            guard let s = f.string(field, required: required, maxLength: maxLength) else { return nil }
            return f.locale == .lt ? LocalizedText(lt: s, en: nil) : LocalizedText(lt: nil, en: s)
        }
    }

    /// An array of positive ids under the first of `names` present.
    static func idList(_ f: inout Fields, _ names: [String]) -> [Int64]? {
        guard let name = names.first(where: { f.has($0) }), let items = f.array(name, maxItems: 1000) else { return nil }
        var ids: [Int64] = []
        for (i, item) in items.enumerated() {
            var one = Fields(.object([("id", item)]), locale: f.locale)
            if let id = one.int("id", required: true, min: 1, max: Int64.max) { ids.append(id) } else { f.fail("\(name).\(i)", "v_integer") }
        }
        return ids
    }
}
