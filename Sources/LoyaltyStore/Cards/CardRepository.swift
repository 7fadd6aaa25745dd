import LoyaltyCore
import SQLKit

/// A customer's cards: explicit issue, block and unblock, expiry.
public protocol CardRepository: Sendable {
    /// Issues a card from `templateID` (or the partner's auto-assign template) with the
    /// template's welcome bonus. Throws ``LoyaltyError/cardAlreadyExists(cardID:)`` when
    /// the customer holds one from that template, ``LoyaltyError/templateNotFound`` for
    /// another partner's or an inactive template.
    func issue(partnerID: Int64, customerID: Int64, templateID: Int64?) async throws -> LoyaltyCard
    /// Blocks (`blocked == true`, with `reason`) or unblocks the card; returns it as stored.
    func setBlocked(partnerID: Int64, cardID: Int64, blocked: Bool, reason: String?) async throws -> LoyaltyCard
    /// Sets or clears (`nil`) the card's expiry.
    func setExpiry(partnerID: Int64, cardID: Int64, expiresAt: Int64?) async throws -> LoyaltyCard
    /// Every card of the customer, oldest first.
    func cards(partnerID: Int64, customerID: Int64) async throws -> [LoyaltyCard]
}

public struct SQLCardRepository: CardRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    public func issue(partnerID: Int64, customerID: Int64, templateID: Int64?) async throws -> LoyaltyCard {
        try await database.write { db in
            let now = clock.nowMillis()
            guard try await db.raw("SELECT id FROM customers WHERE partner_id = \(bind: partnerID) AND id = \(bind: customerID)").first() != nil
            else {
                throw LoyaltyError.customerNotFound
            }
            let template: CardTemplate?
            if let templateID {
                template = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Rows.templateColumns) FROM card_templates WHERE partner_id = \(bind: partnerID) AND id =
                      \(bind: templateID) AND is_active = \(bind: true)
                    """
                ).first().map { try Rows.template($0) }
            } else {
                template = try await CardIssuer.defaultTemplate(db, partnerID: partnerID)
            }
            guard let template else { throw templateID == nil ? LoyaltyError.noCardTemplate : LoyaltyError.templateNotFound }
            if let existing = try await db.raw(
                """
                SELECT id FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID) AND template_id =
                  \(bind: template.id)
                """
            ).first() {
                throw LoyaltyError.cardAlreadyExists(cardID: try existing.decode(column: "id", as: Int64.self))
            }
            return try await CardIssuer.issue(db, partnerID: partnerID, customerID: customerID, template: template, now: now)
        }
    }

    public func setBlocked(partnerID: Int64, cardID: Int64, blocked: Bool, reason: String?) async throws -> LoyaltyCard {
        try await update(partnerID: partnerID, cardID: cardID) { db, now in
            try await db.raw(
                """
                UPDATE loyalty_cards SET is_active = \(bind: !blocked), blocked_reason = \(bind: blocked ? reason : nil), updated_at = \(bind: now)
                WHERE partner_id = \(bind: partnerID) AND id = \(bind: cardID) RETURNING \(unsafeRaw: Rows.cardColumns)
                """
            ).first()
        }
    }

    public func setExpiry(partnerID: Int64, cardID: Int64, expiresAt: Int64?) async throws -> LoyaltyCard {
        try await update(partnerID: partnerID, cardID: cardID) { db, now in
            try await db.raw(
                """
                UPDATE loyalty_cards SET expires_at = \(bind: expiresAt), updated_at = \(bind: now)
                WHERE partner_id = \(bind: partnerID) AND id = \(bind: cardID) RETURNING \(unsafeRaw: Rows.cardColumns)
                """
            ).first()
        }
    }

    private func update(
        partnerID: Int64,
        cardID: Int64,
        _ statement: @escaping @Sendable (any SQLDatabase, Int64) async throws -> (any SQLRow)?
    ) async throws -> LoyaltyCard {
        try await database.write { db in
            guard let row = try await statement(db, clock.nowMillis()) else { throw LoyaltyError.cardNotFound }
            return try Rows.card(row)
        }
    }

    public func cards(partnerID: Int64, customerID: Int64) async throws -> [LoyaltyCard] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.cardColumns) FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND customer_id =
                  \(bind: customerID) ORDER BY id
                """
            ).all().map(Rows.card)
        }
    }
}
