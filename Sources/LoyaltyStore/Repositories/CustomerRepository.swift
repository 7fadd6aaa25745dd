import Foundation
import LoyaltyCore
import LoyaltyModels
import PostgresKit
import PostgresNIO
import SQLKit

/// Customers (the wire's "users") and their cards, per partner.
public protocol CustomerRepository: Sendable {
    /// Creates a customer and a card from the partner's default template (with its
    /// welcome bonus posted to the ledger). Throws ``LoyaltyError/duplicateCustomer(field:)``
    /// when the email or external id is taken within the partner.
    func createCustomer(partnerID: Int64, externalID: String?, email: String?, phone: String?, name: String?) async throws -> (Customer, LoyaltyCard)
    func customer(partnerID: Int64, id: Int64) async throws -> Customer?
    func customer(partnerID: Int64, email: String) async throws -> Customer?
    func customer(partnerID: Int64, externalID: String) async throws -> Customer?
    func customers(partnerID: Int64, email: String?, externalID: String?, page: PageRequest) async throws -> Page<Customer>
    func card(partnerID: Int64, id: Int64) async throws -> LoyaltyCard?
    /// By `XXX-XXX-XXX` number or by the card's QR UUID.
    func card(partnerID: Int64, numberOrQR: String) async throws -> LoyaltyCard?
    /// The customer's primary (first) card.
    func primaryCard(partnerID: Int64, customerID: Int64) async throws -> LoyaltyCard?
    /// The primary cards of several customers in one query, keyed by customer id.
    func primaryCards(partnerID: Int64, customerIDs: [Int64]) async throws -> [Int64: LoyaltyCard]
}

public struct SQLCustomerRepository: CustomerRepository {
    let database: any DatabaseClient
    let clock: any WallClock
    /// PostgreSQL: concurrent primary-card reads (balance look-ups) share one statement.
    let primaryCards: GroupBatcher<PostgresStatements.CardOwner, LoyaltyCard?>?

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
        self.primaryCards = database.preparedStatements.map { pg in
            GroupBatcher { keys in
                var out = [LoyaltyCard?](repeating: nil, count: keys.count)
                for row in try await pg.all(PostgresStatements.PrimaryCardBatch(keys: keys)).map({ $0.makeRandomAccess() }) {
                    out[Int(try row[0].decode(Int64.self, context: .default))] = try Rows.card(row, offset: 1)
                }
                return out
            }
        }
    }

    public func createCustomer(
        partnerID: Int64,
        externalID: String?,
        email: String?,
        phone: String?,
        name: String?
    ) async throws -> (Customer, LoyaltyCard) {
        let now = clock.nowMillis()
        let email = email?.lowercased()
        return try await database.write { db in
            // The unique indexes decide between concurrent creates; DO NOTHING keeps the
            // transaction usable so the clash can be named.
            guard
                let row = try await db.raw(
                    """
                    INSERT INTO customers (partner_id, external_id, email, phone, name, created_at, updated_at)
                    VALUES (\(bind: partnerID), \(bind: externalID), \(bind: email), \(bind: phone), \(bind: name), \(bind: now), \(bind: now))
                    ON CONFLICT DO NOTHING
                    RETURNING \(unsafeRaw: Rows.customerColumns)
                    """
                ).first()
            else {
                if let email,
                    try await db.raw("SELECT id FROM customers WHERE partner_id = \(bind: partnerID) AND email = \(bind: email)").first() != nil
                {
                    throw LoyaltyError.duplicateCustomer(field: "email")
                }
                throw LoyaltyError.duplicateCustomer(field: "external_id")
            }
            let customer = try Rows.customer(row)
            try await Outbox.append(
                db,
                partnerID: partnerID,
                type: EventType.customerCreated,
                data: .object([
                    ("user_id", .int(customer.id)), ("external_id", .optional(customer.externalID)), ("email", .optional(customer.email)),
                    ("phone", .optional(customer.phone)), ("name", .optional(customer.name)),
                ]),
                now: now
            )
            guard let template = try await CardIssuer.defaultTemplate(db, partnerID: partnerID) else { throw LoyaltyError.noCardTemplate }
            let card = try await CardIssuer.issue(db, partnerID: partnerID, customerID: customer.id, template: template, now: now)
            return (customer, card)
        }
    }

    public func customer(partnerID: Int64, id: Int64) async throws -> Customer? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Rows.customerColumns) FROM customers WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)")
                .first().map(Rows.customer)
        }
    }

    public func customer(partnerID: Int64, email: String) async throws -> Customer? {
        let email = email.lowercased()
        return try await database.read { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Rows.customerColumns) FROM customers WHERE partner_id = \(bind: partnerID) AND email = \(bind: email)"
            ).first().map(Rows.customer)
        }
    }

    public func customer(partnerID: Int64, externalID: String) async throws -> Customer? {
        try await database.read { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Rows.customerColumns) FROM customers WHERE partner_id = \(bind: partnerID) AND external_id = \(bind: externalID)"
            ).first().map(Rows.customer)
        }
    }

    public func customers(partnerID: Int64, email: String?, externalID: String?, page: PageRequest) async throws -> Page<Customer> {
        var condition: SQLQueryString = "partner_id = \(bind: partnerID)"
        if let email { condition += " AND email = \(bind: email.lowercased())" }
        if let externalID { condition += " AND external_id = \(bind: externalID)" }
        let finalCondition = condition
        return try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM customers WHERE \(finalCondition)").first())
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.customerColumns) FROM customers WHERE \(finalCondition) ORDER BY id LIMIT \(literal: page.perPage) OFFSET
                  \(literal: page.offset)
                """
            ).all()
            return Page(items: try rows.map(Rows.customer), request: page, total: total)
        }
    }

    public func card(partnerID: Int64, id: Int64) async throws -> LoyaltyCard? {
        if let pg = database.preparedStatements {
            return try await pg.first(PostgresStatements.CardByID(partnerID: partnerID, cardID: id)).map { try Rows.card($0.sql()) }
        }
        return try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Rows.cardColumns) FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)")
                .first().map(Rows.card)
        }
    }

    public func card(partnerID: Int64, numberOrQR: String) async throws -> LoyaltyCard? {
        let number = CardNumber.normalized(numberOrQR)
        let qr = numberOrQR.lowercased()
        return try await database.read { db in
            if let number {
                return try await db.raw(
                    "SELECT \(unsafeRaw: Rows.cardColumns) FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND card_number = \(bind: number)"
                ).first().map(Rows.card)
            }
            return try await db.raw(
                "SELECT \(unsafeRaw: Rows.cardColumns) FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND qr_code = \(bind: qr)"
            ).first().map(Rows.card)
        }
    }

    public func primaryCard(partnerID: Int64, customerID: Int64) async throws -> LoyaltyCard? {
        // The hot read (balance look-ups): batched with concurrent ones on PostgreSQL.
        if let primaryCards {
            return try await primaryCards.submit(PostgresStatements.CardOwner(partnerID: partnerID, customerID: customerID))
        }
        return try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.cardColumns) FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND customer_id =
                  \(bind: customerID) ORDER BY id LIMIT 1
                """
            ).first().map(Rows.card)
        }
    }
}

