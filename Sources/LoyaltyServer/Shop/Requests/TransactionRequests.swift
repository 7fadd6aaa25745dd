import LoyaltyCore
import LoyaltyModels

/// `POST transactions/create` (S16) and its alias `transactions/award-points` (S17).
/// Older client shapes (`card_id`, `amount`, `reference`; spec §9.2 D5) are accepted as
/// aliases when the canonical field is absent.
struct CreateTransactionRequest {
    var orderID: String
    var type: TransactionType
    var customer: TransactionCommand.CustomerRef
    /// The card to use when the customer is named by id or email (else the card is the customer).
    var cardID: Int64?
    var orderTotalMinor: Int64?
    var points: Int64?
    var pointsRedeemed: Int64?
    var discountMinor: Int64?
    var currency: String?
    var shopID: Int64?
    var description: String?
    var cartItems: [JSON]?
    var metadata: JSON?
    /// A coupon redeemed with the purchase (its code, or a coupon QR payload).
    var couponCode: String?

    init(_ fields: Fields) throws {
        var f = fields
        let orderID = f.string("order_id", maxLength: 191) ?? (f.has("order_id") ? nil : f.string("reference", maxLength: 191))
        if orderID == nil && !f.has("order_id") && !f.has("reference") { f.fail("order_id", "v_required") }
        type = TransactionType(rawValue: f.oneOf("type", ["purchase", "cancellation", "refund"]) ?? "purchase") ?? .purchase
        let userID = f.int("user_id", min: 1, max: Int64.max)
        let email = f.email("user_email")
        let cardID = f.int("loyalty_card_id", min: 1, max: Int64.max) ?? (f.has("loyalty_card_id") ? nil : f.int("card_id", min: 1, max: Int64.max))
        let total = f.money("order_total") ?? (f.has("order_total") ? nil : f.money("amount"))
        points = f.int("points", min: 0, max: 1_000_000_000)
        pointsRedeemed = f.int("points_redeemed", min: 0, max: 1_000_000_000)
        discountMinor = f.money("points_discount_amount")
        currency = f.currency("currency")
        shopID = f.int("shop_id", min: 1, max: Int64.max)
        description = f.string("description", maxLength: 1000)
        let items = f.array("cart_items", maxItems: 1000)
        if let items, items.contains(where: { if case .object = $0 { false } else { true } }) { f.fail("cart_items", "v_object") }
        metadata = f.object("meta_data")
        couponCode = f.string("coupon_code", maxLength: 200)
        if couponCode != nil && type != .purchase { f.fail("coupon_code", "coupon_purchase_only") }
        // A coupon is priced against the purchase: without a total it would be spent for nothing.
        if couponCode != nil && type == .purchase && total == nil && !f.has("order_total") && !f.has("amount") {
            f.fail("order_total", "coupon_needs_total")
        }
        if userID == nil && email == nil && cardID == nil
            && !f.errors.contains(where: { ["user_id", "user_email", "loyalty_card_id"].contains($0.0) })
        {
            f.fail("user_id", "one_of_required", ["fields": "user_id, user_email"])
        }
        if type == .purchase && total == nil && points == nil && !f.has("order_total") && !f.has("amount") && !f.has("points") {
            f.fail("order_total", "v_required")
        }
        try f.throwIfInvalid()
        self.orderID = try f.required(orderID, "order_id")
        let customer: TransactionCommand.CustomerRef? = userID.map { .id($0) } ?? email.map { .email($0) } ?? cardID.map { .card($0) }
        self.customer = try f.required(customer, "user_id")
        self.cardID = userID != nil || email != nil ? cardID : nil
        orderTotalMinor = total
        cartItems = items
    }
}

/// `POST points/reserve` (S20): hold points for an order.
struct ReserveRequest {
    var points: Int64
    var orderID: String
    var customer: TransactionCommand.CustomerRef
    var cardID: Int64?
    var sessionID: String?

    init(_ fields: Fields) throws {
        var f = fields
        let points = f.int("points", required: true, min: 1, max: 1_000_000_000)
        let orderID = f.string("order_id", required: true, maxLength: 191)
        let userID = f.int("user_id", min: 1, max: Int64.max)
        let email = f.email("user_email")
        let cardID = f.int("loyalty_card_id", min: 1, max: Int64.max)
        sessionID = f.string("session_id", maxLength: 191)
        if userID == nil && email == nil && cardID == nil { f.fail("user_id", "one_of_required", ["fields": "user_id, user_email, loyalty_card_id"]) }
        try f.throwIfInvalid()
        self.points = try f.required(points, "points")
        self.orderID = try f.required(orderID, "order_id")
        let customer: TransactionCommand.CustomerRef? = userID.map { .id($0) } ?? email.map { .email($0) } ?? cardID.map { .card($0) }
        self.customer = try f.required(customer, "user_id")
        self.cardID = userID != nil || email != nil ? cardID : nil
    }
}
