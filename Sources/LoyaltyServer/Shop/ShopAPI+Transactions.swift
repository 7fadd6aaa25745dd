import Foundation
import HTTPTypes
import Logging
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

extension ShopAPI {
    // MARK: transactions/create (S16, S17)

    /// Reads the S16 body into a command. Older client shapes (`card_id`, `amount`,
    /// `reference`; spec §9.2 D5) are accepted as aliases when the canonical field is absent.
    func transactionCommand(_ call: APICall) throws -> TransactionCommand {
        var f = call.fields
        let orderID = f.string("order_id", maxLength: 191) ?? (f.has("order_id") ? nil : f.string("reference", maxLength: 191))
        if orderID == nil && !f.has("order_id") && !f.has("reference") { f.fail("order_id", "v_required") }
        let type = TransactionType(rawValue: f.oneOf("type", ["purchase", "cancellation", "refund"]) ?? "purchase") ?? .purchase
        let userID = f.int("user_id", min: 1, max: Int64.max)
        let email = f.email("user_email")
        let cardID = f.int("loyalty_card_id", min: 1, max: Int64.max) ?? (f.has("loyalty_card_id") ? nil : f.int("card_id", min: 1, max: Int64.max))
        let total = f.money("order_total") ?? (f.has("order_total") ? nil : f.money("amount"))
        let points = f.int("points", min: 0, max: 1_000_000_000)
        let redeemed = f.int("points_redeemed", min: 0, max: 1_000_000_000)
        let discount = f.money("points_discount_amount")
        let currency = f.currency("currency")
        let shopID = f.int("shop_id", min: 1, max: Int64.max)
        let description = f.string("description", maxLength: 1000)
        let items = f.array("cart_items", maxItems: 1000)
        if let items, items.contains(where: { if case .object = $0 { false } else { true } }) { f.fail("cart_items", "v_object") }
        let meta = f.object("meta_data")
        if userID == nil && email == nil && cardID == nil && !f.errors.contains(where: { ["user_id", "user_email", "loyalty_card_id"].contains($0.0) }) {
            f.fail("user_id", "one_of_required", ["fields": "user_id, user_email"])
        }
        if type == .purchase && total == nil && points == nil && !f.has("order_total") && !f.has("amount") && !f.has("points") {
            f.fail("order_total", "v_required")
        }
        try f.throwIfInvalid()
        let customer: TransactionCommand.CustomerRef = userID.map { .id($0) } ?? email.map { .email($0) } ?? .card(cardID!)
        var stored: [(String, JSON)] = [("items_count", .int(Int64(items?.count ?? 0)))]
        if let meta { stored.append(("meta_data", meta)) }
        if let items { stored.append(("cart_items", .array(items))) }
        return TransactionCommand(
            partnerID: call.partnerID, shopID: shopID ?? call.principal.shopID, customer: customer, cardID: userID != nil || email != nil ? cardID : nil,
            orderID: orderID!, type: type, orderTotalMinor: total, currency: currency, points: points, pointsRedeemed: redeemed,
            discountMinor: discount, description: description, reason: type == .purchase ? "purchase" : type.rawValue,
            metadataJSON: JSON.object(stored).serializedString(), cartItems: (items ?? []).compactMap(Self.cartItem))
    }

    /// A cart line for bonus rules: `sku` (or `product_id`), `category`, and the line
    /// total from `total_price`, else `unit_price` x `quantity`. Lines without a usable
    /// amount are ignored by the rules (they were validated as objects above).
    static func cartItem(_ json: JSON) -> CartItem? {
        func text(_ key: String) -> String? {
            switch json[key] {
            case let .string(s)? where !s.isEmpty: String(s.prefix(191))
            case let .int(i)?: String(i)
            default: nil
            }
        }
        func amount(_ key: String) -> Int64? {
            switch json[key] {
            case let .int(i)?: i >= 0 && i <= Money.maximumMinor / 100 ? i * 100 : nil
            case let .double(d)?: d >= 0 ? Money.minorUnits(fromDecimal: d) : nil
            case let .string(s)?: Double(s).flatMap { $0 >= 0 ? Money.minorUnits(fromDecimal: $0) : nil }
            default: nil
            }
        }
        let quantity: Int64 = switch json["quantity"] {
        case let .int(q)? where q > 0 && q <= 1_000_000: q
        case let .double(d)? where d > 0 && d <= 1_000_000: Int64(d.rounded())
        default: 1
        }
        // A product that overflows (or exceeds the money limit) is not a usable line.
        let product = amount("unit_price").flatMap { price -> Int64? in
            let (line, overflow) = price.multipliedReportingOverflow(by: quantity)
            return overflow || line > Money.maximumMinor ? nil : line
        }
        guard let line = amount("total_price") ?? product else { return nil }
        return CartItem(sku: text("sku") ?? text("product_id"), category: text("category"), amountMinor: line)
    }

