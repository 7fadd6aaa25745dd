/// Multi-store point sharing (the seed FAQ's `updateSettings({multi_store_points,
/// point_sharing, unified_tiers})`), defined against each member's **home shop**: the
/// shop they joined at, set by the partner or, failing that, the first shop they
/// transact at while sharing is restricted.
///
/// | setting | earn at home | earn elsewhere | redeem at home | redeem elsewhere |
/// |---|---|---|---|---|
/// | `multi_store_points: false` | yes | no | yes | no |
/// | `full` (the default) | yes | yes | yes | yes |
/// | `earning_only` | yes | yes | yes | no |
/// | `redemption_only` | yes | no | yes | yes |
///
/// A purchase where earning is not shared is recorded and earns 0 (the rules line says
/// why); a redemption where it is not shared is refused, nothing written. Operations
/// without a shop (a member's claims and plays, the partner's own awards, transfers,
/// adjustments) are partner-level and always allowed. `unified_tiers: false` confines
/// a tier's benefits (tier rules and multipliers) to the home shop; tier progress is
/// one per member either way. `shopRates` scale what a purchase at a shop earns
/// (percent; 100 = as the rules say).
public struct PointSharing: Sendable, Hashable {
    public enum Mode: String, Sendable, CaseIterable {
        case full
        case earningOnly = "earning_only"
        case redemptionOnly = "redemption_only"
    }

    public var multiStore: Bool
    public var mode: Mode
    public var unifiedTiers: Bool
    /// Earning rate per shop id, in percent.
    public var shopRates: [Int64: Int64]

    public init(multiStore: Bool = true, mode: Mode = .full, unifiedTiers: Bool = true, shopRates: [Int64: Int64] = [:]) {
        self.multiStore = multiStore
        self.mode = mode
        self.unifiedTiers = unifiedTiers
        self.shopRates = shopRates
    }

    /// Everything shared, one tier everywhere, every shop at 100 %.
    public static let standard = PointSharing()

    /// Whether purchases need the member's home shop (anything but the standard).
    public var needsHomeShop: Bool { !multiStore || mode != .full || !unifiedTiers }

    /// Whether anything differs from the standard (the fast path steps aside).
    public var isStandard: Bool { self == .standard }

    /// Whether a purchase at `shop` earns for a member whose home shop is `home`.
    public func mayEarn(at shop: Int64?, home: Int64?) -> Bool {
        guard let shop, let home, shop != home else { return true }
        return multiStore && mode != .redemptionOnly
    }

    /// Whether points may be redeemed at `shop` by a member whose home shop is `home`.
    public func mayRedeem(at shop: Int64?, home: Int64?) -> Bool {
        guard let shop, let home, shop != home else { return true }
        return multiStore && mode != .earningOnly
    }

    /// Whether the member's tier benefits apply at `shop`.
    public func tierApplies(at shop: Int64?, home: Int64?) -> Bool {
        guard let shop, let home, shop != home else { return true }
        return unifiedTiers
    }

    /// The earning rate at `shop`, in percent.
    public func rate(at shop: Int64?) -> Int64 { shop.flatMap { shopRates[$0] } ?? 100 }
}

extension EarningEngine.Result {
    /// Nothing earned, with a line saying why (`rule`).
    public static func notEarned(rule: String, name: String) -> EarningEngine.Result {
        EarningEngine.Result(points: 0, lines: [EarningEngine.Line(rule: rule, name: name, points: 0)])
    }

    /// The result scaled by `percent` (rounded down), with a line for the difference.
    public func scaled(percent: Int64) -> EarningEngine.Result {
        guard percent != 100, points > 0 else { return self }
        let scaled = Int64(clamping: Int128(points) * Int128(percent) / 100)
        return EarningEngine.Result(
            points: scaled,
            lines: lines + [EarningEngine.Line(rule: "shop_rate", name: "Shop rate \(percent)%", points: scaled - points)]
        )
    }
}
