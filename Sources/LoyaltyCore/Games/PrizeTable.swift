/// What one slot of a game pays.
public enum PrizeKind: Sendable, Equatable {
    /// Points through the ledger.
    case points(Int64)
    /// A coupon of this (hidden) offer.
    case coupon(offerID: Int64)
    /// The "no prize" slot.
    case nothing
}

/// One slot of a prize table: a wheel segment, a scratch or slot outcome, or a quiz
/// score threshold.
public struct Prize: Sendable, Equatable {
    public var position: Int
    public var kind: PrizeKind
    /// Relative chance in a chance game (0 = never drawn).
    public var weight: Int64
    /// Quiz: the least score that earns this prize.
    public var minScore: Int64?
    public var label: LocalizedText

    public init(position: Int, kind: PrizeKind, weight: Int64 = 0, minScore: Int64? = nil, label: LocalizedText = LocalizedText(lt: nil, en: nil)) {
        self.position = position
        self.kind = kind
        self.weight = weight
        self.minScore = minScore
        self.label = label
    }
}

/// Why a prize table is refused.
public enum PrizeTableProblem: Error, Equatable, Sendable {
    case empty
    case tooManySlots(max: Int)
    case negativeWeight(position: Int)
    case nonPositivePoints(position: Int)
    case allWeightsZero
    case totalWeightTooLarge
}

/// A game's prizes, and the draw that picks one.
///
/// The draw is the server's alone: it runs when a session starts, with the system's
/// CSPRNG, and its result is committed to before the member plays (see the session's
/// commitment), so neither the client nor a later change of the table can alter it.
public struct PrizeTable: Sendable, Equatable {
    public static let maxSlots = 64
    /// Keeps the weights' sum far from overflow.
    public static let maxTotalWeight: Int64 = 1 << 40

    public let prizes: [Prize]

    /// Checks the table; `chance` also requires some slot with a positive weight.
    public init(_ prizes: [Prize], chance: Bool) throws(PrizeTableProblem) {
        guard !prizes.isEmpty else { throw .empty }
        guard prizes.count <= Self.maxSlots else { throw .tooManySlots(max: Self.maxSlots) }
        var total: Int64 = 0
        for p in prizes {
            guard p.weight >= 0 else { throw .negativeWeight(position: p.position) }
            if case let .points(n) = p.kind, n <= 0 { throw .nonPositivePoints(position: p.position) }
            total += p.weight
            guard total <= Self.maxTotalWeight else { throw .totalWeightTooLarge }
        }
        if chance && total == 0 { throw .allWeightsZero }
        self.prizes = prizes.sorted { $0.position < $1.position }
    }

    public var totalWeight: Int64 { prizes.reduce(0) { $0 + $1.weight } }

    /// A slot drawn with probability weight / total weight: a uniform integer below the
    /// total (no modulo bias: `next(upperBound:)` rejects the biased range) picks the slot
    /// whose cumulative range holds it.
    public func draw<R: RandomNumberGenerator>(using rng: inout R) -> Prize {
        let total = UInt64(totalWeight)
        precondition(total > 0, "a chance table has a positive total weight (checked at init)")
        var ticket = Int64(rng.next(upperBound: total))
        for p in prizes {
            if ticket < p.weight { return p }
            ticket -= p.weight
        }
        return prizes[prizes.count - 1]  // unreachable: the tickets are below the total
    }

    /// ``draw(using:)`` with the system's CSPRNG.
    public func draw() -> Prize {
        var rng = SystemRandomNumberGenerator()
        return draw(using: &rng)
    }

    /// Quiz: the best prize whose threshold `score` reaches, if any.
    public func prize(forScore score: Int64) -> Prize? {
        prizes.filter { ($0.minScore ?? .max) <= score }.max { ($0.minScore ?? 0) < ($1.minScore ?? 0) }
    }
}
