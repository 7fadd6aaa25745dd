/// What an offer gives. The wire also spells the discounts as `discount` plus a
/// `discount_type` (`percentage` | `fixed_amount`); ``parse(type:discountType:)`` maps them.
public enum OfferType: String, Sendable, CaseIterable {
    /// A percentage off the purchase (`value` is the percent in hundredths: 1250 = 12.5 %).
    case discountPercentage = "discount_percentage"
    /// A fixed amount off the purchase (`value` is minor units).
    case discountAmount = "discount_amount"
    /// Earning is multiplied while the offer runs (`value` is the factor in hundredths: 200 = x2).
    case pointsMultiplier = "points_multiplier"
    /// A product chosen from the offer's list is free (`value` unused).
    case freeItem = "free_item"
    /// A percentage of the purchase comes back as points (`value` is the percent in hundredths).
    case cashback

    /// The canonical type for a wire `type` (and `discount_type` when `type` is `discount`).
    public static func parse(type: String, discountType: String?) -> OfferType? {
        switch type {
        case "discount":
            switch discountType ?? "percentage" {
            case "percentage", "percent": return .discountPercentage
            case "fixed_amount", "fixed", "amount": return .discountAmount
            default: return nil
            }
        case "freebie", "free_product": return .freeItem
        default: return OfferType(rawValue: type)
        }
    }

    /// The legacy `discount_type` the older models show (`percentage` | `fixed_amount` | `points` | `free_product`).
    public var discountType: String {
        switch self {
        case .discountPercentage, .cashback: "percentage"
        case .discountAmount: "fixed_amount"
        case .pointsMultiplier: "multiplier"
        case .freeItem: "free_product"
        }
    }

    /// The coarse family the `type` filter of S23 names (`discount` covers both discounts).
    public var family: String {
        switch self {
        case .discountPercentage, .discountAmount: "discount"
        default: rawValue
        }
    }

    /// Offers that change earning on purchases rather than issue a discount coupon.
    public var changesEarning: Bool { self == .pointsMultiplier || self == .cashback }
}
