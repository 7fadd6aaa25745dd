import Foundation
import LoyaltyCore
import LoyaltyModels
import Testing

/// 2026-11-28 was a Saturday; 12:00 UTC.
let saturdayNoon: Int64 = 1_795_867_200_000
func utc(_ ms: Int64) -> LocalMoment { LocalMoment(epochMillis: ms, timeZone: "UTC") }

@Suite("Earning engine: documented order, hand-computed cases")
struct EarningEngineTests {
    static let rate = EarningRule(pointsPerCurrency: 10, currencyAmountMinor: 100, pointsPerVisit: 5)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var rule: EarningRule = EarningEngineTests.rate
        var program = ProgramConfig()
        var total: Int64
        var items: [CartItem] = []
        var tier: String? = nil
        var at: Int64 = saturdayNoon
        var expected: Int64
        var lines: [String: Int64] = [:]
        var testDescription: String { name }
    }

    static let weekendX2 = BonusRule(id: "weekend", multiplierPercent: 200, daysOfWeek: [6, 7])
    static let coffeeX3 = BonusRule(id: "coffee", multiplierPercent: 300, categories: ["coffee"])
    static let skuBonus = BonusRule(id: "mug", bonusPoints: 50, skus: ["MUG-1"])
    static let campaign = BonusRule(id: "blackfriday", multiplierPercent: 150, startsAt: saturdayNoon - 3_600_000, endsAt: saturdayNoon + 3_600_000)
    static let evening = BonusRule(id: "evening", multiplierPercent: 200, timeFrom: 18 * 60, timeTo: 22 * 60)
    static let goldOnly = BonusRule(id: "gold", bonusPoints: 100, tiers: ["Gold"])
    static var tiered: ProgramConfig {
        var p = ProgramConfig()
        p.tiers.tiers[2].multiplierPercent = 125
        return p
    }

    static let cases: [Case] = [
        // The spec's example: EUR 15.50 at 10 points per EUR + 5 per visit = 155 + 5.
        Case(name: "spec example", total: 1550, expected: 160, lines: ["base": 155, "per_visit": 5]),
        Case(name: "below minimum order", program: ProgramConfig(minOrderMinor: 2000), total: 1550, expected: 0),
        Case(
            name: "weekend x2 on Saturday",
            program: ProgramConfig(rules: [weekendX2]),
            total: 1550,
            expected: 315,
            lines: ["base": 155, "weekend": 155, "per_visit": 5]
        ),
        Case(
            name: "weekend x2 not on Monday",
            program: ProgramConfig(rules: [weekendX2]),
            total: 1550,
            at: saturdayNoon + 2 * 86_400_000,
            expected: 160
        ),
        // Coffee line EUR 4.00: 40 base points of it, x3 adds 80; the mug gets +50 once.
        Case(
            name: "category and SKU rules",
            program: ProgramConfig(rules: [coffeeX3, skuBonus]),
            total: 1550,
            items: [CartItem(sku: "C-1", category: "coffee", amountMinor: 400), CartItem(sku: "MUG-1", category: "home", amountMinor: 1150)],
            expected: 155 + 80 + 50 + 5,
            lines: ["coffee": 80, "mug": 50]
        ),
        // Order rules compound in configuration order: (155 x2) x1.5 = 465.
        Case(
            name: "weekend then campaign compound",
            program: ProgramConfig(rules: [weekendX2, campaign]),
            total: 1550,
            expected: 465 + 5,
            lines: ["weekend": 155, "blackfriday": 155]
        ),
        Case(name: "campaign over", program: ProgramConfig(rules: [campaign]), total: 1550, at: saturdayNoon + 7_200_000, expected: 160),
        Case(name: "evening window, inside", program: ProgramConfig(rules: [evening]), total: 1000, at: saturdayNoon + 7 * 3_600_000, expected: 205),
        Case(name: "evening window, outside", program: ProgramConfig(rules: [evening]), total: 1000, expected: 105),
        // Gold x1.25 on the subtotal after rules: 155 x 1.25 = 193.75 -> 193 (+38).
        Case(name: "tier multiplier", program: tiered, total: 1550, tier: "Gold", expected: 198, lines: ["tier": 38]),
        Case(name: "tier-limited rule, other tier", program: ProgramConfig(rules: [goldOnly]), total: 1550, tier: "Silver", expected: 160),
        Case(name: "tier-limited rule, its tier", program: ProgramConfig(rules: [goldOnly]), total: 1550, tier: "gold", expected: 260),
        Case(
            name: "max per purchase clamps",
            rule: EarningRule(pointsPerCurrency: 10, currencyAmountMinor: 100, maxPointsPerPurchase: 100),
            program: ProgramConfig(rules: [weekendX2]),
            total: 1550,
            expected: 100,
            lines: ["clamp": -210]
        ),
        Case(name: "round up base", rule: EarningRule(pointsPerCurrency: 1, currencyAmountMinor: 100, roundUp: true), total: 1501, expected: 16),
        Case(name: "earning disabled", rule: EarningRule(enabled: false), program: ProgramConfig(rules: [weekendX2]), total: 1550, expected: 0),
    ]

    @Test(arguments: cases)
    func computes(_ c: Case) {
        let r = EarningEngine.compute(base: c.rule, program: c.program, orderTotalMinor: c.total, items: c.items, tier: c.tier, at: utc(c.at))
        #expect(r.points == c.expected)
        for (rule, points) in c.lines {
            #expect(r.lines.first { $0.rule == rule }?.points == points, "line \(rule) in \(r.lines)")
        }
        // The lines always add up to the result.
        if !r.lines.isEmpty { #expect(r.lines.reduce(0) { $0 + $1.points } == r.points) }
    }

    @Test func noRulesMatchesTheTemplateFormula() {
        for total in [0, 1, 99, 100, 1550, 123_456, 99_999_999] as [Int64] {
            for rule in [
                Self.rate,
                EarningRule(pointsPerCurrency: 3, currencyAmountMinor: 250, roundUp: true, minPointsPerPurchase: 2, maxPointsPerPurchase: 900),
            ] {
                let r = EarningEngine.compute(
                    base: rule,
                    program: ProgramConfig(),
                    orderTotalMinor: total,
                    items: [],
                    tier: "Bronze",
                    at: utc(saturdayNoon)
                )
                #expect(r.points == rule.points(forOrderTotalMinor: total))
            }
        }
    }
}

