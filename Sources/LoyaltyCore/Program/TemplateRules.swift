import LoyaltyModels

/// Changes to the base earning and redemption rules, which live on the partner's card
/// templates (the wire's `loyalty-cards`): the programme document's `earning` and
/// `redemption` sections. Absent fields keep their current values; a `PUT` applies
/// them to every card template of the partner, so the wire endpoints and the engine
/// always agree.
public struct TemplateRulesPatch: Sendable, Hashable {
    public var earningEnabled: Bool?
    public var pointsPerCurrency: Int64?
    public var currencyAmountMinor: Int64?
    public var roundUp: Bool?
    public var pointsPerVisit: Int64?
    public var minPointsPerPurchase: Int64?
    public var maxPointsPerPurchase: Int64?
    public var redemptionEnabled: Bool?
    public var redemptionPointsPerCurrency: Int64?
    public var redemptionCurrencyAmountMinor: Int64?
    public var minPointsForRedemption: Int64?
    public var maxPointsPerRedemption: Int64?

    public init() {}

    public var isEmpty: Bool { self == TemplateRulesPatch() }

    /// Reads `earning` and `redemption` from a programme document.
    public static func decode(_ json: JSON) throws(ProgramConfig.Invalid) -> TemplateRulesPatch {
        var r = ProgramFieldReader()
        var p = TemplateRulesPatch()
        if let e = r.object(json["earning"], "earning") {
            r.only(
                e,
                "earning",
                [
                    "enabled", "points_per_currency", "currency_amount", "round_up", "points_per_visit", "min_points_per_purchase",
                    "max_points_per_purchase",
                ]
            )
            p.earningEnabled = r.bool(e["enabled"], "earning.enabled")
            p.pointsPerCurrency = r.int(e["points_per_currency"], "earning.points_per_currency", max: 1_000_000)
            p.currencyAmountMinor = r.money(e["currency_amount"], "earning.currency_amount")
            if p.currencyAmountMinor == 0 { r.fail("earning.currency_amount", "must be more than 0") }
            p.roundUp = r.bool(e["round_up"], "earning.round_up")
            p.pointsPerVisit = r.int(e["points_per_visit"], "earning.points_per_visit", max: 1_000_000)
            p.minPointsPerPurchase = r.int(e["min_points_per_purchase"], "earning.min_points_per_purchase", max: 1_000_000_000)
            p.maxPointsPerPurchase = r.int(e["max_points_per_purchase"], "earning.max_points_per_purchase", max: 1_000_000_000)
        }
        if let d = r.object(json["redemption"], "redemption") {
            r.only(d, "redemption", ["enabled", "points_per_currency", "currency_amount", "min_points", "max_points"])
            p.redemptionEnabled = r.bool(d["enabled"], "redemption.enabled")
            p.redemptionPointsPerCurrency = r.int(d["points_per_currency"], "redemption.points_per_currency", min: 1, max: 1_000_000_000)
            p.redemptionCurrencyAmountMinor = r.money(d["currency_amount"], "redemption.currency_amount")
            if p.redemptionCurrencyAmountMinor == 0 { r.fail("redemption.currency_amount", "must be more than 0") }
            p.minPointsForRedemption = r.int(d["min_points"], "redemption.min_points", max: 1_000_000_000)
            p.maxPointsPerRedemption = r.int(d["max_points"], "redemption.max_points", max: 1_000_000_000)
        }
        if !r.problems.isEmpty { throw ProgramConfig.Invalid(problems: r.problems) }
        return p
    }

    /// The rules as a programme document shows them.
    public static func encoded(_ earning: EarningRule, _ redemption: RedemptionRule) -> [(String, JSON)] {
        [
            (
                "earning",
                .object([
                    ("enabled", .bool(earning.enabled)), ("points_per_currency", .int(earning.pointsPerCurrency)),
                    ("currency_amount", .money(earning.currencyAmountMinor)),
                    ("round_up", .bool(earning.roundUp)), ("points_per_visit", .int(earning.pointsPerVisit)),
                    ("min_points_per_purchase", .int(earning.minPointsPerPurchase)), ("max_points_per_purchase", .int(earning.maxPointsPerPurchase)),
                ])
            ),
            (
                "redemption",
                .object([
                    ("enabled", .bool(redemption.enabled)), ("points_per_currency", .int(redemption.pointsPerCurrency)),
                    ("currency_amount", .money(redemption.currencyAmountMinor)),
                    ("min_points", .int(redemption.minPoints)), ("max_points", .int(redemption.maxPoints)),
                ])
            ),
        ]
    }
}

extension ProgramFieldReader {
    /// Names every key of `json` that is not in `keys`.
    mutating func only(_ json: JSON, _ path: String, _ keys: Set<String>) {
        guard case let .object(members) = json else { return }
        for (k, _) in members where !keys.contains(k) { fail("\(path).\(k)", "is not a setting of \(path)") }
    }
}
