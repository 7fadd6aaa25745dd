import LoyaltyCore
import LoyaltyModels
import SQLKit

/// The one place that changes a card's balance: a conditional atomic update of the
/// materialised balance plus the matching append-only ledger entry, inside the
/// caller's write transaction. Because both happen in one transaction and nothing
/// else writes `balance`, balance == sum(ledger entries) holds for every card.
enum LedgerPosting {
    /// Adds `points` (negative to take away) to the card and appends the ledger entry.
    ///
    /// A negative posting only succeeds while the points the customer can spend
    /// (`balance - pending - reserved`, after `releaseReserved` is released) cover it, unless
    /// `allowNegative`. Returns the updated card, or `nil` when the condition failed
    /// (nothing was written). No read-modify-write: concurrent postings cannot lose an
    /// update, and the row lock taken by the UPDATE orders them. `touch` also counts a
    /// card use (`transactions_count`, `last_used_at`) in the same statement.
    static func post(
        _ db: any SQLDatabase,
        partnerID: Int64,
        cardID: Int64,
        shopID: Int64?,
        transactionID: Int64?,
        type: LedgerEntryType,
        points: Int64,
        reference: String?,
        description: String?,
        now: Int64,
        allowNegative: Bool,
        releaseReserved: Int64 = 0,
        earnedDelta: Int64? = nil,
        spentDelta: Int64? = nil,
        touch: Bool = false,
        details: String? = nil,
        newLot: NewLot? = nil
    ) async throws -> LoyaltyCard? {
        let earned = earnedDelta ?? ((type == .earned || type == .bonus || type == .activity) && points > 0 ? points : 0)
        let spent = spentDelta ?? (type == .redeemed ? -points : 0)
        var sql: SQLQueryString = """
            UPDATE loyalty_cards SET balance = balance + \(bind: points), reserved = \(Self.released(releaseReserved)),
              lifetime_earned = lifetime_earned + \(bind: earned), lifetime_spent = lifetime_spent + \(bind: spent),
              updated_at = \(bind: now)
            """
        if touch { sql += ", transactions_count = transactions_count + 1, last_used_at = \(bind: now)" }
        if let lot = newLot {
            // The card's lot summary moves with the lot this posting opens, in the same
            // statement (what ``Lots/refreshCard`` would compute, without reading the lots).
            sql += ", lifetime_spend_minor = lifetime_spend_minor + \(bind: lot.spendMinor)"
            if lot.pending { sql += ", pending = pending + \(bind: lot.points)" }
            if let e = lot.expiresAt {
                sql += """
                    , next_expiry_points = CASE WHEN next_expiry_at IS NULL OR \(bind: e) < next_expiry_at THEN \(bind: lot.points)
                        WHEN \(bind: e) = next_expiry_at THEN next_expiry_points + \(bind: lot.points) ELSE next_expiry_points END,
                      next_expiry_at = CASE WHEN next_expiry_at IS NULL OR \(bind: e) < next_expiry_at THEN \(bind: e) ELSE next_expiry_at END
                    """
            }
        }
        sql += " WHERE partner_id = \(bind: partnerID) AND id = \(bind: cardID)"
        if points < 0 && !allowNegative {
            sql += " AND balance - pending + \(bind: points) >= \(Self.released(releaseReserved))"
        }
        sql += " RETURNING \(unsafeRaw: Rows.cardColumns)"
        guard let row = try await db.raw(sql).first() else { return nil }
        let card = try Rows.card(row)
        if points != 0 {
            try await db.raw(
                """
                INSERT INTO ledger_entries (partner_id, card_id, shop_id, transaction_id, type, points, balance_after, reference, description,
                  details, created_at)
                VALUES (\(bind: partnerID), \(bind: cardID), \(bind: shopID), \(bind: transactionID), \(bind: type.rawValue), \(bind: points),
                  \(bind: card.balance), \(bind: reference), \(bind: description), \(bind: details), \(bind: now))
                """
            ).run()
        }
        return card
    }