@Suite("Refund arithmetic (seed FAQ)")
struct RefundFormulaTests {
    // pointsToDeduct = floor(refundAmount / originalAmount * originalPoints)
    @Test(arguments: [
        (Int64(5000), Int64(15000), Int64(150), Int64(50)),  // the FAQ's example: 50.00 of 150.00 at 150 points
        (3333, 10000, 100, 33),
        (1, 15000, 150, 0),
        (15000, 15000, 150, 150),
        (20000, 15000, 150, 150),
        (999, 1000, 7, 6),
    ])
    func proportional(_ refund: Int64, _ original: Int64, _ points: Int64, _ expected: Int64) {
        #expect(RefundMath.proportionalPoints(refundMinor: refund, originalMinor: original, originalPoints: points) == expected)
    }

    @Test func cumulativeRefundsNeverLoseOrExceed() {
        // Three refunds of 3.33, 3.33, 3.34 of a 10.00 order worth 10 points take back
        // floor(cumulative share) each time: 3, 3, 4 (separate floors would give 9).
        var taken: Int64 = 0
        var refunded: Int64 = 0
        for part in [333, 333, 334] as [Int64] {
            refunded += part
            let step = RefundMath.proportionalPoints(refundMinor: refunded, originalMinor: 1000, originalPoints: 10) - taken
            taken += step
        }
        #expect(taken == 10)
    }
}

