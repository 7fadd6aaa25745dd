import LoyaltyCore
import SQLKit

/// A value of an exported cell, typed so each format writes it its own way.
public enum ExportValue: Sendable, Equatable {
    case null
    case int(Int64)
    /// Free text a person typed (names, descriptions): guarded against spreadsheet
    /// formula injection in CSV.
    case text(String)
    /// Text the system produced (codes, types, statuses).
    case code(String)
    /// An amount in minor units.
    case money(Int64)
    /// Epoch milliseconds.
    case time(Int64)
}

/// One column of an export: its header and how its value is read from a row.
public struct ExportColumn: Sendable {
    public var name: String
    let read: @Sendable (any SQLRow) throws -> ExportValue
}

/// What can be exported (customers, transactions, ledger entries, coupons): the
/// columns, and the rows of one partner in id order, a page at a time after a key, so
/// an export of any size reads bounded pages (keyset, never OFFSET).
public enum ExportDataset: String, CaseIterable, Sendable {
    case customers
    case transactions
    case ledger
    case coupons

    /// Filters: `from`/`to` (epoch ms, `[from, to)` on the row's creation) and a shop
    /// (transactions and ledger entries).
    public struct Filters: Sendable, Equatable {
        public var from: Int64?
        public var to: Int64?
        public var shopID: Int64?

        public init(from: Int64? = nil, to: Int64? = nil, shopID: Int64? = nil) {
            self.from = from
            self.to = to
            self.shopID = shopID
        }
    }

    public var columns: [ExportColumn] {
        func int(_ name: String, _ column: String? = nil) -> ExportColumn {
            ExportColumn(name: name) { r in try r.decode(column: column ?? name, as: Int64?.self).map(ExportValue.int) ?? .null }
        }
        func text(_ name: String, _ column: String? = nil) -> ExportColumn {
            ExportColumn(name: name) { r in try r.decode(column: column ?? name, as: String?.self).map(ExportValue.text) ?? .null }
        }
        func code(_ name: String, _ column: String? = nil) -> ExportColumn {
            ExportColumn(name: name) { r in try r.decode(column: column ?? name, as: String?.self).map(ExportValue.code) ?? .null }
        }
        func time(_ name: String, _ column: String? = nil) -> ExportColumn {
            ExportColumn(name: name) { r in try r.decode(column: column ?? name, as: Int64?.self).map(ExportValue.time) ?? .null }
        }
        func money(_ name: String, _ column: String) -> ExportColumn {
            ExportColumn(name: name) { r in try r.decode(column: column, as: Int64?.self).map(ExportValue.money) ?? .null }
        }
        switch self {
        case .customers:
            return [
                int("id"), text("external_id"), text("email"), text("phone"), text("name"), int("home_shop_id"), time("created_at"),
                code("card_number"), int("points", "balance"), int("lifetime_points", "lifetime_earned"), code("tier"),
            ]
        case .transactions:
            return [
                int("id"), time("created_at"), code("type"), code("status"), text("order_id"), int("customer_id"), int("card_id"), int("shop_id"),
                money("amount", "amount_minor"), code("currency"), int("points_awarded"), int("points_redeemed"), text("description"),
            ]
        case .ledger:
            return [
                int("id"), time("created_at"), int("card_id"), int("customer_id"), int("shop_id"), int("transaction_id"), code("type"), int("points"),
                int("balance_after"), text("reference"), text("description"),
            ]
        case .coupons:
            return [
                int("id"), code("code"), int("offer_id"), int("game_id"), int("customer_id"), int("card_id"), code("status"), int("points_spent"),
                time("created_at"), time("redeemed_at"), time("expires_at"),
            ]
        }
    }

    var table: (select: String, from: String, alias: String) {
        switch self {
        case .customers:
            // The member's first card (most have one).
            return (
                "c.id, c.external_id, c.email, c.phone, c.name, c.home_shop_id, c.created_at, lc.card_number, lc.balance, lc.lifetime_earned, lc.tier",
                """
                customers c LEFT JOIN loyalty_cards lc ON lc.id = (SELECT MIN(x.id) FROM loyalty_cards x WHERE x.partner_id = c.partner_id
                  AND x.customer_id = c.id)
                """,
                "c"
            )
        case .transactions:
            return (
                """
                t.id, t.created_at, t.type, t.status, t.order_id, t.customer_id, t.card_id, t.shop_id, t.amount_minor, t.currency, t.points_awarded, \
                t.points_redeemed, t.description
                """,
                "transactions t",
                "t"
            )
        case .ledger:
            return (
                "e.id, e.created_at, e.card_id, lc.customer_id, e.shop_id, e.transaction_id, e.type, e.points, e.balance_after, e.reference, e.description",
                "ledger_entries e LEFT JOIN loyalty_cards lc ON lc.id = e.card_id",
                "e"
            )
        case .coupons:
            return (
                "k.id, k.code, k.offer_id, k.game_id, k.customer_id, k.card_id, k.status, k.points_spent, k.created_at, k.redeemed_at, k.expires_at",
                "coupons k",
                "k"
            )
        }
    }

    var hasShop: Bool { self == .transactions || self == .ledger }

    func conditions(partnerID: Int64, _ f: Filters) -> SQLQueryString {
        let a = table.alias
        var sql: SQLQueryString = "\(unsafeRaw: a).partner_id = \(bind: partnerID)"
        if let from = f.from { sql += " AND \(unsafeRaw: a).created_at >= \(bind: from)" }
        if let to = f.to { sql += " AND \(unsafeRaw: a).created_at < \(bind: to)" }
        if hasShop, let shop = f.shopID { sql += " AND \(unsafeRaw: a).shop_id = \(bind: shop)" }
        return sql
    }

    /// Rows matching the filters (for progress).
    public func count(_ database: any DatabaseClient, partnerID: Int64, filters: Filters) async throws -> Int64 {
        try await database.read { db in
            Int64(
                try Rows.count(
                    try await db.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table.from) WHERE \(conditions(partnerID: partnerID, filters))").first()
                )
            )
        }
    }

    /// Up to `limit` rows with id after `after`, in id order: `(id, values)`.
    public func page(
        _ database: any DatabaseClient,
        partnerID: Int64,
        filters: Filters,
        after: Int64,
        limit: Int
    ) async throws -> [(
        Int64, [ExportValue]
    )] {
        let columns = self.columns
        let a = table.alias
        return try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: table.select) FROM \(unsafeRaw: table.from)
                WHERE \(conditions(partnerID: partnerID, filters)) AND \(unsafeRaw: a).id > \(bind: after) ORDER BY \(unsafeRaw: a).id LIMIT \(bind: limit)
                """
            ).all().map { r in (try r.decode(column: "id", as: Int64.self), try columns.map { try $0.read(r) }) }
        }
    }
}
