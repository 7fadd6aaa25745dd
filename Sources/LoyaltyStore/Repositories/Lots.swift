import LoyaltyCore
import SQLKit

/// Point lots: every award is a lot with an expiry and an optional maturity, and every
/// deduction draws lots down. Invariants kept by these helpers together with
/// ``LedgerPosting`` (checked by ``LedgerRepository/invariantViolations(partnerID:)``):
/// a card's `balance` == the sum of its lots' `remaining` (a debt is a lot with a
/// negative remaining), and its `pending` == the remaining of lots still maturing.
/// Every function runs inside the caller's write transaction with the card locked
/// (PostgreSQL `FOR UPDATE` or the conditional `UPDATE`; SQLite's single writer).
enum Lots {
    /// A lot's counters (``LotState``: what ``ReversalPlan`` reads).
    typealias Row = LotState

    static let columns = "id, points, remaining, expired, reversed, matures_at, expires_at"

    static func decode(_ r: any SQLRow) throws -> Row {
        Row(
            id: try r.decode(column: "id", as: Int64.self),
            points: try r.decode(column: "points", as: Int64.self),
            remaining: try r.decode(column: "remaining", as: Int64.self),
            expired: try r.decode(column: "expired", as: Int64.self),
            reversed: try r.decode(column: "reversed", as: Int64.self),
            maturesAt: try r.decode(column: "matures_at", as: Int64?.self),
            expiresAt: try r.decode(column: "expires_at", as: Int64?.self)
        )
    }

    /// Opens a lot. `points` < 0 opens a debt (never expires, repaid by later lots).
    static func open(
        _ db: any SQLDatabase,
        partnerID: Int64,
        cardID: Int64,
        transactionID: Int64?,
        source: String,
        points: Int64,
        maturesAt: Int64?,
        expiresAt: Int64?,
        now: Int64
    ) async throws {
        guard points != 0 else { return }
        try await db.raw(
            """
            INSERT INTO point_lots (partner_id, card_id, transaction_id, source, points, remaining, matures_at, expires_at, created_at)
            VALUES (\(bind: partnerID), \(bind: cardID), \(bind: transactionID), \(bind: source), \(bind: points), \(bind: points),
              \(bind: maturesAt), \(bind: expiresAt), \(bind: now))
            """
        ).run()
    }

    /// The card's lots with something left (or owed), oldest first.
    static func openLots(_ db: any SQLDatabase, partnerID: Int64, cardID: Int64) async throws -> [Row] {
        try await db.raw(
            """
            SELECT \(unsafeRaw: columns) FROM point_lots WHERE partner_id = \(bind: partnerID) AND card_id = \(bind: cardID) AND remaining <> 0
              ORDER BY id
            """
        ).all().map(decode)
    }

    /// Applies `remaining -= take` (and `reversed += take` when `reversal`) per lot.
    static func apply(_ db: any SQLDatabase, partnerID: Int64, draws: [(id: Int64, take: Int64)], reversal: Bool = false) async throws {
        try await update(db, partnerID: partnerID, draws: draws, remaining: true, reversed: reversal)
    }

    /// Counts spent points of the order's lots as reversed (`reversed += take`).
    static func markReversed(_ db: any SQLDatabase, partnerID: Int64, marks: [(id: Int64, take: Int64)]) async throws {
        try await update(db, partnerID: partnerID, draws: marks, remaining: false, reversed: true)
    }

    static func update(_ db: any SQLDatabase, partnerID: Int64, draws: [(id: Int64, take: Int64)], remaining: Bool, reversed: Bool) async throws {
        for chunk in stride(from: 0, to: draws.count, by: 200).map({ draws[$0..<min($0 + 200, draws.count)] }) {
            func amounts() -> SQLQueryString {
                var caseSQL: SQLQueryString = "CASE id"
                for d in chunk { caseSQL += " WHEN \(bind: d.id) THEN \(bind: d.take)" }
                return caseSQL + " ELSE 0 END"
            }
            var sets: [SQLQueryString] = []
            if remaining { sets.append("remaining = remaining - \(amounts())") }
            if reversed { sets.append("reversed = reversed + \(amounts())") }
            guard !sets.isEmpty else { return }
            var sql: SQLQueryString = "UPDATE point_lots SET \(sets[0])"
            if sets.count > 1 { sql += ", \(sets[1])" }
            sql += " WHERE partner_id = \(bind: partnerID) AND id IN (\(unsafeRaw: chunk.map { String($0.id) }.joined(separator: ", ")))"
            try await db.raw(sql).run()
        }
    }

    /// Spends `points` from the card's matured lots, earliest expiry first; returns what
    /// the lots could not cover. Repays any debt first (see ``settleDebt``).
    @discardableResult
    static func draw(
        _ db: any SQLDatabase,
        partnerID: Int64,
        cardID: Int64,
        points: Int64,
        excluding: Set<Int64> = []
    ) async throws -> (draws: [Draw], uncovered: Int64) {
        guard points > 0 else { return ([], 0) }
        var lots = try await openLots(db, partnerID: partnerID, cardID: cardID)
        lots = try await settleDebt(db, partnerID: partnerID, lots: lots)
        let usable = lots.filter { $0.maturesAt == nil && !excluding.contains($0.id) }.map {
            LotBalance(id: $0.id, remaining: $0.remaining, expiresAt: $0.expiresAt)
        }
        let plan = LotPlan.draw(usable, points: points)
        try await apply(db, partnerID: partnerID, draws: plan.draws)
        let expiries = Dictionary(uniqueKeysWithValues: usable.map { ($0.id, $0.expiresAt) })
        return (plan.draws.map { Draw(id: $0.id, take: $0.take, expiresAt: expiries[$0.id] ?? nil) }, plan.uncovered)
    }

