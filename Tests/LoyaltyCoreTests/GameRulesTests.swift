import LoyaltyCore
import Testing

@Suite("Game rules: types, prize tables, stamp cards")
struct GameRulesTests {
    @Test func bothTypeVocabulariesParse() {
        #expect(GameType(parsing: "wheel_of_fortune") == .wheel && GameType(parsing: "Wheel") == .wheel)
        #expect(GameType(parsing: "scratch_card") == .scratch && GameType(parsing: "slot_machine") == .slot)
        #expect(GameType(parsing: "stamps") == .stamps && GameType(parsing: "roulette") == nil)
        #expect(GameType.wheel.sdkName == "wheel_of_fortune" && GameType.wheel.shopName == "wheel")
        #expect(GameType.allCases.filter(\.isChance) == [.wheel, .scratch, .slot])
    }

    @Test func badTablesAreRefusedByReason() {
        #expect(throws: PrizeTableProblem.empty) { try PrizeTable([], chance: true) }
        #expect(throws: PrizeTableProblem.negativeWeight(position: 1)) {
            try PrizeTable([Prize(position: 1, kind: .nothing, weight: -1)], chance: true)
        }
        #expect(throws: PrizeTableProblem.nonPositivePoints(position: 2)) {
            try PrizeTable([Prize(position: 2, kind: .points(0), weight: 1)], chance: true)
        }
        #expect(throws: PrizeTableProblem.allWeightsZero) { try PrizeTable([Prize(position: 1, kind: .nothing)], chance: true) }
        #expect(throws: PrizeTableProblem.tooManySlots(max: 64)) {
            try PrizeTable((0..<65).map { Prize(position: $0, kind: .nothing, weight: 1) }, chance: true)
        }
        #expect(throws: PrizeTableProblem.totalWeightTooLarge) {
            try PrizeTable([Prize(position: 1, kind: .nothing, weight: 1 << 40), Prize(position: 2, kind: .nothing, weight: 1)], chance: true)
        }
        #expect((try? PrizeTable([Prize(position: 1, kind: .nothing)], chance: false)) != nil, "a quiz table needs no weights")
    }

    /// A deterministic generator, so the draw's mapping from tickets to slots is checked exactly.
    struct Counter: RandomNumberGenerator {
        var value: UInt64 = 0
        mutating func next() -> UInt64 {
            defer { value &+= 0x9E37_79B9_7F4A_7C15 }
            return value
        }
    }

    @Test func drawsFollowTheWeightsAndNeverPickAZeroWeightSlot() throws {
        let table = try PrizeTable(
            [
                Prize(position: 1, kind: .points(10), weight: 6),
                Prize(position: 2, kind: .coupon(offerID: 9), weight: 3),
                Prize(position: 3, kind: .nothing, weight: 1),
                Prize(position: 4, kind: .points(1000), weight: 0),
            ],
            chance: true
        )
        var rng = Counter()
        var counts: [Int: Int] = [:]
        let n = 100_000
        for _ in 0..<n { counts[table.draw(using: &rng).position, default: 0] += 1 }
        #expect(counts[4] == nil, "weight 0 is never drawn")
        // Expected 60% / 30% / 10%; 100,000 draws put 3 standard deviations under 0.5 points.
        #expect(abs(Double(counts[1] ?? 0) / Double(n) - 0.6) < 0.01)
        #expect(abs(Double(counts[2] ?? 0) / Double(n) - 0.3) < 0.01)
        #expect(abs(Double(counts[3] ?? 0) / Double(n) - 0.1) < 0.01)
        var seen = Set<Int>()
        for _ in 0..<2000 { seen.insert(table.draw().position) }
        #expect(seen == [1, 2, 3], "the system generator reaches every weighted slot and only those")
    }

    @Test func aQuizScoreEarnsTheBestThresholdItReaches() throws {
        let table = try PrizeTable(
            [
                Prize(position: 1, kind: .points(5), minScore: 3),
                Prize(position: 2, kind: .points(20), minScore: 8),
                Prize(position: 3, kind: .coupon(offerID: 4), minScore: 10),
            ],
            chance: false
        )
        #expect(table.prize(forScore: 2) == nil)
        #expect(table.prize(forScore: 3)?.position == 1)
        #expect(table.prize(forScore: 9)?.position == 2)
        #expect(table.prize(forScore: 12)?.position == 3)
    }

    @Test func stampsCompleteAtTheThresholdAndCarryOver() throws {
        let rules = StampRules(stampsRequired: 5, perVisitLimit: 3, perDayLimit: 4)
        let first = try StampPlan.add(3, rules: rules, round: 1, step: 3, completed: false, today: 0)
        #expect(first == StampPlan(round: 2, step: 1, completedRounds: [1], completedAndWaiting: false))
        let exact = try StampPlan.add(2, rules: rules, round: 1, step: 3, completed: false, today: 0)
        #expect(exact.completedRounds == [1] && exact.round == 2 && exact.step == 0)
        let short = try StampPlan.add(1, rules: rules, round: 1, step: 0, completed: false, today: 0)
        #expect(short.completedRounds.isEmpty && short.step == 1)
        let waiting = try StampPlan.add(
            3,
            rules: StampRules(stampsRequired: 5, resetOnComplete: false),
            round: 1,
            step: 4,
            completed: false,
            today: 0
        )
        #expect(waiting == StampPlan(round: 1, step: 5, completedRounds: [1], completedAndWaiting: true))
        let many = try StampPlan.add(7, rules: StampRules(stampsRequired: 3), round: 4, step: 2, completed: false, today: 0)
        #expect(many == StampPlan(round: 7, step: 0, completedRounds: [4, 5, 6], completedAndWaiting: false), "2 + 7 stamps on cards of 3")
    }

    @Test func limitsAndCompletedCardsRefuseStamps() {
        let rules = StampRules(stampsRequired: 5, perVisitLimit: 3, perDayLimit: 4)
        #expect(throws: StampRefusal.nonPositive) { try StampPlan.add(0, rules: rules, round: 1, step: 0, completed: false, today: 0) }
        #expect(throws: StampRefusal.overVisitLimit(limit: 3)) { try StampPlan.add(4, rules: rules, round: 1, step: 0, completed: false, today: 0) }
        #expect(throws: StampRefusal.overDayLimit(limit: 4, alreadyToday: 3)) {
            try StampPlan.add(2, rules: rules, round: 1, step: 0, completed: false, today: 3)
        }
        #expect(throws: StampRefusal.cardCompleted) {
            try StampPlan.add(1, rules: StampRules(stampsRequired: 5, resetOnComplete: false), round: 1, step: 5, completed: true, today: 0)
        }
    }
}

