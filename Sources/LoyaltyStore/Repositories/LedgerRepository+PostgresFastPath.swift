import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

extension SQLLedgerRepository {
    static let updCardColumns = Rows.cardColumns.split(separator: ",").map { "upd." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")

    /// The common purchase on PostgreSQL in two round trips instead of seven.
    ///
    /// Measured: each round trip through postgres-nio costs the server ~150-200 µs of CPU
    /// on this 2-core machine, so the seven-statement transaction capped awards at
    /// ~760/s. Here a plain read resolves customer, card and template (the earning rule
    /// is applied in Swift), then ONE data-modifying CTE inserts the transaction under
    /// its business key, updates the balance, appends the ledger entry and the outbox
    /// event — atomically, as a single autocommit statement. It applies only to a
    /// purchase or award that redeems nothing, has no open reservation and whose
    /// customer already has a card; anything else (and every SQLite write) takes the
    /// general transactional path. Returns `nil` to mean "use the general path".
    func postgresFastAward(_ c: TransactionCommand) async throws -> TransactionOutcome? {
        guard c.type == .purchase || c.type == .bonus, (c.pointsRedeemed ?? 0) == 0 else { return nil }
        let now = Clock.nowMillis()
        guard let r = try await database.read({ db in
            try await Self.resolve(db, partnerID: c.partnerID, customer: c.customer, cardID: c.cardID, orderID: c.orderID, shopID: c.shopID, now: now, issueCard: false)
        }) else { return nil }
        guard r.hold == nil, r.shopKnown, r.card.isActive else { return nil }
        let points = c.points ?? r.template.earning.points(forOrderTotalMinor: c.orderTotalMinor ?? 0)
        let currency = c.currency ?? r.template.currency
        let entryType: LedgerEntryType = c.type == .bonus ? .bonus : .earned
        let cardColumns = Self.updCardColumns
        let row = try await database.read { db in
            try await db.raw("""
                WITH tx AS (
                  INSERT INTO transactions (partner_id, shop_id, card_id, customer_id, type, order_id, refund_id, business_key, amount_minor, currency,
                    points_awarded, points_redeemed, shortfall, discount_minor, description, reason, status, metadata, original_transaction_id, created_at)
                  VALUES (\(bind: c.partnerID), \(bind: c.shopID), \(bind: r.card.id), \(bind: r.customer.id), \(bind: c.type.rawValue), \(bind: c.orderID), NULL,
                    \(bind: c.businessKey), \(bind: c.orderTotalMinor), \(bind: currency), \(bind: points), 0, 0, \(bind: c.discountMinor),
                    \(bind: c.description), \(bind: c.reason), 'completed', \(bind: c.metadataJSON), NULL, \(bind: now))
                  ON CONFLICT (partner_id, business_key) DO NOTHING
                  RETURNING id
                ), upd AS (
                  UPDATE loyalty_cards SET balance = balance + \(bind: points), lifetime_earned = lifetime_earned + \(bind: points),
                    transactions_count = transactions_count + 1, last_used_at = \(bind: now), updated_at = \(bind: now)
                  WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: r.card.id) AND EXISTS (SELECT 1 FROM tx)
                  RETURNING \(unsafeRaw: Rows.cardColumns)
                ), led AS (
                  INSERT INTO ledger_entries (partner_id, card_id, shop_id, transaction_id, type, points, balance_after, reference, description, created_at)
                  SELECT \(bind: c.partnerID), upd.id, \(bind: c.shopID), tx.id, \(bind: entryType.rawValue), \(bind: points), upd.balance,
                    \(bind: c.orderID), \(bind: c.description ?? c.reason), \(bind: now)
                  FROM upd, tx WHERE \(bind: points) <> 0
                ), ob AS (
                  INSERT INTO outbox (partner_id, event_type, payload, created_at)
                  SELECT \(bind: c.partnerID), 'transaction.created', json_build_object(
                    'event', 'transaction.created', 'partner_id', \(bind: c.partnerID)::bigint, 'data', json_build_object(
                      'transaction_id', tx.id, 'type', \(bind: c.type.rawValue)::text, 'order_id', \(bind: c.orderID)::text,
                      'user_id', \(bind: r.customer.id)::bigint, 'loyalty_card_id', upd.id, 'shop_id', \(bind: c.shopID)::bigint,
                      'points_awarded', \(bind: points)::bigint, 'points_redeemed', 0, 'points_balance', upd.balance,
                      'amount', (\(bind: c.orderTotalMinor)::bigint::numeric / 100)::numeric(20,2), 'currency', \(bind: currency)::text))::text,
                    \(bind: now)
                  FROM upd, tx
                )
                SELECT tx.id AS tx_id, \(unsafeRaw: cardColumns) FROM tx, upd
                """).first()
        }
        guard let row else {
            let existing = try await database.read { db in
                try await db.raw("SELECT id FROM transactions WHERE partner_id = \(bind: c.partnerID) AND business_key = \(bind: c.businessKey)").first()
            }
            throw LoyaltyError.duplicateTransaction(existingTransactionID: try existing?.decode(column: "id", as: Int64.self) ?? 0)
        }
        let card = try Rows.card(row)
        let txID = try row.decode(column: "tx_id", as: Int64.self)
        let tx = ShopTransaction(id: txID, partnerID: c.partnerID, shopID: c.shopID, cardID: card.id, customerID: r.customer.id, type: c.type, orderID: c.orderID, refundID: nil, amountMinor: c.orderTotalMinor, currency: currency, pointsAwarded: points, pointsRedeemed: 0, pointsReversed: 0, redeemedReturned: 0, shortfall: 0, discountMinor: c.discountMinor, description: c.description, reason: c.reason, status: "completed", metadataJSON: c.metadataJSON, originalTransactionID: nil, createdAt: now)
        return TransactionOutcome(transaction: tx, card: card, customer: r.customer)
    }
}
