import LoyaltyModels

/// One public event (a webhook body's `data`, a feed item), derived from a committed
/// outbox fact (``EventFact``).
///
/// The write paths record one fact per change (the award path's single outbox row is
/// part of its measured cost); the derived events (`points.awarded` next to
/// `transaction.created`, both sides of a transfer) are built here, after commit. The
/// fact exists exactly when the change committed, so the derived events do too.
/// ``expand(type:data:createdAt:)`` is pure: the same fact always gives the same
/// events, in the same order, with keys in the documented order (docs/WEBHOOKS.md).
public struct EventPayload: Sendable, Equatable {
    public var type: String
    public var data: JSON
    public var shopID: Int64?

    public init(type: String, data: JSON, shopID: Int64?) {
        self.type = type
        self.data = data
        self.shopID = shopID
    }

    /// The public events one fact stands for, in order (their position is the event's
    /// sub-index in its id and cursor):
    /// - `transaction.created`: the transaction, then `points.deducted` / `points.awarded`
    ///   for the points that moved (``transactionEvents(_:createdAt:shopID:)``);
    /// - `points.adjusted`: itself, a `transaction.created` of type `adjustment`, and the
    ///   points that moved;
    /// - `points.transferred`: itself, a `transaction.created` of type `transfer` from the
    ///   sender's side, `points.deducted` for the sender and `points.awarded` for the recipient;
    /// - anything else: itself, unchanged.
    /// Members the fact lacks are `null`; `shop_id` comes from the fact.
    public static func expand(type: String, data: JSON, createdAt: Int64) -> [EventPayload] {
        let shopID = data["shop_id"].flatMap(int)
        switch type {
        case EventType.transactionCreated:
            return transactionEvents(data, createdAt: createdAt, shopID: shopID)
        case EventType.pointsAdjusted:
            let points = int(data["points"]) ?? 0
            let tx = JSON.object([
                ("transaction_id", data["transaction_id"] ?? .null), ("type", .string("adjustment")), ("status", .string("completed")),
                ("order_id", .null), ("reference_number", .null),
                ("user_id", data["user_id"] ?? .null), ("loyalty_card_id", data["loyalty_card_id"] ?? .null),
                ("shop_id", .optional(shopID)), ("amount", .null), ("currency", .null),
                ("points_awarded", .int(max(0, points))), ("points_redeemed", .int(max(0, -points))),
                ("points_balance", data["points_balance"] ?? .null), ("transaction_date", .string(Timestamp.iso8601(createdAt))),
            ])
            return [
                EventPayload(type: type, data: data, shopID: shopID), EventPayload(type: EventType.transactionCreated, data: tx, shopID: shopID),
                pointsEvent(
                    points > 0 ? EventType.pointsAwarded : EventType.pointsDeducted,
                    user: data["user_id"],
                    card: data["loyalty_card_id"],
                    shopID: shopID,
                    transaction: data["transaction_id"],
                    points: abs(points),
                    balance: data["points_balance"],
                    source: "adjustment",
                    order: nil
                ),
            ]
        case EventType.pointsTransferred:
            let points = int(data["points"]) ?? 0
            let tx = JSON.object([
                ("transaction_id", data["transaction_id"] ?? .null), ("type", .string("transfer")), ("status", .string("completed")),
                ("order_id", data["reference"] ?? .null), ("reference_number", data["reference"] ?? .null),
                ("user_id", data["from_user_id"] ?? .null), ("loyalty_card_id", data["from_card_id"] ?? .null),
                ("shop_id", .optional(shopID)), ("amount", .null), ("currency", .null),
                ("points_awarded", .int(0)), ("points_redeemed", .int(points)),
                ("points_balance", data["from_balance"] ?? .null), ("transaction_date", .string(Timestamp.iso8601(createdAt))),
            ])
            return [
                EventPayload(type: type, data: data, shopID: shopID), EventPayload(type: EventType.transactionCreated, data: tx, shopID: shopID),
                pointsEvent(
                    EventType.pointsDeducted,
                    user: data["from_user_id"],
                    card: data["from_card_id"],
                    shopID: shopID,
                    transaction: data["transaction_id"],
                    points: points,
                    balance: data["from_balance"],
                    source: "transfer",
                    order: data["reference"]
                ),
                pointsEvent(
                    EventType.pointsAwarded,
                    user: data["to_user_id"],
                    card: data["to_card_id"],
                    shopID: shopID,
                    transaction: data["transaction_id"],
                    points: points,
                    balance: data["to_balance"],
                    source: "transfer",
                    order: data["reference"]
                ),
            ]
        default:
            return [EventPayload(type: type, data: data, shopID: shopID)]
        }
    }