@Suite("Tiers, expiry dates, lot draws, programme documents")
struct ProgramPolicyTests {
    @Test func tierUpgradeOverrideAndDowngrade() {
        var policy = TierPolicy.standard
        policy.downgrade = .evaluation(periodDays: 30, graceDays: 10)
        let day: Int64 = 86_400_000
        var s = TierDecision.State(tier: nil, since: nil, graceUntil: nil, override: nil, overrideUntil: nil)
        // Bronze needs no write; reaching Silver is an upgrade.
        #expect(TierDecision.evaluate(policy, state: s, basisValue: 10, now: 0).reason == nil)
        var o = TierDecision.evaluate(policy, state: s, basisValue: 1_200, now: 0)
        #expect(o.reason == "upgrade" && o.state.tier == "Silver")
        s = o.state
        // Below the threshold inside the period: kept. After it: grace starts, then downgrade.
        #expect(TierDecision.evaluate(policy, state: s, basisValue: 10, now: 29 * day).state.tier == "Silver")
        o = TierDecision.evaluate(policy, state: s, basisValue: 10, now: 31 * day)
        #expect(o.state.tier == "Silver" && o.state.graceUntil == 41 * day && o.reason == nil)
        let requalified = TierDecision.evaluate(policy, state: o.state, basisValue: 1_500, now: 35 * day)
        #expect(requalified.state.graceUntil == nil && requalified.state.tier == "Silver")
        o = TierDecision.evaluate(policy, state: o.state, basisValue: 10, now: 41 * day)
        #expect(o.state.tier == "Bronze" && o.reason == "downgrade")
        // Never-downgrade keeps the tier.
        #expect(TierDecision.evaluate(.standard, state: s, basisValue: 0, now: 400 * day).state.tier == "Silver")
        // A live override wins; when it lapses the computed tier is back.
        var manual = s
        manual.override = "Platinum"
        manual.overrideUntil = 10 * day
        #expect(TierDecision.effective(manual, now: 5 * day) == "Platinum")
        let lapsed = TierDecision.evaluate(.standard, state: manual, basisValue: 1_200, now: 11 * day)
        #expect(
            lapsed.state.override == nil && lapsed.reason == "override_expired" && TierDecision.effective(lapsed.state, now: 11 * day) == "Silver"
        )
    }

    @Test func expiryDates() {
        let m = utc(saturdayNoon)  // 2026-11-28 12:00 UTC
        #expect(ExpiryPolicy.days(30).expiresAt(awardedAt: m, templateDays: 0) == saturdayNoon + 30 * 86_400_000)
        #expect(ExpiryPolicy.never.expiresAt(awardedAt: m, templateDays: 99) == nil)
        #expect(ExpiryPolicy.template.expiresAt(awardedAt: m, templateDays: 0) == nil)
        #expect(ExpiryPolicy.template.expiresAt(awardedAt: m, templateDays: 2) == saturdayNoon + 2 * 86_400_000)
        #expect(ExpiryPolicy.endOfMonth.expiresAt(awardedAt: m, templateDays: 0) == 1_796_083_200_000)  // 2026-12-01T00:00Z
        #expect(ExpiryPolicy.endOfYear.expiresAt(awardedAt: m, templateDays: 0) == 1_798_761_600_000)  // 2027-01-01T00:00Z
        // In Vilnius (UTC+2 in winter) the month ends at 2026-11-30T22:00Z.
        let vilnius = LocalMoment(epochMillis: saturdayNoon, timeZone: "Europe/Vilnius")
        let vilniusEnd: Int64 = 1_796_083_200_000 - 7_200_000
        #expect(ExpiryPolicy.endOfMonth.expiresAt(awardedAt: vilnius, templateDays: 0) == vilniusEnd)
        #expect(m.isoWeekday == 6)
        #expect(m.periodStart(.week) == saturdayNoon - 5 * 86_400_000 - 12 * 3_600_000)
    }

    @Test func drawsEarliestExpiryFirstNeverExpiringLast() {
        let lots = [
            LotBalance(id: 1, remaining: 50, expiresAt: nil), LotBalance(id: 2, remaining: 30, expiresAt: 500),
            LotBalance(id: 3, remaining: 20, expiresAt: 100), LotBalance(id: 4, remaining: -10, expiresAt: nil),
            LotBalance(id: 5, remaining: 0, expiresAt: 50),
        ]
        let plan = LotPlan.draw(lots, points: 60)
        #expect(plan.draws.map(\.id) == [3, 2, 1] && plan.draws.map(\.take) == [20, 30, 10] && plan.uncovered == 0)
        #expect(LotPlan.draw(lots, points: 500).uncovered == 400)
    }

    @Test func documentRoundTripsAndNamesEveryProblem() throws {
        let text = """
            {"min_order_amount": 5.5, "pending_days": 14, "refund_when_spent": "refuse", "timezone": "Europe/Vilnius",
             "expiry": {"policy": "days", "days": 365},
             "rules": [{"id": "weekend", "multiplier": 2, "days_of_week": [6, 7]}, {"id": "coffee", "multiplier": 1.5, "categories": ["coffee"], "time_from": "07:00", "time_to": "11:00"}],
             "activities": [{"key": "review", "points": 20, "cap": {"count": 1, "period": "day"}}, {"key": "referral", "points": 100, "referee_points": 50}],
             "tiers": {"basis": "spend", "levels": [{"name": "Basic", "threshold": 0}, {"name": "VIP", "threshold": 100000, "multiplier": 1.25}], "downgrade": {"mode": "evaluation", "period_days": 365, "grace_days": 30}}}
            """
        let json = try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
        let config = try ProgramConfig.decode(json)
        #expect(config.minOrderMinor == 550 && config.pendingDays == 14 && config.refundWhenSpent == .refuse && config.expiry == .days(365))
        #expect(config.rules.map(\.multiplierPercent) == [200, 150] && config.rules[1].timeFrom == 420)
        #expect(config.tiers.basis == .spend && config.tiers.tiers[1].multiplierPercent == 125)
        let again = try ProgramConfig.decode(try JSONDecoder().decode(JSON.self, from: Data(config.encoded().serializedString().utf8)))
        #expect(again == config)

        let bad =
            #"{"rules": [{"id": "x", "multiplier": "lots"}], "expiry": {"policy": "weekly"}, "tiers": {"levels": [{"name": "A", "threshold": 5}]}, "timezone": "Mars/Base", "colour": 1}"#
        let badJSON = try JSONDecoder().decode(JSON.self, from: Data(bad.utf8))
        do {
            _ = try ProgramConfig.decode(badJSON)
            Issue.record("an invalid document was accepted")
        } catch {
            let paths = Set(error.problems.map(\.0))
            #expect(
                paths.isSuperset(of: ["rules.0.multiplier", "expiry.policy", "tiers.levels.0.threshold", "timezone", "colour"]),
                "\(error.problems)"
            )
        }
    }
}
