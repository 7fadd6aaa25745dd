import LoyaltyModels

/// The facts the write paths record in the outbox, one per change, in the change's
/// own database transaction. ``EventPayload/expand(type:data:createdAt:)`` turns each
/// into the public events it stands for once it has committed.
///
/// Keys are in the order written here; money is ``JSON/money(_:)`` (two decimals).
/// The PostgreSQL award fast path builds ``transaction(_:card:)``'s shape in SQL
/// (`PostgresStatements.AwardBatch`) because its id and balance exist only there.
public enum EventFact {
    /// `transaction.created` for a purchase, award, activity or reversal: the
    /// transaction's points as stored (a reversal keeps the points it took back in
    /// `points_awarded` and the redeemed points it gave back in `points_redeemed`) and
    /// the card's balance after it.
    public static func transaction(_ tx: ShopTransaction, card: LoyaltyCard) -> JSON {
        .object([
            ("transaction_id", .int(tx.id)), ("type", .string(tx.type.rawValue)), ("order_id", .string(tx.orderID)),
            ("user_id", .int(tx.customerID)), ("loyalty_card_id", .int(card.id)), ("shop_id", .optional(tx.shopID)),
            ("points_awarded", .int(tx.pointsAwarded)), ("points_redeemed", .int(tx.pointsRedeemed)),
            ("points_balance", .int(card.balance)), ("amount", tx.amountMinor.map(JSON.money) ?? .null), ("currency", .string(tx.currency)),
        ])
    }

    /// `points.adjusted`: signed `points`, with the reason and who made it.
    public static func adjustment(
        transactionID: Int64,
        customerID: Int64,
        cardID: Int64,
        points: Int64,
        reason: String,
        actor: String?,
        balance: Int64
    ) -> JSON {
        .object([
            ("transaction_id", .int(transactionID)), ("user_id", .int(customerID)), ("loyalty_card_id", .int(cardID)), ("points", .int(points)),
            ("reason", .string(reason)), ("actor", .optional(actor)), ("points_balance", .int(balance)),
        ])
    }

    /// One side of a transfer: the customer, the card and its balance after.
    public struct TransferSide: Sendable, Hashable {
        public var customerID: Int64
        public var cardID: Int64
        public var balance: Int64

        public init(customerID: Int64, cardID: Int64, balance: Int64) {
            self.customerID = customerID
            self.cardID = cardID
            self.balance = balance
        }
    }

    /// `points.transferred`: both sides of the move.
    public static func transfer(
        transactionID: Int64,
        points: Int64,
        reason: String,
        reference: String,
        from: TransferSide,
        to: TransferSide
    ) -> JSON {
        .object([
            ("transaction_id", .int(transactionID)), ("points", .int(points)), ("reason", .string(reason)), ("reference", .string(reference)),
            ("from_user_id", .int(from.customerID)), ("from_card_id", .int(from.cardID)), ("from_balance", .int(from.balance)),
            ("to_user_id", .int(to.customerID)), ("to_card_id", .int(to.cardID)), ("to_balance", .int(to.balance)),
        ])
    }

    /// `webhook.disabled`: the endpoint, why, and its count of consecutive failed deliveries.
    public static func webhookDisabled(webhookID: Int64, url: String, reason: String, failureCount: Int64) -> JSON {
        .object([("webhook_id", .int(webhookID)), ("url", .string(url)), ("reason", .string(reason)), ("failure_count", .int(failureCount))])
    }
}