    /// `transaction.created` in the real platform's shape (plus points), then the
    /// points that moved. A purchase may redeem and earn: `points.deducted` (source
    /// `redemption`) comes first. A refund's fact stores the points it took back in
    /// `points_awarded` and the redeemed points it gave back in `points_redeemed`; its
    /// event says so plainly (`points_reversed`, `redeemed_returned`) and the points
    /// events have source `refund`. No points event for zero points.
    public static func transactionEvents(_ d: JSON, createdAt: Int64, shopID: Int64?) -> [EventPayload] {
        let txType = d["type"].flatMap(string) ?? "purchase"
        let isRefund = txType == "refund" || txType == "cancellation"
        let awarded = int(d["points_awarded"]) ?? 0
        let redeemed = int(d["points_redeemed"]) ?? 0
        var members: [(String, JSON)] = [
            ("transaction_id", d["transaction_id"] ?? .null), ("type", .string(txType)), ("status", .string("completed")),
            ("order_id", d["order_id"] ?? .null), ("reference_number", d["order_id"] ?? .null),
            ("user_id", d["user_id"] ?? .null), ("loyalty_card_id", d["loyalty_card_id"] ?? .null), ("shop_id", .optional(shopID)),
            ("amount", d["amount"] ?? .null), ("currency", d["currency"] ?? .null),
            ("points_awarded", .int(awarded)), ("points_redeemed", .int(redeemed)),
        ]
        if isRefund { members += [("points_reversed", .int(awarded)), ("redeemed_returned", .int(redeemed))] }
        members += [("points_balance", d["points_balance"] ?? .null), ("transaction_date", .string(Timestamp.iso8601(createdAt)))]
        var out = [EventPayload(type: EventType.transactionCreated, data: .object(members), shopID: shopID)]
        func points(_ type: String, _ n: Int64, _ source: String) {
            guard n > 0 else { return }
            out.append(
                pointsEvent(
                    type,
                    user: d["user_id"],
                    card: d["loyalty_card_id"],
                    shopID: shopID,
                    transaction: d["transaction_id"],
                    points: n,
                    balance: d["points_balance"],
                    source: source,
                    order: d["order_id"]
                )
            )
        }
        if isRefund {
            points(EventType.pointsDeducted, awarded, "refund")
            points(EventType.pointsAwarded, redeemed, "refund")
        } else {
            points(EventType.pointsDeducted, redeemed, "redemption")
            points(EventType.pointsAwarded, awarded, txType)
        }
        return out
    }

    /// `points.awarded` or `points.deducted`: who, which card, how many, the balance after, and why (`source`).
    public static func pointsEvent(
        _ type: String,
        user: JSON?,
        card: JSON?,
        shopID: Int64?,
        transaction: JSON?,
        points: Int64,
        balance: JSON?,
        source: String,
        order: JSON?
    ) -> EventPayload {
        EventPayload(
            type: type,
            data: .object([
                ("user_id", user ?? .null), ("loyalty_card_id", card ?? .null), ("shop_id", .optional(shopID)),
                ("transaction_id", transaction ?? .null),
                ("points", .int(points)), ("points_balance", balance ?? .null), ("source", .string(source)), ("order_id", order ?? .null),
            ]),
            shopID: shopID
        )
    }

    /// An integer member, also when a stored fact was read back as a whole double.
    static func int(_ j: JSON?) -> Int64? {
        switch j {
        case let .int(i): i
        case let .double(d): d.isFinite && d == d.rounded() && abs(d) < 9e15 ? Int64(d) : nil
        default: nil
        }
    }

    static func string(_ j: JSON) -> String? { if case let .string(s) = j { s } else { nil } }
}
