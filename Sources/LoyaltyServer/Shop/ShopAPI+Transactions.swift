import Foundation
import HTTPTypes
import Logging
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

extension ShopAPI {
    // MARK: transactions/create (S16, S17)

    /// The S16 command: the validated request (``CreateTransactionRequest``) for this
    /// caller's partner and shop.
    func transactionCommand(_ call: APICall) async throws -> TransactionCommand {
        let r = try CreateTransactionRequest(call.fields)
        var stored: [(String, JSON)] = [("items_count", .int(Int64(r.cartItems?.count ?? 0)))]
        if let meta = r.metadata { stored.append(("meta_data", meta)) }
        if let items = r.cartItems { stored.append(("cart_items", .array(items))) }
        var coupon: String?
        if let text = r.couponCode {
            // A scanned coupon QR is reduced to its code here (the signature is checked).
            coupon = try await services.couponQR.code(in: text, partnerID: call.partnerID) ?? text
            stored.append(("coupon_code", .string(coupon ?? text)))
        }
        var command = TransactionCommand(
            partnerID: call.partnerID,
            shopID: r.shopID ?? call.principal.shopID,
            customer: r.customer,
            cardID: r.cardID,
            orderID: r.orderID,
            type: r.type,
            orderTotalMinor: r.orderTotalMinor,
            currency: r.currency,
            points: r.points,
            pointsRedeemed: r.pointsRedeemed,
            discountMinor: r.discountMinor,
            description: r.description,
            reason: r.type == .purchase ? "purchase" : r.type.rawValue,
            metadataJSON: JSON.object(stored).serializedString(),
            cartItems: (r.cartItems ?? []).compactMap(Self.cartItem)
        )
        command.couponCode = coupon
        return command
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
        let quantity: Int64 =
            switch json["quantity"] {
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
        let command = try await transactionCommand(call)
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
                return APIResult(
                    data: .array([]),
                    meta: Envelope.meta(
                        Page<Int>(items: [], request: page, total: 0),
                        extra: [("total_points_earned", .int(0)), ("total_points_spent", .int(0))]
                    )
                )
            }
            filter.customerID = c.id
        }
        let result = try await ledger.transactions(partnerID: call.partnerID, filter: filter, page: page)
        let earned = result.items.reduce(Int64(0)) { $0 + max(0, $1.transaction.netPoints) }
        let spent = result.items.reduce(Int64(0)) { $0 + max(0, -$1.transaction.netPoints) }
        return APIResult(
            data: .array(result.items.map { Present.transaction($0, partner: p) }),
            meta: Envelope.meta(result, extra: [("total_points_earned", .int(earned)), ("total_points_spent", .int(spent))])
        )
    }

    // MARK: Reservations (S20-S22)

    @Sendable func reserve(_ call: APICall) async throws -> APIResult {
        let r = try ReserveRequest(call.fields)
        let reservation = try await ledger.reserve(
            partnerID: call.partnerID,
            customer: r.customer,
            cardID: r.cardID,
            orderID: r.orderID,
            points: r.points,
            sessionID: r.sessionID
        )
        return APIResult(status: .created, messageKey: "reserved", data: Present.reservation(reservation))
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
        guard let r = try await ledger.reservation(partnerID: call.partnerID, reservationID: id, orderID: order) else {
            throw LoyaltyError.reservationNotFound
        }
        return APIResult(data: Present.reservation(r))
    }
}