    /// Points taken from one lot, with that lot's expiry (a transfer keeps it).
    struct Draw: Sendable {
        var id: Int64
        var take: Int64
        var expiresAt: Int64?
    }

    /// Repays debt lots (negative remaining) from matured positive lots, earliest expiry
    /// first. Moves no points in or out of the card, so writes no ledger entry.
    static func settleDebt(_ db: any SQLDatabase, partnerID: Int64, lots: [Row]) async throws -> [Row] {
        let debt = -lots.filter { $0.remaining < 0 }.reduce(0) { $0 + $1.remaining }
        guard debt > 0 else { return lots }
        let usable = lots.filter { $0.remaining > 0 && $0.maturesAt == nil }.map {
            LotBalance(id: $0.id, remaining: $0.remaining, expiresAt: $0.expiresAt)
        }
        let plan = LotPlan.draw(usable, points: debt)
        let repaid = debt - plan.uncovered
        guard repaid > 0 else { return lots }
        var repayments: [(id: Int64, take: Int64)] = []
        var left = repaid
        for lot in lots where lot.remaining < 0 && left > 0 {
            let give = min(-lot.remaining, left)
            repayments.append((lot.id, -give))
            left -= give
        }
        try await apply(db, partnerID: partnerID, draws: plan.draws + repayments)
        let delta = Dictionary(uniqueKeysWithValues: (plan.draws + repayments).map { ($0.id, $0.take) })
        return lots.map {
            var l = $0
            l.remaining -= delta[l.id] ?? 0
            return l
        }
    }

    /// Shrinks the card's holds to what is spendable after a deduction that may go into
    /// them (a refund taking back the order's own points, a debt): a hold never exceeds
    /// `balance - pending`, and never goes below zero.
    static func clampHolds(_ db: any SQLDatabase, partnerID: Int64, cardID: Int64) async throws {
        try await db.raw(
            """
            UPDATE loyalty_cards SET reserved = CASE WHEN balance - pending > 0 THEN balance - pending ELSE 0 END
            WHERE partner_id = \(bind: partnerID) AND id = \(bind: cardID) AND reserved > 0 AND reserved > balance - pending
            """
        ).run()
    }

    /// Ends the return window of the card's lots whose maturity has passed.
    static func mature(_ db: any SQLDatabase, partnerID: Int64, cardID: Int64, now: Int64) async throws {
        try await db.raw(
            """
            UPDATE point_lots SET matures_at = NULL WHERE partner_id = \(bind: partnerID) AND card_id = \(bind: cardID) AND matures_at IS NOT NULL
              AND matures_at <= \(bind: now)
            """
        ).run()
    }

    /// ``refreshCard(_:partnerID:cardID:spendDelta:)`` for many cards, returning nothing.
    static func refreshCards(_ db: any SQLDatabase, ids: [Int64]) async throws {
        for chunk in stride(from: 0, to: ids.count, by: 1000).map({ ids[$0..<min($0 + 1000, ids.count)] }) {
            try await db.raw(
                "UPDATE loyalty_cards SET \(unsafeRaw: summary) WHERE id IN (\(unsafeRaw: chunk.map(String.init).joined(separator: ", ")))"
            ).run()
        }
    }

    static let summary = """
        pending = (SELECT COALESCE(SUM(l.remaining), 0) FROM point_lots l WHERE l.partner_id = loyalty_cards.partner_id AND l.card_id =
          loyalty_cards.id AND l.remaining > 0 AND l.matures_at IS NOT NULL),
        next_expiry_at = (SELECT MIN(l.expires_at) FROM point_lots l WHERE l.partner_id = loyalty_cards.partner_id AND l.card_id = loyalty_cards.id
          AND l.remaining > 0),
        next_expiry_points = (SELECT COALESCE(SUM(l.remaining), 0) FROM point_lots l WHERE l.partner_id = loyalty_cards.partner_id AND l.card_id =
          loyalty_cards.id AND l.remaining > 0
          AND l.expires_at = (SELECT MIN(l2.expires_at) FROM point_lots l2 WHERE l2.partner_id = loyalty_cards.partner_id AND l2.card_id =
            loyalty_cards.id AND l2.remaining > 0))
        """

    /// Recomputes the card's lot summary (`pending`, next expiry) from its lots and
    /// returns the card.
    static func refreshCard(_ db: any SQLDatabase, partnerID: Int64, cardID: Int64, spendDelta: Int64 = 0) async throws -> LoyaltyCard {
        let row = try await db.raw(
            """
            UPDATE loyalty_cards SET lifetime_spend_minor = lifetime_spend_minor + \(bind: spendDelta), \(unsafeRaw: summary)
            WHERE partner_id = \(bind: partnerID) AND id = \(bind: cardID)
            RETURNING \(unsafeRaw: Rows.cardColumns)
            """
        ).first()
        return try Rows.card(try row.required("the returned row"))
    }
}
