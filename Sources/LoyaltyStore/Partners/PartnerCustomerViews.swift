import LoyaltyCore
import SQLKit

/// A customer as the Partner API lists them (P07): the profile, the primary card's
/// balance and tier, and purchase totals.
public struct PartnerCustomerView: Sendable {
    public var customer: Customer
    public var cardID: Int64?
    public var cardNumber: String?
    public var balance: Int64
    public var lifetimeEarned: Int64
    public var tier: String?
    /// Purchases on the primary card and their total, in minor units.
    public var purchases: Int64
    public var spentMinor: Int64
    /// The shop point sharing counts as the member's own (``PointSharing``).
    public var homeShopID: Int64?
}

/// The Partner API's read models over customers (P07, P08).
public protocol PartnerCustomerViews: Sendable {
    /// Customers by id; `search` matches part of the name, email, phone, external id or
    /// card number (case-insensitive).
    func customers(partnerID: Int64, search: String?, page: PageRequest) async throws -> Page<PartnerCustomerView>
    func customer(partnerID: Int64, id: Int64) async throws -> PartnerCustomerView?
}

public struct SQLPartnerCustomerViews: PartnerCustomerViews {
    let database: any DatabaseClient

    public init(database: any DatabaseClient) {
        self.database = database
    }

    public func customers(partnerID: Int64, search: String?, page: PageRequest) async throws -> Page<PartnerCustomerView> {
        var condition: SQLQueryString = "c.partner_id = \(bind: partnerID)"
        if let search, !search.isEmpty {
            let like = "%\(search.lowercased())%"
            condition +=
                """
                 AND (LOWER(COALESCE(c.name, '')) LIKE \(bind: like) OR LOWER(COALESCE(c.email, '')) LIKE \(bind: like)
                   OR COALESCE(c.phone, '') LIKE \(bind: like) OR LOWER(COALESCE(c.external_id, '')) LIKE \(bind: like)
                   OR c.id IN (SELECT customer_id FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND LOWER(card_number) LIKE \(bind: like)))
                """
        }
        return try await list(condition, page: page)
    }

    public func customer(partnerID: Int64, id: Int64) async throws -> PartnerCustomerView? {
        try await list("c.partner_id = \(bind: partnerID) AND c.id = \(bind: id)", page: PageRequest(page: 1, perPage: 1)).items.first
    }

    private func list(_ condition: SQLQueryString, page: PageRequest) async throws -> Page<PartnerCustomerView> {
        try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM customers c WHERE \(condition)").first())
            // The primary card is the customer's first; purchases are counted on it by
            // the (partner_id, card_id, id) index.
            let rows = try await db.raw(
                """
                SELECT c.id, c.partner_id, c.external_id, c.email, c.phone, c.name, c.created_at, c.updated_at, c.home_shop_id,
                  lc.id AS card_id, lc.card_number, lc.balance, lc.lifetime_earned, COALESCE(lc.tier_override, lc.tier) AS tier,
                  (SELECT COUNT(*) FROM transactions t WHERE t.partner_id = c.partner_id AND t.card_id = lc.id AND t.type = 'purchase') AS purchases,
                  (SELECT CAST(COALESCE(SUM(t.amount_minor), 0) AS BIGINT) FROM transactions t WHERE t.partner_id = c.partner_id
                    AND t.card_id = lc.id AND t.type = 'purchase') AS spent
                FROM customers c
                LEFT JOIN loyalty_cards lc ON lc.partner_id = c.partner_id AND lc.id = (
                  SELECT MIN(id) FROM loyalty_cards WHERE partner_id = c.partner_id AND customer_id = c.id)
                WHERE \(condition)
                ORDER BY c.id LIMIT \(literal: page.perPage) OFFSET \(literal: page.offset)
                """
            ).all()
            let items = try rows.map { r in
                PartnerCustomerView(
                    customer: try Rows.customer(r),
                    cardID: try r.decode(column: "card_id", as: Int64?.self),
                    cardNumber: try r.decode(column: "card_number", as: String?.self),
                    balance: try r.decode(column: "balance", as: Int64?.self) ?? 0,
                    lifetimeEarned: try r.decode(column: "lifetime_earned", as: Int64?.self) ?? 0,
                    tier: try r.decode(column: "tier", as: String?.self),
                    purchases: try r.decode(column: "purchases", as: Int64.self),
                    spentMinor: try r.decode(column: "spent", as: Int64.self),
                    homeShopID: try r.decode(column: "home_shop_id", as: Int64?.self)
                )
            }
            return Page(items: items, request: page, total: total)
        }
    }
}