extension SQLCustomerRepository {
    public func primaryCards(partnerID: Int64, customerIDs: [Int64]) async throws -> [Int64: LoyaltyCard] {
        guard !customerIDs.isEmpty else { return [:] }
        return try await database.read { db in
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.cardColumns) FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND customer_id IN
                  (\(binds: customerIDs)) ORDER BY id
                """
            ).all()
            var cards: [Int64: LoyaltyCard] = [:]
            for card in try rows.map(Rows.card) where cards[card.customerID] == nil { cards[card.customerID] = card }
            return cards
        }
    }
}

/// Issues cards inside an open write transaction.
enum CardIssuer {
    /// The partner's first active auto-assign template.
    static func defaultTemplate(_ db: any SQLDatabase, partnerID: Int64) async throws -> CardTemplate? {
        try await db.raw(
            """
            SELECT \(unsafeRaw: Rows.templateColumns) FROM card_templates WHERE partner_id = \(bind: partnerID) AND is_active = \(bind: true) AND
              auto_assign = \(bind: true) ORDER BY id LIMIT 1
            """
        ).first().map { try Rows.template($0) }
    }

    /// Creates a card with a fresh number and QR UUID and posts the template's welcome
    /// bonus as the card's first ledger entry.
    static func issue(_ db: any SQLDatabase, partnerID: Int64, customerID: Int64, template: CardTemplate, now: Int64) async throws -> LoyaltyCard {
        var card: LoyaltyCard?
        // A clash on the random number is astronomically rare, but possible: retry. A
        // concurrent first use may have issued this customer's card already: use it.
        for _ in 0..<5 where card == nil {
            let number = CardNumber.random()
            if try await db.raw("SELECT id FROM loyalty_cards WHERE card_number = \(bind: number)").first() != nil { continue }
            if let row = try await db.raw(
                """
                INSERT INTO loyalty_cards (partner_id, customer_id, template_id, card_number, qr_code, created_at, updated_at)
                VALUES (\(bind: partnerID), \(bind: customerID), \(bind: template.id), \(bind: number), \(bind: UUID().uuidString.lowercased()),
                  \(bind: now), \(bind: now))
                ON CONFLICT (partner_id, customer_id, template_id) DO NOTHING
                RETURNING \(unsafeRaw: Rows.cardColumns)
                """
            ).first() {
                card = try Rows.card(row)
            } else if let existing = try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.cardColumns) FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND customer_id =
                  \(bind: customerID) AND template_id = \(bind: template.id)
                """
            ).first() {
                return try Rows.card(existing)
            }
        }
        guard var issued = card else { throw LoyaltyError.cardNotFound }
        if template.initialBonusPoints > 0 {
            issued =
                try await LedgerPosting.post(
                    db,
                    partnerID: partnerID,
                    cardID: issued.id,
                    shopID: nil,
                    transactionID: nil,
                    type: .bonus,
                    points: template.initialBonusPoints,
                    reference: "welcome",
                    description: "Welcome bonus",
                    now: now,
                    allowNegative: false
                ) ?? issued
        }
        try await Outbox.append(
            db,
            partnerID: partnerID,
            type: EventType.cardIssued,
            data: .object([
                ("user_id", .int(customerID)), ("loyalty_card_id", .int(issued.id)), ("card_number", .string(issued.cardNumber)),
                ("template_id", .int(template.id)), ("welcome_bonus", .int(max(0, template.initialBonusPoints))),
                ("points_balance", .int(issued.balance)),
            ]),
            now: now
        )
        return issued
    }
}
