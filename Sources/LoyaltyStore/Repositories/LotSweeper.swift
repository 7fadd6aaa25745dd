import Foundation
import Logging
import LoyaltyCore
import LoyaltyModels
import SQLKit
import Synchronization

/// What one sweep did (or, for a dry run, would do).
public struct SweepReport: Sendable, Equatable {
    public var cards = 0
    public var lots = 0
    public var points: Int64 = 0
    public var batches = 0

    public init() {}
}

/// Due lots per partner, as `loyalty expire --dry-run` lists them.
public struct ExpiryPreview: Sendable, Equatable {
    public var partnerID: Int64
    public var cards: Int
    public var lots: Int
    public var points: Int64
}

/// The background work on lots and tiers: matures pending lots, expires lapsed ones
/// (one `expired` ledger entry and `points.expired` event per card), and runs tier
/// downgrades and override expiry.
///
/// Set-based and batched: each batch is one write transaction over up to
/// `batchCards` cards, so awards interleave with a long expiry. Safe with several
/// nodes: on PostgreSQL each batch locks its cards with `FOR UPDATE SKIP LOCKED` and
/// re-checks the lots under the lock, so two sweepers never expire one lot twice; on
/// SQLite the single writer orders everything. Re-running is harmless: an expired
/// lot has nothing left.
public final class LotSweeper: Sendable {
    let database: any DatabaseClient
    let ledger: any LedgerRepository
    let programs: ProgramCache
    let batchCards: Int
    let tierCursor = Mutex<[Int64: Int64]>([:])

    public init(database: any DatabaseClient, ledger: any LedgerRepository, programs: ProgramCache, batchCards: Int = 2000) {
        self.database = database
        self.ledger = ledger
        self.programs = programs
        self.batchCards = batchCards
    }

    var lockClause: String { database.features.forUpdateSkipLocked }

    static func idList(_ ids: [Int64]) -> String { ids.map(String.init).joined(separator: ", ") }

