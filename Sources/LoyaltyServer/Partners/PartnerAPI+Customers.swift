import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// P07-P10: the partner's customers and transactions across all its shops, with the
/// spec's filters and detail views. Partner users of any role read them.
extension PartnerAPI {
    func registerCustomers(_ staff: APIRoutes) {
        staff.get("customers", listCustomers)
        staff.get("customers/:id", getCustomer)
        staff.get("transactions", listTransactions)
        staff.get("transactions/:id", getTransaction)
    }

    static func present(_ v: PartnerCustomerView) -> [(String, JSON)] {
        let c = v.customer
        return [
            ("id", .int(c.id)), ("name", .optional(c.name)), ("email", .optional(c.email)), ("phone", .optional(c.phone)),
            ("external_id", .optional(c.externalID)), ("member_since", .string(String(Timestamp.iso8601(c.createdAt).prefix(10)))),
            ("total_purchases", .int(v.purchases)), ("total_spent", .money(v.spentMinor)), ("total_points", .int(v.balance)),
            ("lifetime_points", .int(v.lifetimeEarned)),
            ("loyalty_level", v.tier.map { .string($0.prefix(1).uppercased() + $0.dropFirst()) } ?? .null),
            ("card_id", .optional(v.cardID)), ("card_number", .optional(v.cardNumber)), ("home_shop_id", .optional(v.homeShopID)),
        ]
    }

    @Sendable func listCustomers(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        let search = f.string("search")
        try f.throwIfInvalid()
        let result = try await services.partnerCustomers.customers(partnerID: call.partnerID, search: search, page: page)
        return APIResult(data: .array(result.items.map { .object(Self.present($0)) }), meta: Envelope.meta(result))
    }

    @Sendable func getCustomer(_ call: APICall) async throws -> APIResult {
        guard let id = call.parameters["id"].flatMap(Int64.init),
            let v = try await services.partnerCustomers.customer(partnerID: call.partnerID, id: id)
        else { throw LoyaltyError.customerNotFound }
        let history = try await services.ledger.transactions(
            partnerID: call.partnerID,
            filter: TransactionFilter(customerID: id),
            page: PageRequest(page: 1, perPage: 50)
        )
        let rows = history.items.map { t in
            JSON.object([
                ("id", .int(t.transaction.id)), ("date", Present.time(t.transaction.createdAt)),
                ("amount", t.transaction.amountMinor.map(JSON.money) ?? .null), ("points_earned", .int(t.transaction.pointsAwarded)),
                ("points_redeemed", .int(t.transaction.pointsRedeemed)), ("type", .string(t.transaction.type.rawValue)),
                ("status", .string(t.transaction.status)), ("shop_id", .optional(t.transaction.shopID)),
            ])
        }
        return APIResult(
            data: .object(Self.present(v) + [("transaction_history", .array(rows)), ("transactions_total", .int(Int64(history.total)))])
        )
    }

    /// P09's filters: search, shop, staff (no transaction records staff today, so a
    /// staff filter matches none), status, and a date range (inclusive days, UTC).
    @Sendable func listTransactions(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        var filter = TransactionFilter()
        filter.search = f.string("search")
        filter.shopID = f.int("shop_id", min: 1, max: Int64.max)
        let staff = f.int("staff_id", min: 1, max: Int64.max)
        filter.status = f.oneOf("status", ["completed", "pending", "cancelled", "reversed", "refunded", "partially_refunded"])
        filter.type = f.oneOf("type", TransactionType.allCases.map(\.rawValue)).flatMap(TransactionType.init(rawValue:))
        filter.fromMillis = f.date("start_date")
        filter.toMillis = f.date("end_date").map { $0 + 86_400_000 }
        if let from = filter.fromMillis, let to = filter.toMillis, to <= from { f.fail("end_date", "v_after", ["other": "start_date"]) }
        try f.throwIfInvalid()
        if staff != nil { return APIResult(data: .array([]), meta: Envelope.meta(Page<Int>(items: [], request: page, total: 0))) }
        let result = try await services.ledger.transactions(partnerID: call.partnerID, filter: filter, page: page)
        let items = result.items.map { v -> JSON in
            let t = v.transaction
            return .object([
                ("id", .int(t.id)), ("date", Present.time(t.createdAt)), ("customer_name", .optional(v.customer.name)),
                ("customer_id", .int(t.customerID)), ("amount", t.amountMinor.map(JSON.money) ?? .null), ("currency", .string(t.currency)),
                ("points_awarded", .int(t.pointsAwarded)), ("points_redeemed", .int(t.pointsRedeemed)), ("status", .string(t.status)),
                ("shop_name", .optional(v.shopName)), ("shop_id", .optional(t.shopID)), ("staff_name", .null), ("staff_id", .null),
                ("type", .string(t.type == .purchase ? "sale" : t.type.rawValue)), ("order_id", .string(t.orderID)),
            ])
        }
        return APIResult(data: .array(items), meta: Envelope.meta(result))
    }

    @Sendable func getTransaction(_ call: APICall) async throws -> APIResult {
        var filter = TransactionFilter()
        filter.id = call.parameters["id"].flatMap(Int64.init) ?? -1
        guard
            let v = try await services.ledger.transactions(partnerID: call.partnerID, filter: filter, page: PageRequest(page: 1, perPage: 1)).items
                .first
        else { throw APIError.notFound("transaction_not_found", code: 1206, stringCode: .transactionNotFound) }
        let t = v.transaction
        var shop = JSON.null
        if let shopID = t.shopID, let s = try await tenants.shop(partnerID: call.partnerID, id: shopID) {
            shop = .object([
                ("id", .int(s.id)), ("name", .string(s.name)), ("address", .optional(s.address)), ("phone", .optional(s.phone)),
                ("email", .optional(s.email)),
            ])
        }
        let metadata = t.metadataJSON.flatMap { try? JSONDecoder().decode(JSON.self, from: Data($0.utf8)) } ?? .null
        let rules = t.rulesAppliedJSON.flatMap { try? JSONDecoder().decode(JSON.self, from: Data($0.utf8)) } ?? .null
        let c = v.customer
        return APIResult(
            data: .object([
                ("id", .int(t.id)), ("date", Present.time(t.createdAt)), ("amount", t.amountMinor.map(JSON.money) ?? .null),
                ("currency", .string(t.currency)), ("points_earned", .int(t.pointsAwarded)), ("points_redeemed", .int(t.pointsRedeemed)),
                ("status", .string(t.status)), ("type", .string(t.type.rawValue)), ("order_id", .string(t.orderID)),
                (
                    "customer",
                    .object([("id", .int(c.id)), ("name", .optional(c.name)), ("email", .optional(c.email)), ("phone", .optional(c.phone))])
                ),
                ("items", metadata["items"] ?? .array([])), ("shop", shop), ("staff", .null),
                ("receipt", .object([("url", .null), ("path", .null), ("available", .bool(false))])), ("points_calculation", rules),
                ("points_discount_amount", t.discountMinor.map(JSON.money) ?? .null), ("uploaded_by_staff_id", .null), ("metadata", metadata),
            ])
        )
    }
}
