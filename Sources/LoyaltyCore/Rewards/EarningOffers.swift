/// Applies the running `points_multiplier` and `cashback` offers to what a purchase
/// earns. They apply automatically (no coupon) to a purchase whose member, shop and
/// time the offer admits, after the programme's own rules and limits, each as one
/// `offer:{id}` line of `rules_applied`.
public enum EarningOffers {
    /// - Parameters:
    ///   - result: what the programme's rules gave.
    ///   - rule: the card's earning rule (for cashback's points per currency unit).
    public static func apply(
        _ result: EarningEngine.Result,
        offers: [Offer],
        rule: EarningRule,
        orderTotalMinor: Int64,
        shopID: Int64?,
        tier: String?,
        at now: Int64
    ) -> EarningEngine.Result {
        var out = result
        let earned = result.points
        for offer in offers.sorted(by: { $0.id < $1.id })
        where offer.type.changesEarning && offer.runs(at: now) && offer.allows(shopID: shopID)
            && (offer.tiers.isEmpty || offer.tiers.contains(tier ?? ""))
            && orderTotalMinor >= (offer.minimumPurchaseMinor ?? 0)
        {
            let gain: Int64
            switch offer.type {
            case .pointsMultiplier:
                // The factor multiplies what the purchase earned before any offer.
                gain = Int64(clamping: Int128(earned) * Int128(offer.value - 100) / 100)
            case .cashback:
                guard rule.currencyAmountMinor > 0 else { continue }
                let backMinor = Int128(orderTotalMinor) * Int128(offer.value) / 10_000
                gain = Int64(clamping: backMinor * Int128(rule.pointsPerCurrency) / Int128(rule.currencyAmountMinor))
            default: continue
            }
            guard gain != 0 else { continue }
            out.points = max(0, out.points + gain)
            out.lines.append(EarningEngine.Line(rule: "offer:\(offer.id)", name: offer.title.en ?? offer.title.lt ?? "Offer", points: gain))
        }
        return out
    }
}
