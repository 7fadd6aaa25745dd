/// A stamp card's rules (the `stamp_settings` of a `stamps` game).
public struct StampRules: Sendable, Equatable {
    /// Stamps that complete the card.
    public var stampsRequired: Int64
    /// Most stamps one visit (one call) may add; nil = no limit.
    public var perVisitLimit: Int64?
    /// Most stamps one card may collect in one local day; nil = no limit.
    public var perDayLimit: Int64?
    /// A completed card starts its next round at once (stamps beyond the threshold carry
    /// over); otherwise it stays completed until restarted.
    public var resetOnComplete: Bool

    public init(stampsRequired: Int64, perVisitLimit: Int64? = nil, perDayLimit: Int64? = nil, resetOnComplete: Bool = true) {
        self.stampsRequired = stampsRequired
        self.perVisitLimit = perVisitLimit
        self.perDayLimit = perDayLimit
        self.resetOnComplete = resetOnComplete
    }
}

/// Why stamps are refused.
public enum StampRefusal: Error, Equatable, Sendable {
    case nonPositive
    case overVisitLimit(limit: Int64)
    case overDayLimit(limit: Int64, alreadyToday: Int64)
    /// The card is completed and does not restart by itself.
    case cardCompleted
}

/// What adding stamps does to a card: pure, so the repository only applies it inside
/// the card's locked transaction.
public struct StampPlan: Sendable, Equatable {
    /// The card's round and step after the stamps.
    public var round: Int64
    public var step: Int64
    /// Rounds completed by these stamps (each earns the reward once).
    public var completedRounds: [Int64]
    /// The card ends completed and waiting for a restart.
    public var completedAndWaiting: Bool

    public init(round: Int64, step: Int64, completedRounds: [Int64], completedAndWaiting: Bool) {
        self.round = round
        self.step = step
        self.completedRounds = completedRounds
        self.completedAndWaiting = completedAndWaiting
    }

    /// Adds `count` stamps to a card at `round`/`step` (`completed`: the round is already
    /// complete), of which `today` were added earlier in the same local day.
    public static func add(
        _ count: Int64,
        rules: StampRules,
        round: Int64,
        step: Int64,
        completed: Bool,
        today: Int64
    ) throws(StampRefusal) -> StampPlan {
        guard count > 0 else { throw .nonPositive }
        if let limit = rules.perVisitLimit, count > limit { throw .overVisitLimit(limit: limit) }
        if let limit = rules.perDayLimit, today + count > limit { throw .overDayLimit(limit: limit, alreadyToday: today) }
        guard !completed else { throw .cardCompleted }
        var plan = StampPlan(round: round, step: step, completedRounds: [], completedAndWaiting: false)
        var left = count
        while left > 0 {
            let room = rules.stampsRequired - plan.step
            let take = min(room, left)
            plan.step += take
            left -= take
            guard plan.step >= rules.stampsRequired else { break }
            plan.completedRounds.append(plan.round)
            if rules.resetOnComplete {
                plan.round += 1
                plan.step = 0
            } else {
                // Stamps beyond the threshold of a card that waits for a restart are not kept.
                plan.completedAndWaiting = true
                break
            }
        }
        return plan
    }
}
