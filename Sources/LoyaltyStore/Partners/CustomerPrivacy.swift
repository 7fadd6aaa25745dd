import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// GDPR for one customer: everything held about them (Art. 15/20), and erasure by
/// pseudonymisation (Art. 17) that keeps the ledger's amounts, so every invariant and
/// the partner's accounts stay true.
public protocol CustomerPrivacyRepository: Sendable {
    /// Every row about the customer, by table; `nil` when the partner has no such customer.
    func export(partnerID: Int64, customerID: Int64) async throws -> JSON?
    /// Removes the customer's personal data; `nil` when no such customer. Idempotent.
    func erase(partnerID: Int64, customerID: Int64) async throws -> ErasureReport?
}

/// What an erasure changed: rows scrubbed per table.
public struct ErasureReport: Sendable, Equatable {
    public var customerID: Int64
    public var rowsByTable: [String: Int]
}

public struct SQLCustomerPrivacyRepository: CustomerPrivacyRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    /// The customer's rows: table, the column that links them, and columns left out
    /// (secrets, and an unplayed game's outcome, which a member must not learn early).
    static let linked: [(table: String, by: Link, omit: Set<String>)] = [
        ("loyalty_cards", .customer, []), ("transactions", .customer, []), ("ledger_entries", .card, []), ("point_lots", .card, []),
        ("reservations", .customer, []), ("tier_changes", .customer, []), ("activity_claims", .customer, []), ("coupons", .customer, []),
        ("game_sessions", .customer, ["outcome", "salt"]), ("stamp_cards", .customer, []), ("stamp_events", .card, []),
        ("member_items", .customer, []), ("challenge_progress", .customer, []), ("qr_sessions", .customer, ["pending_tokens", "code"]),
    ]

    enum Link { case customer, card }

    public func export(partnerID: Int64, customerID: Int64) async throws -> JSON? {
        try await database.read { db in
            guard
                let customer = try await db.raw("SELECT * FROM customers WHERE partner_id = \(bind: partnerID) AND id = \(bind: customerID)")
                    .first()
            else { return nil }
            let cards = try await Self.cardIDs(db, partnerID: partnerID, customerID: customerID)
            var out: [(String, JSON)] = [("customer", try Self.json(customer, omit: []))]
            for (table, link, omit) in Self.linked {
                let rows: [any SQLRow]
                switch link {
                case .customer:
                    rows = try await db.raw(
                        "SELECT * FROM \(unsafeRaw: table) WHERE partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID)"
                    )
                    .all()
                case .card:
                    rows =
                        cards.isEmpty
                        ? []
                        : try await db.raw(
                            "SELECT * FROM \(unsafeRaw: table) WHERE partner_id = \(bind: partnerID) AND card_id IN (\(unsafeRaw: Self.list(cards)))"
                        ).all()
                }
                out.append((table, .array(try rows.map { try Self.json($0, omit: omit) })))
            }
            return .object(out)
        }
    }

    public func erase(partnerID: Int64, customerID: Int64) async throws -> ErasureReport? {
        let now = clock.nowMillis()
        return try await database.write { db -> ErasureReport? in
            guard
                let row = try await db.raw(
                    "SELECT email, phone, name, external_id FROM customers WHERE partner_id = \(bind: partnerID) AND id = \(bind: customerID)"
                ).first()
            else { return nil }
            // The strings to remove wherever they were copied: longest first, so a name
            // inside an email is not replaced before the email is.
            let pii = try ["email", "phone", "name", "external_id"].compactMap { try row.decode(column: $0, as: String?.self) }
                .filter { $0.count >= 3 }.sorted { $0.count > $1.count }
            let hadData = try !["email", "phone", "name", "external_id"].compactMap { try row.decode(column: $0, as: String?.self) }.isEmpty
            let cards = try await Self.cardIDs(db, partnerID: partnerID, customerID: customerID)
            var report = ErasureReport(customerID: customerID, rowsByTable: [:])
            func count(_ table: String, _ rows: [any SQLRow]) { report.rowsByTable[table, default: 0] += rows.count }

            count(
                "customers",
                try await db.raw(
                    """
                    UPDATE customers SET email = NULL, phone = NULL, name = NULL, external_id = NULL, updated_at = \(bind: now)
                    WHERE partner_id = \(bind: partnerID) AND id = \(bind: customerID) RETURNING id
                    """
                ).all()
            )
            // Free-form data the till sent with the customer's purchases may hold anything
            // personal (addresses, notes): dropped, not searched.
            count(
                "transactions",
                try await db.raw(
                    """
                    UPDATE transactions SET metadata = NULL WHERE partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID)
                      AND metadata IS NOT NULL RETURNING id
                    """
                ).all()
            )
            try await db.raw("DELETE FROM qr_sessions WHERE partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID)").run()
            // Receivers hold copies too (customer.created carried the profile): tell them,
            // once (a repeated erase finds nothing left and says nothing).
            if hadData {
                try await Outbox.append(
                    db,
                    partnerID: partnerID,
                    type: EventType.customerErased,
                    data: .object([("user_id", .int(customerID))]),
                    now: now
                )
            }
            try await db.raw(
                """
                UPDATE refresh_tokens SET revoked_at = \(bind: now) WHERE partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID)
                  AND revoked_at IS NULL
                """
            ).run()
            guard !pii.isEmpty else { return report }
            // The customer's own rows: every copy of a personal string replaced.
            let own: [(String, [String], Link)] = [
                ("transactions", ["description", "reason", "rules_applied"], .customer),
                ("ledger_entries", ["reference", "description", "details"], .card),
                ("tier_changes", ["reason", "actor"], .customer), ("loyalty_cards", ["blocked_reason"], .customer),
                ("coupons", ["notes"], .customer), ("game_sessions", ["progress_data"], .customer),
            ]
            for (table, columns, link) in own {
                let scope: SQLQueryString =
                    link == .customer
                    ? "partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID)"
                    : (cards.isEmpty ? "1 = 0" : "partner_id = \(bind: partnerID) AND card_id IN (\(unsafeRaw: Self.list(cards)))")
                for column in columns { count(table, try await Self.scrub(db, table: table, column: column, scope: scope, pii: pii)) }
            }
            // Copies in the partner's logs (events, webhook bodies and replies, stored
            // idempotent responses): rows that name the customer by a personal string or
            // by id are scrubbed of every personal string.
            let marker = [
                "\"user_id\":\(customerID),", "\"customer_id\":\(customerID),", "\"user_id\":\(customerID)}", "\"customer_id\":\(customerID)}",
            ]
            let logs: [(String, String, String)] = [
                ("outbox", "payload", "id"), ("webhook_deliveries", "body", "id"), ("webhook_deliveries", "success_excerpt", "id"),
                ("webhook_attempts", "response_excerpt", "id"), ("webhook_attempts", "error", "id"),
                ("idempotency_keys", "response_body", "idem_key"),
            ]
            for (table, column, key) in logs {
                var mentions: SQLQueryString = "1 = 0"
                for needle in pii + marker { mentions += " OR \(unsafeRaw: column) LIKE \(bind: "%" + Self.escapeLike(needle) + "%") ESCAPE '!'" }
                let scope: SQLQueryString = "partner_id = \(bind: partnerID) AND (\(mentions))"
                count(table, try await Self.scrub(db, table: table, column: column, scope: scope, pii: pii, key: key))
            }
            return report
        }
    }

    /// Replaces every string of `pii` in `column` of the rows in `scope`; the rows changed.
    static func scrub(
        _ db: any SQLDatabase,
        table: String,
        column: String,
        scope: SQLQueryString,
        pii: [String],
        key: String = "id"
    )
        async throws -> [any SQLRow]
    {
        var value: SQLQueryString = "\(unsafeRaw: column)"
        var any: SQLQueryString = "1 = 0"
        for s in pii {
            value = "REPLACE(\(value), \(bind: s), '[erased]')"
            any += " OR \(unsafeRaw: column) LIKE \(bind: "%" + escapeLike(s) + "%") ESCAPE '!'"
        }
        return try await db.raw(
            "UPDATE \(unsafeRaw: table) SET \(unsafeRaw: column) = \(value) WHERE (\(scope)) AND (\(any)) RETURNING \(unsafeRaw: key)"
        ).all()
    }

    /// `s` with LIKE's wildcards (and the escape character `!`) escaped.
    static func escapeLike(_ s: String) -> String {
        s.replacingOccurrences(of: "!", with: "!!").replacingOccurrences(of: "%", with: "!%").replacingOccurrences(of: "_", with: "!_")
    }

    static func cardIDs(_ db: any SQLDatabase, partnerID: Int64, customerID: Int64) async throws -> [Int64] {
        try await db.raw("SELECT id FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID)").all()
            .map { try $0.decode(column: "id", as: Int64.self) }
    }

    static func list(_ ids: [Int64]) -> String { ids.map(String.init).joined(separator: ",") }

    /// A row as a JSON object, every column by name (numbers, booleans, text, null).
    static func json(_ r: any SQLRow, omit: Set<String>) throws -> JSON {
        var members: [(String, JSON)] = []
        for column in r.allColumns where !omit.contains(column) {
            if try r.decodeNil(column: column) {
                members.append((column, .null))
            } else if let i = try? r.decode(column: column, as: Int64.self) {
                members.append((column, .int(i)))
            } else if let b = try? r.decode(column: column, as: Bool.self) {
                members.append((column, .bool(b)))
            } else if let d = try? r.decode(column: column, as: Double.self) {
                members.append((column, .double(d)))
            } else {
                members.append((column, .string(try r.decode(column: column, as: String.self))))
            }
        }
        return .object(members)
    }
}
