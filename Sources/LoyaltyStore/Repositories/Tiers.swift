import LoyaltyCore
import LoyaltyModels
import PostgresKit
import SQLKit

/// Applies ``TierDecision`` to a card inside the caller's write transaction: stores
/// the new tier state, records each change with its reason in `tier_changes` and emits
/// `tier.changed` through the outbox.
enum Tiers {
    /// The value the programme's tiers are measured on, for this card now.
    static func basisValue(_ db: any SQLDatabase, card: LoyaltyCard, policy: TierPolicy, now: Int64) async throws -> Int64 {
        switch policy.basis {
        case .lifetimePoints: return card.lifetimeEarned
        case .spend: return card.lifetimeSpendMinor
        case .rollingPoints:
            let since = now - policy.windowDays * 86_400_000
            let row = try await db.raw(
                """
                SELECT CAST(COALESCE(SUM(points - reversed), 0) AS BIGINT) AS v FROM point_lots
                WHERE partner_id = \(bind: card.partnerID) AND card_id = \(bind: card.id) AND created_at >= \(bind: since) AND points > 0
                  AND source IN ('earned', 'bonus', 'activity')
                """
            ).first()
            return try row?.decode(column: "v", as: Int64.self) ?? 0
        }
    }

    /// Whether an award just written on the fast path may have moved the card's tier
    /// (upgrades only: awards never lower a basis), so it is worth a locked evaluation.
    static func mayChange(_ card: LoyaltyCard, policy: TierPolicy, now: Int64) -> Bool {
        if let until = card.tierOverrideUntil, until <= now { return true }
        guard policy.enabled else { return false }
        let current = policy.index(of: card.tier) ?? 0
        let ceiling = policy.basis == .spend ? card.lifetimeSpendMinor : card.lifetimeEarned
        return (policy.qualifiedIndex(for: ceiling) ?? 0) > current
    }

    /// The common upgrade after a fast-path award, as ONE statement instead of a locked
    /// transaction of five (measured: the evaluation transactions were ~10% of server
    /// CPU in an award benchmark whose cards crossed thresholds). Applies only to the
    /// lifetime-points and spend bases without a manual override; the update is
    /// conditional on the tier the caller saw, so a concurrent change wins and this one
    /// is skipped (the next award re-checks). Returns the new state, or `nil` when the
    /// locked evaluation must decide.
    static func upgradeInOneStatement(
        _ database: any DatabaseClient,
        card: LoyaltyCard,
        program: ProgramConfig,
        now: Int64
    ) async throws -> TierDecision.State? {
        let policy = program.tiers
        guard policy.enabled, policy.basis != .rollingPoints, card.tierOverride == nil else { return nil }
        let value = policy.basis == .spend ? card.lifetimeSpendMinor : card.lifetimeEarned
        let outcome = TierDecision.evaluate(policy, state: card.tierState, basisValue: value, now: now)
        guard outcome.reason == "upgrade", let to = outcome.state.tier else { return nil }
        let from = card.tier ?? policy.tiers.first?.name
        let payload = Outbox.payload(
            partnerID: card.partnerID,
            type: "tier.changed",
            data: changedEvent(card, from: from, to: to, reason: "upgrade", actor: nil, overrideUntil: nil)
        )
        // One statement on an autocommit connection: atomic without BEGIN/COMMIT.
        let written = try await database.read { db in
            try await db.raw(
                """
                WITH upd AS (
                  UPDATE loyalty_cards SET tier = \(bind: to), tier_since = \(bind: now), tier_grace_until = NULL, updated_at = \(bind: now)
                  WHERE partner_id = \(bind: card.partnerID) AND id = \(bind: card.id) AND tier IS NOT DISTINCT FROM CAST(\(bind: card.tier) AS
                    TEXT) AND tier_override IS NULL
                  RETURNING id, customer_id
                ), ch AS (
                  INSERT INTO tier_changes (partner_id, card_id, customer_id, from_tier, to_tier, reason, actor, created_at)
                  SELECT \(bind: card.partnerID), id, customer_id, \(bind: from), \(bind: to), 'upgrade', NULL, \(bind: now) FROM upd
                ), ob AS (
                  INSERT INTO outbox (partner_id, event_type, payload, created_at) SELECT \(bind: card.partnerID), 'tier.changed',
                    \(bind: payload), \(bind: now) FROM upd
                )
                SELECT id FROM upd
                """
            ).first()
        }
        return written == nil ? card.tierState : outcome.state
    }

    @discardableResult
    static func evaluate(
        _ db: any SQLDatabase,
        card: LoyaltyCard,
        program: ProgramConfig,
        now: Int64,
        actor: String? = nil,
        forcedReason: String? = nil
    ) async throws -> LoyaltyCard {
        guard program.tiers.enabled || card.tierOverride != nil else { return card }
        let value = try await basisValue(db, card: card, policy: program.tiers, now: now)
        let outcome = TierDecision.evaluate(program.tiers, state: card.tierState, basisValue: value, now: now)
        return try await store(db, card: card, state: outcome.state, reason: forcedReason ?? outcome.reason, program: program, now: now, actor: actor)
    }

    /// Writes `state` and, when the effective tier changed, the change record and event.
    static func store(
        _ db: any SQLDatabase,
        card: LoyaltyCard,
        state: TierDecision.State,
        reason: String?,
        program: ProgramConfig,
        now: Int64,
        actor: String?
    ) async throws -> LoyaltyCard {
        var updated = card
        if state != card.tierState {
            updated.tierState = state
            try await db.raw(
                """
                UPDATE loyalty_cards SET tier = \(bind: state.tier), tier_since = \(bind: state.since), tier_grace_until = \(bind: state.graceUntil),
                  tier_override = \(bind: state.override), tier_override_until = \(bind: state.overrideUntil), updated_at = \(bind: now)
                WHERE partner_id = \(bind: card.partnerID) AND id = \(bind: card.id)
                """
            ).run()
        }
        let before = card.tierOverride ?? card.tier ?? (program.tiers.enabled ? program.tiers.tiers.first?.name : nil)
        let after = TierDecision.effectiveName(program.tiers, state, now: now) ?? state.override
        guard let reason, before != after else { return updated }
        try await db.raw(
            """
            INSERT INTO tier_changes (partner_id, card_id, customer_id, from_tier, to_tier, reason, actor, created_at)
            VALUES (\(bind: card.partnerID), \(bind: card.id), \(bind: card.customerID), \(bind: before), \(bind: after), \(bind: reason),
              \(bind: actor), \(bind: now))
            """
        ).run()
        try await Outbox.append(
            db,
            partnerID: card.partnerID,
            type: "tier.changed",
            data: changedEvent(card, from: before, to: after, reason: reason, actor: actor, overrideUntil: state.overrideUntil),
            now: now
        )
        return updated
    }

    /// The `tier.changed` event's data.
    static func changedEvent(_ card: LoyaltyCard, from: String?, to: String?, reason: String, actor: String?, overrideUntil: Int64?) -> JSON {
        .object([
            ("user_id", .int(card.customerID)), ("loyalty_card_id", .int(card.id)), ("from_tier", .optional(from)), ("to_tier", .optional(to)),
            ("reason", .string(reason)), ("actor", .optional(actor)), ("override_until", .optional(overrideUntil)),
        ])
    }
}