    /// `reserved` less a released hold, never below zero: expiry may already have shrunk
    /// the card's holds (see ``LotSweeper``).
    static func released(_ points: Int64) -> SQLQueryString {
        points == 0 ? "reserved" : "CASE WHEN reserved > \(bind: points) THEN reserved - \(bind: points) ELSE 0 END"
    }

    /// Counts a card use without moving points.
    static func touch(_ db: any SQLDatabase, partnerID: Int64, cardID: Int64, now: Int64) async throws -> LoyaltyCard {
        let row = try await db.raw(
            """
            UPDATE loyalty_cards SET transactions_count = transactions_count + 1, last_used_at = \(bind: now), updated_at = \(bind: now)
            WHERE partner_id = \(bind: partnerID) AND id = \(bind: cardID) RETURNING \(unsafeRaw: Rows.cardColumns)
            """
        ).first()
        return try Rows.card(try row.required("the returned row"))
    }
}

/// A lot that a positive posting opens, for the card summary update.
struct NewLot {
    var points: Int64
    var expiresAt: Int64?
    var pending: Bool
    /// Purchase money to add to `lifetime_spend_minor`.
    var spendMinor: Int64
}

extension LedgerPosting {
    /// Pays `points` from the member's locked card for a reward (an offer's price, a
    /// game's play): a `redeemed` entry that may not overdraw (else
    /// `INSUFFICIENT_POINTS`), the points drawn from the card's lots, earliest expiry
    /// first, and the card's summary refreshed. Returns the card after it.
    static func payForReward(
        _ db: any SQLDatabase,
        card: LoyaltyCard,
        shopID: Int64?,
        transactionID: Int64,
        points: Int64,
        reference: String,
        description: String?,
        now: Int64
    ) async throws -> LoyaltyCard {
        guard
            try await post(
                db,
                partnerID: card.partnerID,
                cardID: card.id,
                shopID: shopID,
                transactionID: transactionID,
                type: .redeemed,
                points: -points,
                reference: reference,
                description: description,
                now: now,
                allowNegative: false,
                touch: true
            ) != nil
        else { throw LoyaltyError.insufficientPoints(available: card.available, requested: points) }
        guard try await Lots.draw(db, partnerID: card.partnerID, cardID: card.id, points: points).uncovered == 0 else {
            throw LotShortage(cardID: card.id)
        }
        return try await Lots.refreshCard(db, partnerID: card.partnerID, cardID: card.id)
    }
}

/// Appends events to the transactional outbox, in the caller's transaction, so an
/// event exists exactly when the change that caused it committed.
enum Outbox {
    /// The stored event: `{event, partner_id, data}` (for set-based inserts that build
    /// their own statement).
    static func payload(partnerID: Int64, type: String, data: JSON) -> String {
        JSON.object([("event", .string(type)), ("partner_id", .int(partnerID)), ("data", data)]).serializedString()
    }

    static func append(_ db: any SQLDatabase, partnerID: Int64, type: String, data: JSON, now: Int64) async throws {
        try await append(db, partnerID: partnerID, events: [(type, data)], now: now)
    }

    /// Appends several events in one statement, in order.
    static func append(_ db: any SQLDatabase, partnerID: Int64, events: [(type: String, data: JSON)], now: Int64) async throws {
        guard !events.isEmpty else { return }
        var sql: SQLQueryString = "INSERT INTO outbox (partner_id, event_type, payload, created_at) VALUES "
        for (i, e) in events.enumerated() {
            let payload = Self.payload(partnerID: partnerID, type: e.type, data: e.data)
            sql += "\(unsafeRaw: i == 0 ? "" : ", ")(\(bind: partnerID), \(bind: e.type), \(bind: payload), \(bind: now))"
        }
        try await db.raw(sql).run()
    }
}
