import Foundation
import LoyaltyCore
import LoyaltyModels

/// `POST points/award` (and each item of `points/bulk-award`).
struct AwardPointsRequest {
    var points: Int64
    var reason: String
    var orderID: String?
    var shopID: Int64?
    var description: String?
    var customer: CustomerSelector

    init(_ fields: Fields) throws {
        var f = fields
        let points = f.int("points", required: true, min: 1, max: 1_000_000_000)
        reason = f.string("reason", maxLength: 191) ?? "bonus"
        orderID = f.string("order_id", maxLength: 191)
        shopID = f.int("shop_id", min: 1, max: Int64.max)
        description = f.string("description", maxLength: 1000)
        let customer = CustomerSelector.read(&f)
        try f.throwIfInvalid()
        self.points = try f.required(points, "points")
        self.customer = try f.required(customer, "customer_id")
    }
}

/// `POST points/deduct`: a refund by `refund_id`, proportional to `refund_amount` or of
/// explicit `points`.
struct DeductPointsRequest {
    var orderID: String
    var refundID: String
    var points: Int64?
    var refundAmountMinor: Int64?
    var reason: String
    var customer: CustomerSelector

    init(_ fields: Fields) throws {
        var f = fields
        let orderID = f.string("order_id", required: true, maxLength: 191)
        let refundID = f.string("refund_id", required: true, maxLength: 191)
        points = f.int("points", min: 1, max: 1_000_000_000)
        refundAmountMinor = f.money("refund_amount")
        reason = f.string("reason", maxLength: 191) ?? "refund"
        let customer = CustomerSelector.read(&f)
        try f.throwIfInvalid()
        self.orderID = try f.required(orderID, "order_id")
        self.refundID = try f.required(refundID, "refund_id")
        self.customer = try f.required(customer, "customer_id")
    }
}

/// `POST points/bulk-award`: up to 10,000 award items under `awards` (or `items`); each
/// item is validated on its own (``AwardPointsRequest``).
struct BulkAwardRequest {
    /// The field the items came in, for per-item error names (`awards.3`).
    var key: String
    var items: [JSON]

    init(_ fields: Fields) throws {
        var f = fields
        key = f.has("awards") ? "awards" : "items"
        let items = f.array(key, required: true, maxItems: 10_000)
        try f.throwIfInvalid()
        self.items = try f.required(items, key)
    }
}

/// `POST points/transfer`: points from one customer to another (lots keep their expiry).
struct TransferRequest {
    var points: Int64
    var reason: String
    var reference: String?
    var from: CustomerSelector
    var to: CustomerSelector

    init(_ fields: Fields) throws {
        var f = fields
        let points = f.int("points", required: true, min: 1, max: 1_000_000_000)
        let reason = f.string("reason", required: true, maxLength: 191)
        reference = f.string("reference", maxLength: 191)
        let from = CustomerSelector.read(&f, idField: "from_customer_id", externalField: "from_external_id", emailField: "from_email")
        let to = CustomerSelector.read(&f, idField: "to_customer_id", externalField: "to_external_id", emailField: "to_email")
        try f.throwIfInvalid()
        self.points = try f.required(points, "points")
        self.reason = try f.required(reason, "reason")
        self.from = try f.required(from, "from_customer_id")
        self.to = try f.required(to, "to_customer_id")
    }
}

/// `POST points/adjust`: a signed manual adjustment with a reason and an actor.
struct AdjustmentRequest {
    var points: Int64
    var reason: String
    var reference: String?
    var actor: String?
    var customer: CustomerSelector

    init(_ fields: Fields) throws {
        var f = fields
        let points = f.int("points", required: true, min: -1_000_000_000, max: 1_000_000_000)
        let reason = f.string("reason", required: true, maxLength: 191)
        reference = f.string("reference", maxLength: 191)
        actor = f.string("actor", maxLength: 191)
        if points == 0 { f.fail("points", "v_not_zero") }
        let customer = CustomerSelector.read(&f)
        try f.throwIfInvalid()
        self.points = try f.required(points, "points")
        self.reason = try f.required(reason, "reason")
        self.customer = try f.required(customer, "customer_id")
    }
}

/// `POST activities`: an activity of the programme, optionally with the referred customer.
struct ActivityRequest {
    var activity: String
    var reference: String?
    var referred: CustomerSelector?
    var customer: CustomerSelector

    init(_ fields: Fields) throws {
        var f = fields
        let activity = f.string("activity", required: true, maxLength: 64)
        reference = f.string("reference", maxLength: 191)
        if f.has("referred_customer_id") || f.has("referred_email") || f.has("referred_external_id") {
            referred = CustomerSelector.read(&f, idField: "referred_customer_id", externalField: "referred_external_id", emailField: "referred_email")
        }
        let customer = CustomerSelector.read(&f)
        try f.throwIfInvalid()
        self.activity = try f.required(activity, "activity")
        self.customer = try f.required(customer, "customer_id")
    }
}

/// `PUT customers/{id}/tier`: a manual tier, optionally until a date.
struct TierOverrideRequest {
    var tier: String
    var until: Int64?
    var reason: String
    var actor: String?

    init(_ fields: Fields, now: Int64) throws {
        var f = fields
        let tier = f.string("tier", required: true, maxLength: 64)
        until = f.date("until")
        let reason = f.string("reason", required: true, maxLength: 191)
        actor = f.string("actor", maxLength: 191)
        if let until, until <= now { f.fail("until", "v_future") }
        try f.throwIfInvalid()
        self.tier = try f.required(tier, "tier")
        self.reason = try f.required(reason, "reason")
    }
}
