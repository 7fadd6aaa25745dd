import LoyaltyCore
import LoyaltyModels

/// Turns one committed outbox fact into the public events it stands for.
///
/// The write paths record one fact per change (the award path's single outbox row is
/// part of its measured cost); the derived events (`points.awarded` next to
/// `transaction.created`, both sides of a transfer) are produced here, after commit,
/// by the publisher. The fact exists exactly when the change committed, so the
/// derived events do too.
enum EventExpansion {
    struct Event {
        var type: String
        var data: JSON
        var shopID: Int64?
    }

    static func expand(type: String, data: JSON, createdAt: Int64) -> [Event] {
        let shopID = data["shop_id"].flatMap(int)
        switch type {
        case EventType.transactionCreated:
            return transactionEvents(data, createdAt: createdAt, shopID: shopID)
        case EventType.pointsAdjusted:
            let points = int(data["points"]) ?? 0
            let tx = JSON.object([
                ("transaction_id", data["transaction_id"] ?? .null), ("type", .string("adjustment")), ("status", .string("completed")),
                ("order_id", .null), ("reference_number", .null), ("user_id", data["user_id"] ?? .null), ("loyalty_card_id", data["loyalty_card_id"] ?? .null),
                ("shop_id", .optional(shopID)), ("amount", .null), ("currency", .null),
                ("points_awarded", .int(max(0, points))), ("points_redeemed", .int(max(0, -points))),
                ("points_balance", data["points_balance"] ?? .null), ("transaction_date", .string(Timestamp.iso8601(createdAt))),
            ])
            return [Event(type: type, data: data, shopID: shopID), Event(type: EventType.transactionCreated, data: tx, shopID: shopID),
                    pointsEvent(points > 0 ? EventType.pointsAwarded : EventType.pointsDeducted, user: data["user_id"], card: data["loyalty_card_id"],
                                shopID: shopID, transaction: data["transaction_id"], points: abs(points), balance: data["points_balance"], source: "adjustment", order: nil)]
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
                Event(type: type, data: data, shopID: shopID), Event(type: EventType.transactionCreated, data: tx, shopID: shopID),
                pointsEvent(EventType.pointsDeducted, user: data["from_user_id"], card: data["from_card_id"], shopID: shopID, transaction: data["transaction_id"], points: points, balance: data["from_balance"], source: "transfer", order: data["reference"]),
                pointsEvent(EventType.pointsAwarded, user: data["to_user_id"], card: data["to_card_id"], shopID: shopID, transaction: data["transaction_id"], points: points, balance: data["to_balance"], source: "transfer", order: data["reference"]),
            ]
        default:
            return [Event(type: type, data: data, shopID: shopID)]
        }
    }

    /// `transaction.created` in the real platform's shape (plus points), then the
    /// points that moved. A purchase may redeem and earn. A refund row stores the
    /// points it took back in `points_awarded` and the redeemed points it gave back in
    /// `points_redeemed` (the transaction API's meaning); the events say it plainly.
    static func transactionEvents(_ d: JSON, createdAt: Int64, shopID: Int64?) -> [Event] {
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
        var out = [Event(type: EventType.transactionCreated, data: .object(members), shopID: shopID)]
        func points(_ type: String, _ n: Int64, _ source: String) {
            guard n > 0 else { return }
            out.append(pointsEvent(type, user: d["user_id"], card: d["loyalty_card_id"], shopID: shopID, transaction: d["transaction_id"], points: n, balance: d["points_balance"], source: source, order: d["order_id"]))
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

    static func pointsEvent(_ type: String, user: JSON?, card: JSON?, shopID: Int64?, transaction: JSON?, points: Int64, balance: JSON?, source: String, order: JSON?) -> Event {
        Event(type: type, data: .object([
            ("user_id", user ?? .null), ("loyalty_card_id", card ?? .null), ("shop_id", .optional(shopID)), ("transaction_id", transaction ?? .null),
            ("points", .int(points)), ("points_balance", balance ?? .null), ("source", .string(source)), ("order_id", order ?? .null),
        ]), shopID: shopID)
    }

    static func int(_ j: JSON?) -> Int64? {
        switch j {
        case let .int(i): i
        case let .double(d): d.isFinite && d == d.rounded() && abs(d) < 9e15 ? Int64(d) : nil
        default: nil
        }
    }

    static func string(_ j: JSON) -> String? { if case let .string(s) = j { s } else { nil } }
}
