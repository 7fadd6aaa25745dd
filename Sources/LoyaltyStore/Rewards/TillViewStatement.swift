import PostgresNIO

/// ``SQLCouponRepository/tillView(partnerID:code:shopID:)`` on PostgreSQL as a named
/// prepared statement (the same SQL as the SQLite path).
struct TillViewStatement: PostgresPreparedStatement {
    static let name = "loyalty_coupon_till_view_v1"
    static let sql = """
        SELECT \(SQLCouponRepository.viewColumns), \(SQLCouponRepository.tillColumns), s.id AS shop_found,
          (SELECT COUNT(*) FROM coupons o2 WHERE o2.partner_id = k.partner_id AND o2.customer_id = k.customer_id
            AND o2.status IN ('active', 'pending') AND (o2.expires_at IS NULL OR o2.expires_at > $4)) AS open_coupons
        FROM \(SQLCouponRepository.viewFrom)
        JOIN card_templates t ON t.partner_id = lc.partner_id AND t.id = lc.template_id
        LEFT JOIN shops s ON s.partner_id = k.partner_id AND s.id = $3
        WHERE k.code = $1 AND k.partner_id = $2
        """
    static var bindingDataTypes: [PostgresDataType] { [.text, .int8, .int8, .int8] }
    var code: String
    var partnerID: Int64
    var shopID: Int64
    var now: Int64

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 4)
        b.append(code)
        b.append(partnerID)
        b.append(shopID)
        b.append(now)
        return b
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