    @Sendable func createTransaction(_ call: APICall) async throws -> APIResult {
        let command = try transactionCommand(call)
        let outcome = try await ledger.post(command)
        let reversal = command.type == .refund || command.type == .cancellation
        return APIResult(status: .created, messageKey: reversal ? "points_reversed" : "points_awarded", data: Present.outcome(outcome))
    }

    // MARK: History (S19)

    @Sendable func transactions(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        var filter = TransactionFilter()
        filter.customerID = f.int("user_id", min: 1, max: Int64.max)
        let email = f.email("user_email")
        filter.cardID = f.int("loyalty_card_id", min: 1, max: Int64.max) ?? f.int("card_id", min: 1, max: Int64.max)
        filter.shopID = f.int("shop_id", min: 1, max: Int64.max)
        filter.orderID = f.string("reference_number", maxLength: 191) ?? f.string("order_id", maxLength: 191)
        filter.type = f.oneOf("type", TransactionType.allCases.map(\.rawValue)).flatMap(TransactionType.init(rawValue:))
        filter.fromMillis = f.date("date_from")
        // date_to is inclusive: everything before the next midnight.
        filter.toMillis = f.date("date_to").map { $0 + 86_400_000 }
        try f.throwIfInvalid()
        let p = try await partner(call)
        if let email {
            guard let c = try await customers.customer(partnerID: call.partnerID, email: email) else {
                return APIResult(data: .array([]), meta: Envelope.meta(Page<Int>(items: [], request: page, total: 0), extra: [("total_points_earned", .int(0)), ("total_points_spent", .int(0))]))
            }
            filter.customerID = c.id
        }
        let result = try await ledger.transactions(partnerID: call.partnerID, filter: filter, page: page)
        let earned = result.items.reduce(Int64(0)) { $0 + max(0, $1.transaction.netPoints) }
        let spent = result.items.reduce(Int64(0)) { $0 + max(0, -$1.transaction.netPoints) }
        return APIResult(data: .array(result.items.map { Present.transaction($0, partner: p) }), meta: Envelope.meta(result, extra: [("total_points_earned", .int(earned)), ("total_points_spent", .int(spent))]))
    }

    // MARK: Reservations (S20-S22)

    @Sendable func reserve(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let points = f.int("points", required: true, min: 1, max: 1_000_000_000)
        let orderID = f.string("order_id", required: true, maxLength: 191)
        let userID = f.int("user_id", min: 1, max: Int64.max)
        let email = f.email("user_email")
        let cardID = f.int("loyalty_card_id", min: 1, max: Int64.max)
        let session = f.string("session_id", maxLength: 191)
        if userID == nil && email == nil && cardID == nil { f.fail("user_id", "one_of_required", ["fields": "user_id, user_email, loyalty_card_id"]) }
        try f.throwIfInvalid()
        let customer: TransactionCommand.CustomerRef = userID.map { .id($0) } ?? email.map { .email($0) } ?? .card(cardID!)
        let r = try await ledger.reserve(partnerID: call.partnerID, customer: customer, cardID: userID != nil || email != nil ? cardID : nil, orderID: orderID!, points: points!, sessionID: session)
        return APIResult(status: .created, messageKey: "reserved", data: Present.reservation(r))
    }

    func reservationKey(_ call: APICall) throws -> (Int64?, String?) {
        var f = call.fields
        let id = f.int("reservation_id", min: 1, max: Int64.max)
        let order = f.string("order_id", maxLength: 191)
        if id == nil && order == nil && f.errors.isEmpty { f.fail("reservation_id", "one_of_required", ["fields": "reservation_id, order_id"]) }
        try f.throwIfInvalid()
        return (id, order)
    }

    @Sendable func release(_ call: APICall) async throws -> APIResult {
        let (id, order) = try reservationKey(call)
        let r = try await ledger.release(partnerID: call.partnerID, reservationID: id, orderID: order)
        return APIResult(messageKey: "released", data: Present.reservation(r))
    }

    @Sendable func reservation(_ call: APICall) async throws -> APIResult {
        let (id, order) = try reservationKey(call)
        guard let r = try await ledger.reservation(partnerID: call.partnerID, reservationID: id, orderID: order) else { throw LoyaltyError.reservationNotFound }
        return APIResult(data: Present.reservation(r))
    }
}