@Suite("Game play limits and prize budgets")
struct GameLimitTests {
    @Test func limitsRefuseInOrderOfMeaning() {
        let limits = PlayLimits(startsAt: 1_000, endsAt: 2_000, dailyLimit: 3, totalLimit: 10)
        #expect(limits.refusal(at: 1_500, playsToday: 0, playsTotal: 0) == nil)
        #expect(limits.refusal(at: 999, playsToday: 0, playsTotal: 0) == .notStarted)
        #expect(limits.refusal(at: 2_000, playsToday: 0, playsTotal: 0) == .ended)
        #expect(limits.refusal(at: 1_500, playsToday: 3, playsTotal: 3) == .dailyLimitReached(limit: 3))
        #expect(limits.refusal(at: 1_500, playsToday: 3, playsTotal: 10) == .totalLimitReached(limit: 10))
        #expect(PlayLimits(isActive: false).refusal(at: 0, playsToday: 0, playsTotal: 0) == .inactive)
    }

    @Test func aPrizeOverTheBudgetBecomesNoPrize() {
        let budget = PrizeBudget(period: .day, points: 100, coupons: 2)
        let fifty = Prize(position: 1, kind: .points(50), weight: 1)
        let coupon = Prize(position: 2, kind: .coupon(offerID: 3), weight: 1)
        #expect(budget.settle(fifty, pointsUsed: 50, couponsUsed: 0) == fifty, "exactly at the cap")
        #expect(budget.settle(fifty, pointsUsed: 51, couponsUsed: 0).kind == .nothing)
        #expect(budget.settle(coupon, pointsUsed: 0, couponsUsed: 1) == coupon)
        #expect(budget.settle(coupon, pointsUsed: 0, couponsUsed: 2).kind == .nothing)
        #expect(PrizeBudget(period: .ever).settle(fifty, pointsUsed: 1 << 40, couponsUsed: 0) == fifty, "no cap")
    }
}

@Suite("Game session keys")
struct GameSessionKeyTests {
    @Test func keysAreLongRandomAndChecked() {
        var seen = Set<String>()
        for _ in 0..<1000 {
            let key = GameSessionKey.generate()
            #expect(GameSessionKey.isWellFormed(key) && key.count == 45)
            seen.insert(key)
        }
        #expect(seen.count == 1000)
        #expect(!GameSessionKey.isWellFormed("game_session_" + String(repeating: "g", count: 32)))
        #expect(!GameSessionKey.isWellFormed("game_session_abc"))
        #expect(!GameSessionKey.isWellFormed("session_" + String(repeating: "a", count: 32)))
        #expect(!GameSessionKey.isWellFormed("game_session_" + String(repeating: "A", count: 32)), "lower case only")
    }
}
