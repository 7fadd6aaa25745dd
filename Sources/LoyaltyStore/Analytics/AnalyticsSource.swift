import LoyaltyCore
import SQLKit

/// A table the analytics roller folds, read in id order after a watermark.
public enum AnalyticsSource: String, CaseIterable, Sendable {
    case ledger
    case customers
    case cards
    case tierChanges = "tier_changes"
    case coupons
    case gameSessions = "game_sessions"
    case stampEvents = "stamp_events"

    /// Up to `limit` rows with `id > watermark`, in id order.
    func fetch(_ db: any SQLDatabase, after watermark: Int64, limit: Int) async throws -> [SourceRow] {
        let sql: SQLQueryString
        switch self {
        case .ledger:
            // The customer and their joining time come with each entry: activity and
            // first redemptions are per member.
            sql = """
                SELECT e.id, e.partner_id, e.shop_id, e.type AS text, e.points, e.created_at, c.customer_id, cu.created_at AS joined_at,
                  e.card_id AS subject_id
                FROM ledger_entries e LEFT JOIN loyalty_cards c ON c.id = e.card_id LEFT JOIN customers cu ON cu.id = c.customer_id
                WHERE e.id > \(bind: watermark) ORDER BY e.id LIMIT \(bind: limit)
                """
        case .customers:
            sql = "SELECT id, partner_id, created_at FROM customers WHERE id > \(bind: watermark) ORDER BY id LIMIT \(bind: limit)"
        case .cards:
            sql = "SELECT id, partner_id, created_at FROM loyalty_cards WHERE id > \(bind: watermark) ORDER BY id LIMIT \(bind: limit)"
        case .tierChanges:
            sql = """
                SELECT id, partner_id, card_id AS subject_id, to_tier AS text, created_at FROM tier_changes
                WHERE id > \(bind: watermark) ORDER BY id LIMIT \(bind: limit)
                """
        case .coupons:
            sql = """
                SELECT id, partner_id, offer_id AS subject_id, points_spent AS points, created_at FROM coupons
                WHERE id > \(bind: watermark) ORDER BY id LIMIT \(bind: limit)
                """
        case .gameSessions:
            sql = """
                SELECT id, partner_id, game_id AS subject_id, started_at AS created_at FROM game_sessions
                WHERE id > \(bind: watermark) ORDER BY id LIMIT \(bind: limit)
                """
        case .stampEvents:
            sql = """
                SELECT id, partner_id, game_id AS subject_id, shop_id, action AS text, created_at FROM stamp_events
                WHERE id > \(bind: watermark) ORDER BY id LIMIT \(bind: limit)
                """
        }
        return try await db.raw(sql).all().map(SourceRow.init)
    }
}

/// One source row, with the columns its source selects (absent ones nil or 0).
struct SourceRow: Sendable {
    var id: Int64
    var partnerID: Int64
    var createdAt: Int64
    var shopID: Int64?
    var text: String?
    var points: Int64
    var customerID: Int64?
    var joinedAt: Int64?
    var subjectID: Int64

    init(_ r: any SQLRow) throws {
        func optional<T: Decodable>(_ column: String, _ type: T.Type) throws -> T? {
            r.contains(column: column) ? try r.decode(column: column, as: T?.self) : nil
        }
        id = try r.decode(column: "id", as: Int64.self)
        partnerID = try r.decode(column: "partner_id", as: Int64.self)
        createdAt = try r.decode(column: "created_at", as: Int64.self)
        shopID = try optional("shop_id", Int64.self)
        text = try optional("text", String.self)
        points = try optional("points", Int64.self) ?? 0
        customerID = try optional("customer_id", Int64.self)
        joinedAt = try optional("joined_at", Int64.self)
        subjectID = try optional("subject_id", Int64.self) ?? 0
    }
}
