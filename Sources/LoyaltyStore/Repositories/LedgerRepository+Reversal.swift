import LoyaltyCore
import LoyaltyModels
import SQLKit

/// A deduction that the card's lots could not cover although its balance said they
/// would: lots and balance disagree, so the transaction is rolled back.
struct LotShortage: Error, CustomStringConvertible {
    var cardID: Int64
    var description: String { "lots of card \(cardID) do not cover its balance" }
}

extension SQLLedgerRepository {
    /// A refund or cancellation of an earlier purchase of the same order: gathers the
    /// original transaction (locked), its customer, the card (locked and matured), the
    /// order's lots and the programme; ``ReversalPlan`` decides the amounts and where
    /// the points come from (see its contract); this applies it: the refund row, the
    /// redeemed points given back as a new lot under the expiry policy, the deduction
    /// from the order's lots, from other lots (earliest expiry first) and as a debt lot,
    /// the original's reversed counters, the card's holds, summary and spend, the tier,
    /// and the outbox fact.
    static func postReversal(
        _ db: any SQLDatabase,
        _ c: TransactionCommand,
        now: Int64,
        forUpdate: String,
        programs: ProgramCache
    ) async throws -> TransactionOutcome {
        if let shopID = c.shopID,
            try await db.raw("SELECT id FROM shops WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: shopID)").first() == nil
        {
            throw LoyaltyError.shopNotFound
        }
        guard
            let original = try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.transactionColumns) FROM transactions
                WHERE partner_id = \(bind: c.partnerID) AND business_key = \(bind: "purchase:\(c.orderID)")\(unsafeRaw: forUpdate)
                """
            ).first().map(Rows.transaction)
        else {
            throw LoyaltyError.originalTransactionNotFound(orderID: c.orderID)
        }
        let customer = try await db.raw(
            """
            SELECT \(unsafeRaw: Rows.customerColumns) FROM customers WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: original.customerID)
            """
        ).first().map { try Rows.customer($0) }!
        try ReversalPlan.requireSameCustomer(c, original: original, customer: customer)
        let request = try ReversalPlan.Request(command: c, original: original)
        let locked = try await lockCards(db, partnerID: c.partnerID, ids: [original.cardID], forUpdate: forUpdate, now: now)
        guard var card = locked[original.cardID] else { throw LoyaltyError.cardNotFound }
        let program = try await programs.current(db, partnerID: c.partnerID)
        let orderLots = try await db.raw(
            """
            SELECT \(unsafeRaw: Lots.columns) FROM point_lots
            WHERE partner_id = \(bind: c.partnerID) AND transaction_id = \(bind: original.id) AND card_id = \(bind: card.id) ORDER BY id
            """
        ).all().map(Lots.decode)
        let plan = try ReversalPlan(request: request, orderLots: orderLots, card: card, policy: program.refundWhenSpent)
        var command = c
        command.shopID = request.shopID
        let txID = try await insertTransaction(
            db,
            command,
            cardID: card.id,
            customerID: customer.id,
            currency: original.currency,
            points: plan.deducted,
            redeemed: request.returned,
            shortfall: plan.shortfall,
            discount: nil,
            originalID: original.id,
            now: now
        )
        if request.returned > 0 {
            _ = try await LedgerPosting.post(
                db,
                partnerID: c.partnerID,
                cardID: card.id,
                shopID: command.shopID,
                transactionID: txID,
                type: .refund,
                points: request.returned,
                reference: c.orderID,
                description: "Redeemed points returned",
                now: now,
                allowNegative: true,
                earnedDelta: 0,
                spentDelta: -request.returned,
                touch: plan.deducted == 0
            )
            let moment = LocalMoment(epochMillis: now, timeZone: program.timeZone)
            let template = try await db.raw(
                """
                SELECT points_expiration_days FROM card_templates WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: card.templateID)
                """
            ).first()
            let days = try template?.decode(column: "points_expiration_days", as: Int64.self) ?? 0
            try await Lots.open(
                db,
                partnerID: c.partnerID,
                cardID: card.id,
                transactionID: txID,
                source: "returned",
                points: request.returned,
                maturesAt: nil,
                expiresAt: program.expiry.expiresAt(awardedAt: moment, templateDays: days),
                now: now
            )
        }
        if plan.deducted > 0 {
            // Capacity was computed by the plan under the card lock; the posting itself need not re-check.
            _ = try await LedgerPosting.post(
                db,
                partnerID: c.partnerID,
                cardID: card.id,
                shopID: command.shopID,
                transactionID: txID,
                type: .refund,
                points: -plan.deducted,
                reference: c.orderID,
                description: c.description ?? "Points reversed",
                now: now,
                allowNegative: true,
                earnedDelta: -plan.deducted,
                spentDelta: 0,
                touch: true,
                details: plan.details.serializedString()
            )
            try await Lots.apply(db, partnerID: c.partnerID, draws: plan.fromOrderLots, reversal: true)
            if plan.reclaimed > 0 {
                let orderLotIDs = Set(orderLots.map(\.id))
                let others = try await Lots.draw(db, partnerID: c.partnerID, cardID: card.id, points: plan.reclaimed, excluding: orderLotIDs)
                guard others.uncovered == 0 else { throw LotShortage(cardID: card.id) }
            }
            if plan.debt > 0 {
                try await Lots.open(
                    db,
                    partnerID: c.partnerID,
                    cardID: card.id,
                    transactionID: txID,
                    source: "debt",
                    points: -plan.debt,
                    maturesAt: nil,
                    expiresAt: nil,
                    now: now
                )
            }
            try await Lots.markReversed(db, partnerID: c.partnerID, marks: plan.reversedMarks)
        }
        if request.returned == 0 && plan.deducted == 0 {
            _ = try await LedgerPosting.touch(db, partnerID: c.partnerID, cardID: card.id, now: now)
        }
        try await db.raw(
            """
            UPDATE transactions SET points_reversed = points_reversed + \(bind: request.points),
              redeemed_returned = redeemed_returned + \(bind: request.returned), amount_refunded = amount_refunded + \(bind: request.refundedMinor)
            WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: original.id)
            """
        ).run()
        if card.reserved > 0 { try await Lots.clampHolds(db, partnerID: c.partnerID, cardID: card.id) }
        card = try await Lots.refreshCard(db, partnerID: c.partnerID, cardID: card.id, spendDelta: request.spendDeltaMinor)
        card = try await Tiers.evaluate(db, card: card, program: program, now: now)
        let tx = plan.transaction(id: txID, at: now)
        try await Outbox.append(db, partnerID: c.partnerID, type: EventType.transactionCreated, data: EventFact.transaction(tx, card: card), now: now)
        return TransactionOutcome(transaction: tx, card: card, customer: customer)
    }
}
