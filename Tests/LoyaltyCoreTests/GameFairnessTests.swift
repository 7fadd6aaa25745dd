import LoyaltyCore
import Testing

/// SplitMix64: a seeded generator, so the statistical test below is deterministic.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Game fairness and goals")
struct GameFairnessTests {
    /// 100,000 spins of a wheel with known weights: the counts fit the weights by a
    /// chi-square test at p > 0.001 (critical value 18.467 for 4 degrees of freedom).
    @Test func wheelDrawsFollowTheirWeights() throws {
        let weights: [Int64] = [50, 25, 15, 9, 1]
        let table = try PrizeTable(weights.enumerated().map { Prize(position: $0.offset, kind: .points(10), weight: $0.element) }, chance: true)
        var rng = SeededGenerator(state: 20_261_207)
        var counts = [Int](repeating: 0, count: weights.count)
        let plays = 100_000
        for _ in 0..<plays { counts[table.draw(using: &rng).position] += 1 }
        let total = Double(weights.reduce(0, +))
        func chiSquare(_ counts: [Int]) -> Double {
            zip(counts, weights).reduce(0.0) { sum, pair in
                let expected = Double(plays) * Double(pair.1) / total
                return sum + (Double(pair.0) - expected) * (Double(pair.0) - expected) / expected
            }
        }
        #expect(chiSquare(counts) < 18.467, "chi-square \(chiSquare(counts)) for counts \(counts)")
        // The test can fail: a draw that slightly favours the first slot does.
        #expect(chiSquare([51_500, 24_000, 14_500, 9_000, 1_000]) > 18.467)
    }

    @Test func zeroWeightSlotsAreNeverDrawn() throws {
        let table = try PrizeTable([Prize(position: 0, kind: .nothing, weight: 0), Prize(position: 1, kind: .points(5), weight: 3)], chance: true)
        var rng = SeededGenerator(state: 7)
        for _ in 0..<10_000 { #expect(table.draw(using: &rng).position == 1) }
    }

    @Test func collectionItemsAreDrawnByWeightAndCompleteOnce() {
        let items = [
            CollectionItem(key: "a", name: .init(lt: nil, en: "A"), weight: 1), CollectionItem(key: "b", name: .init(lt: nil, en: "B"), weight: 0),
        ]
        var rng = SeededGenerator(state: 11)
        for _ in 0..<1000 { #expect(CollectionItem.draw(items, using: &rng)?.key == "a") }
        #expect(!CollectionItem.isComplete(items, held: ["a": 3]))
        #expect(CollectionItem.isComplete(items, held: ["a": 1, "b": 1]))
    }

    static let day: Int64 = 86_400_000
    static func at(_ millis: Int64) -> LocalMoment { LocalMoment(epochMillis: millis, timeZone: "UTC") }

    @Test func purchasesInAWindowCompleteOnceThenANewWindowStarts() {
        let goal = ChallengeGoal(metric: .purchases, target: 3, windowDays: 30, minOrderMinor: 500)
        let t0: Int64 = 1_800_000_000_000
        var p = goal.advance(nil, amountMinor: 1000, at: Self.at(t0))!.progress
        #expect(goal.advance(p, amountMinor: 100, at: Self.at(t0 + 1)) == nil, "below the minimum")
        p = goal.advance(p, amountMinor: 1000, at: Self.at(t0 + Self.day))!.progress
        let third = goal.advance(p, amountMinor: 1000, at: Self.at(t0 + 2 * Self.day))!
        #expect(third.completedNow && third.progress.value == 3)
        #expect(goal.advance(third.progress, amountMinor: 1000, at: Self.at(t0 + 3 * Self.day)) == nil, "a completed window pays once")
        let next = goal.advance(third.progress, amountMinor: 1000, at: Self.at(t0 + 31 * Self.day))!
        #expect(next.progress.value == 1 && next.progress.windowStart == t0 + 31 * Self.day)
        // An unfinished window that runs out starts over.
        let stale = goal.advance(ChallengeProgress(windowStart: t0, value: 2), amountMinor: 1000, at: Self.at(t0 + 40 * Self.day))!
        #expect(stale.progress.value == 1 && !stale.completedNow)
    }

    @Test func spendThisMonthCountsMinorUnits() {
        let goal = ChallengeGoal(metric: .spend, target: 10_000, period: .month)
        let jan5: Int64 = 1_799_107_200_000  // 2027-01-05
        var step = goal.advance(nil, amountMinor: 6000, at: Self.at(jan5))!
        #expect(!step.completedNow)
        step = goal.advance(step.progress, amountMinor: 4000, at: Self.at(jan5 + Self.day))!
        #expect(step.completedNow)
        let february = goal.advance(step.progress, amountMinor: 100, at: Self.at(jan5 + 30 * Self.day))!
        #expect(february.progress.value == 100 && !february.completedNow, "a new month is a new window")
    }

    @Test func weeklyStreakNeedsConsecutiveWeeks() {
        let goal = ChallengeGoal(metric: .weeklyStreak, target: 3)
        let monday: Int64 = 1_799_020_800_000  // 2027-01-04, a Monday
        var p = goal.advance(nil, amountMinor: 100, at: Self.at(monday))!.progress
        #expect(goal.advance(p, amountMinor: 100, at: Self.at(monday + 2 * Self.day)) == nil, "one visit per week counts")
        p = goal.advance(p, amountMinor: 100, at: Self.at(monday + 8 * Self.day))!.progress
        #expect(p.value == 2)
        let gap = goal.advance(p, amountMinor: 100, at: Self.at(monday + 22 * Self.day))!
        #expect(gap.progress.value == 1, "a missed week breaks the streak")
        var s = goal.advance(gap.progress, amountMinor: 100, at: Self.at(monday + 29 * Self.day))!
        s = goal.advance(s.progress, amountMinor: 100, at: Self.at(monday + 36 * Self.day))!
        #expect(s.completedNow)
    }
}
