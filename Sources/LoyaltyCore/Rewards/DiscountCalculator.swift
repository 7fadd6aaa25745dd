/// The discount a coupon gives on a purchase: exact, in minor units, never more than
/// the purchase.
public enum DiscountCalculator {
    public struct Result: Sendable, Equatable {
        public var canApply: Bool
        /// Why it cannot apply (`minimum_purchase`), when it cannot.
        public var reason: String?
        public var discountMinor: Int64
        public var pointsAwarded: Int64

        public init(canApply: Bool, reason: String?, discountMinor: Int64, pointsAwarded: Int64) {
            self.canApply = canApply
            self.reason = reason
            self.discountMinor = discountMinor
            self.pointsAwarded = pointsAwarded
        }
    }

    /// - Parameters:
    ///   - purchaseMinor: the purchase amount (minor units, >= 0).
    ///   - freeItemPriceMinor: for a free-item coupon, the price of the chosen product in the cart, if any.
    ///   - pointsPerCurrencyUnit: for cashback, points per whole currency unit of the programme.
    public static func discount(
        offer: Offer,
        purchaseMinor: Int64,
        freeItemPriceMinor: Int64? = nil,
        pointsPerCurrencyUnit: Double = 1
    ) -> Result {
        if let minimum = offer.minimumPurchaseMinor, purchaseMinor < minimum {
            return Result(canApply: false, reason: "minimum_purchase", discountMinor: 0, pointsAwarded: 0)
        }
        var discount: Int64 = 0
        var points: Int64 = 0
        switch offer.type {
        case .discountPercentage:
            // value is the percent in hundredths: amount * value / 10000, rounded half up.
            let (product, overflow) = purchaseMinor.multipliedReportingOverflow(by: offer.value)
            discount = overflow ? purchaseMinor : (product + 5_000) / 10_000
            if let cap = offer.maximumDiscountMinor { discount = min(discount, cap) }
        case .discountAmount:
            discount = offer.value
        case .freeItem:
            discount = freeItemPriceMinor ?? 0
        case .cashback:
            let (product, overflow) = purchaseMinor.multipliedReportingOverflow(by: offer.value)
            let cashbackMinor = overflow ? purchaseMinor : product / 10_000
            points = Int64((Double(cashbackMinor) / 100 * pointsPerCurrencyUnit).rounded(.down))
        case .pointsMultiplier:
            break
        }
        return Result(canApply: true, reason: nil, discountMinor: max(0, min(discount, purchaseMinor)), pointsAwarded: points)
    }
}
