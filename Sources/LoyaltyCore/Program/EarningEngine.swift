/// Turns a purchase into points: the template's base rule plus the programme's bonus
/// rules and the tier multiplier, with a line per contribution.
///
/// The order is fixed and documented (docs/ARCHITECTURE.md, "Earning"):
/// 1. earning disabled, or order below the minimum order amount: 0 points;
/// 2. `base` = order total x rate, rounded as the template says;
/// 3. item rules (SKU or category): each cart line takes the one matching rule that
///    gives it most, `floor(line x rate x (multiplier - 100%)) + bonus points`;
/// 4. order rules, in configuration order, each on the running subtotal:
///    `floor(subtotal x (multiplier - 100%)) + bonus points` (so x2 then x1.5 is x3);
/// 5. the tier's multiplier on the running subtotal;
/// 6. per-visit points (never multiplied);
/// 7. the per-purchase minimum and maximum (a `clamp` line records the difference).
/// All arithmetic is in integers (128-bit intermediates), rounding down except the
/// base's round-up option. With no rules and a x1 tier the result equals
/// ``EarningRule/points(forOrderTotalMinor:)``.
public enum EarningEngine {
    /// The most points one purchase can earn, whatever the rules (10^12).
    public static let maxPoints: Int64 = 1_000_000_000_000

    public struct Line: Sendable, Hashable {
        /// `base`, `per_visit`, `clamp`, `tier`, `manual` or a rule id.
        public var rule: String
        public var name: String
        public var points: Int64

        public init(rule: String, name: String, points: Int64) {
            self.rule = rule
            self.name = name
            self.points = points
        }
    }

    public struct Result: Sendable, Hashable {
        public var points: Int64
        public var lines: [Line]

        public init(points: Int64, lines: [Line]) {
            self.points = points
            self.lines = lines
        }
    }

    public static func compute(
        base rule: EarningRule,
        program: ProgramConfig,
        orderTotalMinor total: Int64,
        items: [CartItem],
        tier: String?,
        at moment: LocalMoment
    ) -> Result {
        guard rule.enabled, total >= 0, rule.currencyAmountMinor > 0 else { return Result(points: 0, lines: []) }
        if total < program.minOrderMinor { return Result(points: 0, lines: [Line(rule: "min_order", name: "Below minimum order amount", points: 0)]) }
        let rate = Int128(rule.pointsPerCurrency)
        let unit = Int128(rule.currencyAmountMinor)
        var base = Int128(total) * rate / unit
        if rule.roundUp, (Int128(total) * rate) % unit != 0 { base += 1 }
        var lines = [Line(rule: "base", name: "Base rate", points: Int64(clamping: base))]
        var running = base
        let live = program.rules.filter { $0.applies(at: moment, tier: tier) }

        var itemGains: [String: Int128] = [:]
        for item in items where item.amountMinor > 0 {
            var best: (BonusRule, Int128)?
            for r in live where r.isItemRule && r.matches(item) {
                let gain = Int128(item.amountMinor) * rate * Int128(r.multiplierPercent - 100) / (unit * 100) + Int128(r.bonusPoints)
                if gain > (best?.1 ?? Int128.min) { best = (r, gain) }
            }
            if let (r, gain) = best { itemGains[r.id, default: 0] += gain }
        }
        for r in live where r.isItemRule {
            guard let gain = itemGains[r.id] else { continue }
            running += gain
            lines.append(Line(rule: r.id, name: r.name, points: Int64(clamping: gain)))
        }
        for r in live where !r.isItemRule {
            let gain = running * Int128(r.multiplierPercent - 100) / 100 + Int128(r.bonusPoints)
            running += gain
            lines.append(Line(rule: r.id, name: r.name, points: Int64(clamping: gain)))
        }
        if program.tiers.enabled, let t = program.tiers.tier(named: tier), t.multiplierPercent != 100 {
            let gain = running * Int128(t.multiplierPercent - 100) / 100
            running += gain
            lines.append(Line(rule: "tier", name: "\(t.name) tier", points: Int64(clamping: gain)))
        }
        if rule.pointsPerVisit != 0 {
            running += Int128(rule.pointsPerVisit)
            lines.append(Line(rule: "per_visit", name: "Per visit", points: rule.pointsPerVisit))
        }
        var clamped = max(0, running)
        if clamped < Int128(rule.minPointsPerPurchase) { clamped = Int128(rule.minPointsPerPurchase) }
        if rule.maxPointsPerPurchase > 0, clamped > Int128(rule.maxPointsPerPurchase) { clamped = Int128(rule.maxPointsPerPurchase) }
        // Beyond any sane programme: keeps a balance far from Int64's range.
        if clamped > Int128(maxPoints) { clamped = Int128(maxPoints) }
        if clamped != running { lines.append(Line(rule: "clamp", name: "Per-purchase limit", points: Int64(clamping: clamped - running))) }
        return Result(points: Int64(clamping: clamped), lines: lines)
    }
}