    /// Locks the cards that no other sweeper holds (all of them on SQLite).
    func lock(_ db: any SQLDatabase, _ ids: [Int64]) async throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        return try await db.raw("SELECT id FROM loyalty_cards WHERE id IN (\(unsafeRaw: Self.idList(ids))) ORDER BY id\(unsafeRaw: lockClause)").all()
            .map { try $0.decode(column: "id", as: Int64.self) }
    }

    /// Due lots per partner at `now`, without changing anything.
    public func preview(now: Int64) async throws -> [ExpiryPreview] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT partner_id, COUNT(DISTINCT card_id) AS cards, COUNT(*) AS lots, CAST(SUM(remaining) AS BIGINT) AS points
                FROM point_lots WHERE expires_at IS NOT NULL AND expires_at <= \(bind: now) AND remaining > 0 GROUP BY partner_id ORDER BY partner_id
                """
            ).all().map {
                ExpiryPreview(
                    partnerID: try $0.decode(column: "partner_id", as: Int64.self),
                    cards: Int(try $0.decode(column: "cards", as: Int64.self)),
                    lots: Int(try $0.decode(column: "lots", as: Int64.self)),
                    points: try $0.decode(column: "points", as: Int64.self)
                )
            }
        }
    }

    /// Expires every lot due at `now`, batch after batch, until none is left (or the
    /// remaining ones are locked by another node's sweeper).
    public func expire(now: Int64) async throws -> SweepReport {
        var report = SweepReport()
        while true {
            let batch = try await database.write { [self] db in try await expireBatch(db, now: now) }
            guard let batch else { break }
            report.cards += batch.cards
            report.lots += batch.lots
            report.points += batch.points
            report.batches += 1
        }
        return report
    }

    /// Up to `batchCards` (partner, card) pairs with lots matching `condition`, locked,
    /// grouped by partner (statements name the partner so the card index applies).
    func lockedCandidates(_ db: any SQLDatabase, condition: SQLQueryString, order: String) async throws -> [Int64: [Int64]] {
        let rows = try await db.raw(
            "SELECT partner_id, card_id FROM point_lots WHERE \(condition) ORDER BY \(unsafeRaw: order) LIMIT \(literal: batchCards * 2)"
        ).all()
        var partnerOf: [Int64: Int64] = [:]
        var order: [Int64] = []
        for row in rows {
            let card = try row.decode(column: "card_id", as: Int64.self)
            if partnerOf[card] == nil, order.count < batchCards {
                partnerOf[card] = try row.decode(column: "partner_id", as: Int64.self)
                order.append(card)
            }
        }
        var byPartner: [Int64: [Int64]] = [:]
        for card in try await lock(db, order) { if let partner = partnerOf[card] { byPartner[partner, default: []].append(card) } }
        return byPartner
    }

    func expireBatch(_ db: any SQLDatabase, now: Int64) async throws -> SweepReport? {
        // The terms repeat the due index's predicate so SQLite uses it too.
        let groups = try await lockedCandidates(
            db,
            condition: "expires_at IS NOT NULL AND expires_at <= \(bind: now) AND remaining > 0",
            order: "expires_at"
        )
        guard !groups.isEmpty else { return nil }
        var report = SweepReport()
        for (partnerID, cards) in groups.sorted(by: { $0.key < $1.key }) {
            let r = try await expire(db, partnerID: partnerID, cards: cards, now: now)
            report.cards += r.cards
            report.lots += r.lots
            report.points += r.points
        }
        return report
    }

    /// Expires the due lots of `cards` (locked, all of `partnerID`).
    func expire(_ db: any SQLDatabase, partnerID: Int64, cards: [Int64], now: Int64) async throws -> SweepReport {
        let list = Self.idList(cards)
        let scope: SQLQueryString = "partner_id = \(bind: partnerID) AND card_id IN (\(unsafeRaw: list))"
        // Debts are repaid before anything expires, so a debt never outlives the points that could cover it.
        for row in try await db.raw("SELECT DISTINCT card_id FROM point_lots WHERE \(scope) AND remaining < 0").all() {
            let cardID = try row.decode(column: "card_id", as: Int64.self)
            _ = try await Lots.settleDebt(db, partnerID: partnerID, lots: try await Lots.openLots(db, partnerID: partnerID, cardID: cardID))
        }
        let dueScope: SQLQueryString = "\(scope) AND remaining > 0 AND expires_at <= \(bind: now)"
        let due = try await db.raw(
            """
            SELECT card_id, CAST(SUM(remaining) AS BIGINT) AS total, CAST(SUM(CASE WHEN matures_at IS NOT NULL THEN remaining ELSE 0 END) AS
              BIGINT) AS pend, COUNT(*) AS n
            FROM point_lots WHERE \(dueScope) GROUP BY card_id
            """
        ).all().map {
            (
                card: try $0.decode(column: "card_id", as: Int64.self), total: try $0.decode(column: "total", as: Int64.self),
                pend: try $0.decode(column: "pend", as: Int64.self), n: try $0.decode(column: "n", as: Int64.self)
            )
        }
        var report = SweepReport()
        guard !due.isEmpty else { return report }
        for chunk in stride(from: 0, to: due.count, by: 1000).map({ due[$0..<min($0 + 1000, due.count)] }) {
            var values: SQLQueryString = ""
            for (i, d) in chunk.enumerated() { values += "\(unsafeRaw: i == 0 ? "" : ", ")(\(bind: d.card), \(bind: d.total), \(bind: d.pend))" }
            // Expired points leave any hold on them too: a hold never exceeds what is spendable.
            let after: SQLQueryString = "(balance - v.column2 - (pending - v.column3))"
            let updated = try await db.raw(
                """
                UPDATE loyalty_cards SET balance = balance - v.column2, pending = pending - v.column3, lifetime_expired = lifetime_expired +
                  v.column2,
                  reserved = CASE WHEN reserved > \(after) THEN (CASE WHEN \(after) > 0 THEN \(after) ELSE 0 END) ELSE reserved END, updated_at =
                    \(bind: now)
                FROM (VALUES \(values)) AS v WHERE partner_id = \(bind: partnerID) AND id = v.column1
                RETURNING id, customer_id, balance
                """
            ).all().map {
                (
                    id: try $0.decode(column: "id", as: Int64.self), customer: try $0.decode(column: "customer_id", as: Int64.self),
                    balance: try $0.decode(column: "balance", as: Int64.self)
                )
            }
            let totals = Dictionary(uniqueKeysWithValues: chunk.map { ($0.card, $0.total) })
            var entries: SQLQueryString = ""
            var events: SQLQueryString = ""
            for (i, u) in updated.enumerated() {
                let sep = i == 0 ? "" : ", "
                let points = totals[u.id] ?? 0
                entries +=
                    """
                    \(unsafeRaw: sep)(\(bind: partnerID), \(bind: u.id), 'expired', \(bind: -points), \(bind: u.balance), 'Points expired',
                      \(bind: now))
                    """
                let payload = Outbox.payload(
                    partnerID: partnerID,
                    type: "points.expired",
                    data: .object([
                        ("user_id", .int(u.customer)), ("loyalty_card_id", .int(u.id)), ("points_expired", .int(points)),
                        ("points_balance", .int(u.balance)),
                    ])
                )
                events += "\(unsafeRaw: sep)(\(bind: partnerID), 'points.expired', \(bind: payload), \(bind: now))"
            }
            if !updated.isEmpty {
                try await db.raw(
                    "INSERT INTO ledger_entries (partner_id, card_id, type, points, balance_after, description, created_at) VALUES \(entries)"
                ).run()
                try await db.raw("INSERT INTO outbox (partner_id, event_type, payload, created_at) VALUES \(events)").run()
            }
        }
        try await db.raw("UPDATE point_lots SET expired = expired + remaining, remaining = 0, matures_at = NULL WHERE \(dueScope)").run()
        try await Lots.refreshCards(db, ids: due.map(\.card))
        report.cards = due.count
        report.lots = Int(due.reduce(0) { $0 + $1.n })
        report.points = due.reduce(0) { $0 + $1.total }
        return report
    }

    /// Ends the return window of every lot whose maturity has passed.
    public func mature(now: Int64) async throws -> Int {
        var total = 0
        while true {
            let n = try await database.write { [self] db -> Int? in
                let groups = try await lockedCandidates(db, condition: "matures_at IS NOT NULL AND matures_at <= \(bind: now)", order: "matures_at")
                guard !groups.isEmpty else { return nil }
                for (partnerID, cards) in groups {
                    try await db.raw(
                        """
                        UPDATE point_lots SET matures_at = NULL
                        WHERE partner_id = \(bind: partnerID) AND card_id IN (\(unsafeRaw: Self.idList(cards))) AND matures_at IS NOT NULL AND
                          matures_at <= \(bind: now)
                        """
                    ).run()
                    try await Lots.refreshCards(db, ids: cards)
                }
                return groups.values.reduce(0) { $0 + $1.count }
            }
            guard let n else { break }
            total += n
        }
        return total
    }

    /// Tier housekeeping: expired manual overrides, and downgrade evaluation for
    /// programmes that downgrade (`limit` cards per partner per call, resuming where
    /// the previous call stopped). Returns the cards evaluated.
    public func tiers(now: Int64, limit: Int = 1000) async throws -> Int {
        let overrides = try await database.read { db in
            try await db.raw(
                """
                SELECT partner_id, id FROM loyalty_cards WHERE tier_override_until IS NOT NULL AND tier_override_until <= \(bind: now) LIMIT
                  \(literal: limit)
                """
            ).all()
                .map { (try $0.decode(column: "partner_id", as: Int64.self), try $0.decode(column: "id", as: Int64.self)) }
        }
        for (partner, card) in overrides { _ = try await ledger.evaluateTier(partnerID: partner, cardID: card) }
        var evaluated = overrides.count
        let partners = try await database.read { [programs] db in
            var out: [Int64] = []
            for row in try await db.raw("SELECT partner_id FROM programs").all() {
                let partner = try row.decode(column: "partner_id", as: Int64.self)
                if case .evaluation = try await programs.current(db, partnerID: partner).tiers.downgrade { out.append(partner) }
            }
            return out
        }
        for partner in partners {
            let cursor = tierCursor.withLock { $0[partner] ?? 0 }
            let cards = try await database.read { db in
                try await db.raw(
                    """
                    SELECT id FROM loyalty_cards WHERE partner_id = \(bind: partner) AND id > \(bind: cursor) AND tier IS NOT NULL
                      AND (tier_grace_until IS NULL OR tier_grace_until <= \(bind: now)) ORDER BY id LIMIT \(literal: limit)
                    """
                ).all().map { try $0.decode(column: "id", as: Int64.self) }
            }
            for card in cards { _ = try await ledger.evaluateTier(partnerID: partner, cardID: card) }
            tierCursor.withLock { $0[partner] = cards.count < limit ? 0 : cards.last ?? 0 }
            evaluated += cards.count
        }
        return evaluated
    }
}
