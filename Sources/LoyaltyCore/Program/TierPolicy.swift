/// Tiers: names, thresholds on a basis, an earning multiplier each, and the downgrade rule.
public struct TierPolicy: Sendable, Hashable {
    public enum Basis: String, Sendable, Hashable, CaseIterable {
        /// Points ever earned (net of reversals).
        case lifetimePoints = "lifetime_points"
        /// Points earned in the last `windowDays` days.
        case rollingPoints = "rolling_points"
        /// Money ever spent (minor units, net of refunds).
        case spend
    }

    public enum Downgrade: Sendable, Hashable {
        /// A tier once reached is kept.
        case never
        /// A customer below their tier keeps it for `periodDays` after reaching it, then
        /// for `graceDays` more; still below at the end of grace, they move down.
        case evaluation(periodDays: Int64, graceDays: Int64)
    }

    public struct Tier: Sendable, Hashable {
        public var name: String
        /// Basis value from which the tier applies.
        public var threshold: Int64
        /// Earning multiplier in percent (125 = x1.25).
        public var multiplierPercent: Int64

        public init(name: String, threshold: Int64, multiplierPercent: Int64 = 100) {
            self.name = name
            self.threshold = threshold
            self.multiplierPercent = multiplierPercent
        }
    }

    public var enabled: Bool
    public var basis: Basis
    public var windowDays: Int64
    /// Ascending thresholds; the first starts at 0.
    public var tiers: [Tier]
    public var downgrade: Downgrade

    public init(enabled: Bool = true, basis: Basis = .lifetimePoints, windowDays: Int64 = 365, tiers: [Tier], downgrade: Downgrade = .never) {
        self.enabled = enabled
        self.basis = basis
        self.windowDays = windowDays
        self.tiers = tiers
        self.downgrade = downgrade
    }

    /// Bronze, Silver, Gold, Platinum on lifetime points, never downgraded; multipliers
    /// are x1 so the wire formula holds until a partner configures benefits.
    public static let standard = TierPolicy(tiers: [
        Tier(name: "Bronze", threshold: 0), Tier(name: "Silver", threshold: 1_000),
        Tier(name: "Gold", threshold: 5_000), Tier(name: "Platinum", threshold: 15_000),
    ])

    public func tier(named name: String?) -> Tier? {
        guard let name else { return nil }
        return tiers.first { $0.name.lowercased() == name.lowercased() }
    }

    public func index(of name: String?) -> Int? {
        guard let name else { return nil }
        return tiers.firstIndex { $0.name.lowercased() == name.lowercased() }
    }

    /// The highest tier whose threshold `value` reaches.
    public func qualifiedIndex(for value: Int64) -> Int? {
        tiers.lastIndex { value >= $0.threshold }
    }

    /// Progress towards the next tier: (next tier, basis still needed), or `nil` at the top.
    public func next(after value: Int64) -> (tier: Tier, needed: Int64)? {
        guard let t = tiers.first(where: { $0.threshold > value }) else { return nil }
        return (t, t.threshold - value)
    }
}

/// The tier a card should hold now, and why: the pure decision behind every tier change.
public enum TierDecision {
    public struct State: Sendable, Hashable {
        public var tier: String?
        public var since: Int64?
        public var graceUntil: Int64?
        public var override: String?
        public var overrideUntil: Int64?

        public init(tier: String?, since: Int64?, graceUntil: Int64?, override: String?, overrideUntil: Int64?) {
            self.tier = tier
            self.since = since
            self.graceUntil = graceUntil
            self.override = override
            self.overrideUntil = overrideUntil
        }
    }

    public struct Outcome: Sendable, Hashable {
        public var state: State
        /// Set when the effective tier changed.
        public var reason: String?
    }

    /// The effective tier: a live manual override wins over the computed tier.
    public static func effective(_ s: State, now: Int64) -> String? {
        if let o = s.override, (s.overrideUntil ?? Int64.max) > now { return o }
        return s.tier
    }

    /// The effective tier's name, the first tier when none is stored.
    public static func effectiveName(_ policy: TierPolicy, _ s: State, now: Int64) -> String? {
        guard policy.enabled else { return nil }
        return effective(s, now: now) ?? policy.tiers.first?.name
    }

    /// Applies qualification (`basisValue`) and the downgrade rule to `state` at `now`.
    public static func evaluate(_ policy: TierPolicy, state: State, basisValue: Int64, now: Int64) -> Outcome {
        var s = state
        // What the customer was last shown: a lapsed override still counts until cleared here.
        let before = state.override ?? state.tier
        var reason: String?
        if s.override != nil, let until = s.overrideUntil, until <= now {
            s.override = nil
            s.overrideUntil = nil
            reason = "override_expired"
        }
        guard policy.enabled, let qualified = policy.qualifiedIndex(for: basisValue) else {
            return Outcome(
                state: s,
                reason: (effective(s, now: now) ?? policy.tiers.first?.name) == (before ?? policy.tiers.first?.name) ? nil : reason
            )
        }
        // No stored tier means the first one: nothing is written until a card moves up.
        let current = policy.index(of: s.tier) ?? 0
        if qualified >= current {
            if qualified != current || (s.tier != nil && policy.index(of: s.tier) == nil) {
                reason = "upgrade"
                s.tier = policy.tiers[qualified].name
                s.since = now
            }
            s.graceUntil = nil
        } else if case let .evaluation(periodDays, graceDays) = policy.downgrade {
            let periodEnd = (s.since ?? now) + periodDays * 86_400_000
            if now >= periodEnd {
                let graceUntil = s.graceUntil ?? now + graceDays * 86_400_000
                s.graceUntil = graceUntil
                if now >= graceUntil {
                    s.tier = policy.tiers[qualified].name
                    s.since = now
                    s.graceUntil = nil
                    reason = "downgrade"
                }
            }
        }
        let first = policy.tiers.first?.name
        return Outcome(state: s, reason: (effective(s, now: now) ?? first) == (before ?? first) ? nil : (reason ?? "evaluation"))
    }
}
