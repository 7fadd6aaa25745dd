/// Why an offer, coupon or catalogue operation was refused.
public enum RewardError: Error, Sendable, Equatable {
    case offerNotFound
    case offerUnavailable(OfferUnavailable)
    case couponNotFound
    case couponAlreadyUsed
    case couponExpired
    case couponCancelled
    /// Held by another shop's till.
    case couponPendingElsewhere
    /// Cancel-pending on a coupon that is not pending.
    case couponNotPending
    /// Cancel-pending by a shop that does not hold it.
    case couponNotPendingHere
    /// The offer's coupons are not valid at this shop.
    case couponNotValidAtShop
    /// A free-item coupon needs a product from its list.
    case productSelectionRequired
    case productNotSelectable
    /// Members may not cancel within 24 hours of expiry.
    case cancelTooLate
    /// The purchase is below the offer's minimum.
    case belowMinimumPurchase(minimumMinor: Int64)
    case importNotFound
}
