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
    /// A refund or cancellation of an earlier purchase of the same order.
    ///
    /// Amounts: partial refunds are cumulative and exact: after refunds totalling R of
    /// an order of A that earned P, exactly `floor(R / A * P)` points have been taken
    /// back (never more than P in all), using the points that order earned then, not
    /// today's rules. The same holds for redeemed points given back.
    ///
    /// Lots: points come back first from the lots the order created (pending or not).
    /// What the customer had already spent of them is reclaimed from other lots,
    /// earliest expiry first; what had expired is not taken twice (`lapsed`). When the
    /// balance cannot cover the reclaim, the programme's ``RefundPolicy`` decides:
    /// partial deduction (the rest is the recorded shortfall), a negative balance (a
    /// debt lot), or refusal (nothing is written). Redeemed points come back as a new
    /// lot under the programme's expiry policy.
    static func postReversal(_ db: any SQLDatabase, _ c: TransactionCommand, now: Int64, forUpdate: String, programs: ProgramCache) async throws -> TransactionOutcome {
        if let shopID = c.shopID, try await db.raw("SELECT id FROM shops WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: shopID)").first() == nil {
            throw LoyaltyError.shopNotFound
        }
        guard let original = try await db.raw("SELECT \(unsafeRaw: Rows.transactionColumns) FROM transactions WHERE partner_id = \(bind: c.partnerID) AND business_key = \(bind: "purchase:\(c.orderID)")\(unsafeRaw: forUpdate)").first().map(Rows.transaction) else {
            throw LoyaltyError.originalTransactionNotFound(orderID: c.orderID)
        }
        // The caller may name the customer; it must be the one who made the purchase.
        let customer = try await db.raw("SELECT \(unsafeRaw: Rows.customerColumns) FROM customers WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: original.customerID)").first().map { try Rows.customer($0) }!
        switch c.customer {
        case let .id(id) where id != customer.id: throw LoyaltyError.originalTransactionNotFound(orderID: c.orderID)
        case let .email(email) where email.lowercased() != customer.email: throw LoyaltyError.originalTransactionNotFound(orderID: c.orderID)
        case let .card(id) where id != original.cardID: throw LoyaltyError.originalTransactionNotFound(orderID: c.orderID)
        default: break
        }
        let remainingPoints = original.pointsAwarded - original.pointsReversed
        let remainingRedeemed = original.pointsRedeemed - original.redeemedReturned
        if remainingPoints <= 0 && remainingRedeemed <= 0 && (original.pointsAwarded > 0 || original.pointsRedeemed > 0) {
            throw LoyaltyError.nothingToRefund
        }
        var wantPoints = remainingPoints
        var wantReturn = remainingRedeemed
        var refunded = max(0, (original.amountMinor ?? 0) - original.amountRefunded)
        if let explicit = c.points {
            wantPoints = explicit
            wantReturn = 0
            refunded = min(refunded, c.orderTotalMinor ?? 0)
        } else if let refund = c.orderTotalMinor, let amount = original.amountMinor, original.amountRefunded + refund < amount {
            let total = original.amountRefunded + refund
            wantPoints = RefundMath.proportionalPoints(refundMinor: total, originalMinor: amount, originalPoints: original.pointsAwarded) - original.pointsReversed
            wantReturn = RefundMath.proportionalPoints(refundMinor: total, originalMinor: amount, originalPoints: original.pointsRedeemed) - original.redeemedReturned
            refunded = refund
        }
        wantPoints = min(max(0, wantPoints), remainingPoints)
        wantReturn = min(max(0, wantReturn), remainingRedeemed)
        guard var card = try await lockCards(db, partnerID: c.partnerID, ids: [original.cardID], forUpdate: forUpdate, now: now)[original.cardID] else { throw LoyaltyError.cardNotFound }
        let program = try await programs.current(db, partnerID: c.partnerID)
        var command = c
        command.shopID = c.shopID ?? original.shopID

        // 1. From the order's own lots.
        let orderLots = try await db.raw("SELECT \(unsafeRaw: Lots.columns) FROM point_lots WHERE partner_id = \(bind: c.partnerID) AND transaction_id = \(bind: original.id) AND card_id = \(bind: card.id) ORDER BY id").all().map(Lots.decode)
        var fromOrder: [(id: Int64, take: Int64)] = []
        var left = wantPoints, pendingTaken: Int64 = 0
        for lot in orderLots where lot.remaining > 0 && left > 0 {
            let take = min(lot.remaining, left)
            fromOrder.append((lot.id, take))
            if lot.maturesAt != nil { pendingTaken += take }
            left -= take
        }
        let takenFromOrder = wantPoints - left
        // 2. What was spent of them, reclaimed from other lots; expired points lapse.
        let spent = orderLots.reduce(Int64(0)) { $0 + max(0, $1.spent) }
        // Orders posted before lots existed have none: treat all of it as spent.
        let reclaim = orderLots.isEmpty ? left : min(left, spent)
        let lapsed = left - reclaim
        let capacity = max(0, (card.balance - takenFromOrder) - (card.pending - pendingTaken) - card.reserved + wantReturn)
        let takeOther = min(reclaim, capacity)
        var debt: Int64 = 0, shortfall: Int64 = 0
        if reclaim > capacity {
            switch program.refundWhenSpent {
            case .partialDeduction: shortfall = reclaim - capacity
            case .negativeBalance: debt = reclaim - capacity
            case .refuse: throw LoyaltyError.refundRefused(needed: reclaim, available: capacity)
            }
        }
        let deducted = takenFromOrder + takeOther + debt
        var tx = ShopTransaction(id: 0, partnerID: c.partnerID, shopID: command.shopID, cardID: card.id, customerID: customer.id, type: c.type, orderID: c.orderID, refundID: c.refundID, amountMinor: c.orderTotalMinor, currency: original.currency, pointsAwarded: deducted, pointsRedeemed: wantReturn, pointsReversed: 0, redeemedReturned: 0, shortfall: shortfall, discountMinor: nil, description: c.description, reason: c.reason, status: "completed", metadataJSON: c.metadataJSON, originalTransactionID: original.id, createdAt: now)
        tx.id = try await insertTransaction(db, command, cardID: card.id, customerID: customer.id, currency: original.currency, points: deducted, redeemed: wantReturn, shortfall: shortfall, discount: nil, originalID: original.id, now: now)
        if wantReturn > 0 {
            _ = try await LedgerPosting.post(db, partnerID: c.partnerID, cardID: card.id, shopID: command.shopID, transactionID: tx.id, type: .refund, points: wantReturn, reference: c.orderID, description: "Redeemed points returned", now: now, allowNegative: true, earnedDelta: 0, spentDelta: -wantReturn, touch: deducted == 0)
            let moment = LocalMoment(epochMillis: now, timeZone: program.timeZone)
            let template = try await db.raw("SELECT points_expiration_days FROM card_templates WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: card.templateID)").first()
            let days = try template?.decode(column: "points_expiration_days", as: Int64.self) ?? 0
            try await Lots.open(db, partnerID: c.partnerID, cardID: card.id, transactionID: tx.id, source: "returned", points: wantReturn, maturesAt: nil, expiresAt: program.expiry.expiresAt(awardedAt: moment, templateDays: days), now: now)
        }
        if deducted > 0 {
            // Capacity was computed above under the card lock; the posting itself need not re-check.
            let details = JSON.object([("from_order_lots", .int(takenFromOrder)), ("reclaimed", .int(takeOther)), ("debt", .int(debt)), ("lapsed", .int(lapsed)), ("shortfall", .int(shortfall))]).serializedString()
            _ = try await LedgerPosting.post(db, partnerID: c.partnerID, cardID: card.id, shopID: command.shopID, transactionID: tx.id, type: .refund, points: -deducted, reference: c.orderID, description: c.description ?? "Points reversed", now: now, allowNegative: true, earnedDelta: -deducted, spentDelta: 0, touch: true, details: details)
            try await Lots.apply(db, partnerID: c.partnerID, draws: fromOrder, reversal: true)
            if takeOther > 0 {
                guard try await Lots.draw(db, partnerID: c.partnerID, cardID: card.id, points: takeOther, excluding: Set(orderLots.map(\.id))).uncovered == 0 else { throw LotShortage(cardID: card.id) }
            }
            if debt > 0 {
                try await Lots.open(db, partnerID: c.partnerID, cardID: card.id, transactionID: tx.id, source: "debt", points: -debt, maturesAt: nil, expiresAt: nil, now: now)
            }
            // The reclaimed part was spent from the order's lots: it now counts as reversed there.
            var marks: [(id: Int64, take: Int64)] = []
            var toMark = takeOther + debt
            for lot in orderLots where toMark > 0 && lot.spent > 0 {
                let m = min(lot.spent, toMark)
                marks.append((lot.id, m))
                toMark -= m
            }
            try await Lots.markReversed(db, partnerID: c.partnerID, marks: marks)
        }
        if wantReturn == 0 && deducted == 0 {
            _ = try await LedgerPosting.touch(db, partnerID: c.partnerID, cardID: card.id, now: now)
        }
        // Record everything asked for as reversed (shortfall and lapsed included), so it is never taken twice.
        try await db.raw("""
            UPDATE transactions SET points_reversed = points_reversed + \(bind: wantPoints), redeemed_returned = redeemed_returned + \(bind: wantReturn),
              amount_refunded = amount_refunded + \(bind: refunded)
            WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: original.id)
            """).run()
        if card.reserved > 0 { try await Lots.clampHolds(db, partnerID: c.partnerID, cardID: card.id) }
        card = try await Lots.refreshCard(db, partnerID: c.partnerID, cardID: card.id, spendDelta: original.type == .purchase ? -refunded : 0)
        card = try await Tiers.evaluate(db, card: card, program: program, now: now)
        tx.lapsed = lapsed
        try await Outbox.append(db, partnerID: c.partnerID, type: "transaction.created", data: eventData(tx, card: card), now: now)
        return TransactionOutcome(transaction: tx, card: card, customer: customer)
    }
}
