/// How a card template turns money into points, as the Loyalty.lt card template defines it.
///
/// `base = (order_total / currency_amount) * points_per_currency`, rounded up when
/// `roundUp` else down, plus `pointsPerVisit`, then clamped by the per-purchase
/// minimum and maximum (a maximum of 0 means no maximum). Example: EUR 15.50 at
/// 10 points per EUR 1 with 5 points per visit gives 160 points.
public struct EarningRule: Sendable, Hashable {
    public var enabled: Bool
    /// Points given for every `currencyAmountMinor` spent.
    public var pointsPerCurrency: Int64
    /// The amount (minor units) that earns `pointsPerCurrency`; 100 = one unit.
    public var currencyAmountMinor: Int64
    public var roundUp: Bool
    public var pointsPerVisit: Int64
    public var minPointsPerPurchase: Int64
    /// 0 = unlimited.
    public var maxPointsPerPurchase: Int64

    public init(
        enabled: Bool = true,
        pointsPerCurrency: Int64 = 1,
        currencyAmountMinor: Int64 = 100,
        roundUp: Bool = false,
        pointsPerVisit: Int64 = 0,
        minPointsPerPurchase: Int64 = 0,
        maxPointsPerPurchase: Int64 = 0
    ) {
        self.enabled = enabled
        self.pointsPerCurrency = pointsPerCurrency
        self.currencyAmountMinor = currencyAmountMinor
        self.roundUp = roundUp
        self.pointsPerVisit = pointsPerVisit
        self.minPointsPerPurchase = minPointsPerPurchase
        self.maxPointsPerPurchase = maxPointsPerPurchase
    }

    /// Points earned for an order of `orderTotalMinor` (never negative).
    ///
    /// Integer arithmetic only; the multiplication is done in 128 bits so that a
    /// large order with a large rate cannot overflow.
    public func points(forOrderTotalMinor orderTotalMinor: Int64) -> Int64 {
        guard enabled, orderTotalMinor >= 0, currencyAmountMinor > 0 else { return 0 }
        let numerator = Int128(orderTotalMinor) * Int128(pointsPerCurrency)
        let denominator = Int128(currencyAmountMinor)
        var base = numerator / denominator
        if roundUp, numerator % denominator != 0 { base += 1 }
        var total = base + Int128(pointsPerVisit)
        if total < Int128(minPointsPerPurchase) { total = Int128(minPointsPerPurchase) }
        if maxPointsPerPurchase > 0, total > Int128(maxPointsPerPurchase) { total = Int128(maxPointsPerPurchase) }
        return Int64(clamping: max(0, total))
    }
}

/// How points turn into a discount when spent.
public struct RedemptionRule: Sendable, Hashable {
    public var enabled: Bool
    /// Points that buy `currencyAmountMinor` of discount.
    public var pointsPerCurrency: Int64
    public var currencyAmountMinor: Int64
    public var minPoints: Int64
    /// 0 = unlimited.
    public var maxPoints: Int64

    public init(enabled: Bool = true, pointsPerCurrency: Int64 = 100, currencyAmountMinor: Int64 = 100, minPoints: Int64 = 0, maxPoints: Int64 = 0) {
        self.enabled = enabled
        self.pointsPerCurrency = pointsPerCurrency
        self.currencyAmountMinor = currencyAmountMinor
        self.minPoints = minPoints
        self.maxPoints = maxPoints
    }

    /// Discount (minor units, rounded down) bought by `points`; 1250 points at 100 per EUR 1 is 1250 cents.
    public func discountMinor(forPoints points: Int64) -> Int64 {
        guard pointsPerCurrency > 0 else { return 0 }
        return Int64(clamping: Int128(points) * Int128(currencyAmountMinor) / Int128(pointsPerCurrency))
    }

    /// Why `points` may not be redeemed in one go, or `nil` when they may.
    public func violation(forPoints points: Int64) -> RedemptionViolation? {
        if !enabled { return .disabled }
        if points < minPoints { return .belowMinimum(minPoints) }
        if maxPoints > 0, points > maxPoints { return .aboveMaximum(maxPoints) }
        return nil
    }
}

public enum RedemptionViolation: Sendable, Hashable {
    case disabled
    case belowMinimum(Int64)
    case aboveMaximum(Int64)
}
