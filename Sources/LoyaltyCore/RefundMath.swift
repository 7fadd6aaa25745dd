/// Points arithmetic for reversals.
public enum RefundMath {
    /// Points to take back for a partial refund: `floor(refund / original * originalPoints)`,
    /// computed in integers. A refund of the whole amount (or more) returns all points.
    public static func proportionalPoints(refundMinor: Int64, originalMinor: Int64, originalPoints: Int64) -> Int64 {
        guard originalMinor > 0, refundMinor > 0, originalPoints > 0 else { return refundMinor >= originalMinor ? max(0, originalPoints) : 0 }
        if refundMinor >= originalMinor { return originalPoints }
        return Int64(Int128(refundMinor) * Int128(originalPoints) / Int128(originalMinor))
    }

    /// Splits a wanted deduction into what the balance can cover and the shortfall,
    /// for programs that never let a balance go below zero.
    public static func clampedDeduction(wanted: Int64, available: Int64, allowNegative: Bool) -> (deducted: Int64, shortfall: Int64) {
        if allowNegative || wanted <= available { return (wanted, 0) }
        let deducted = max(0, available)
        return (deducted, wanted - deducted)
    }
}
