import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Transfers, adjustments, activities, tiers and lots: each one write transaction
/// with the cards it touches locked, idempotent by its business key.
extension SQLLedgerRepository {
    /// Locks the cards (ascending id, so two transfers in opposite directions cannot
    /// deadlock), matures their due lots and returns them by id.
    static func lockCards(_ db: any SQLDatabase, partnerID: Int64, ids: [Int64], forUpdate: String, now: Int64) async throws -> [Int64: LoyaltyCard] {
        let list = Set(ids).sorted().map(String.init).joined(separator: ", ")
        var cards: [Int64: LoyaltyCard] = [:]
        for row in try await db.raw(
            """
            SELECT \(unsafeRaw: Rows.cardColumns) FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND id IN (\(unsafeRaw: list)) ORDER BY
              id\(unsafeRaw: forUpdate)
            """
        ).all() {
            var card = try Rows.card(row)
            if card.pending > 0 {
                try await Lots.mature(db, partnerID: partnerID, cardID: card.id, now: now)
                card = try await Lots.refreshCard(db, partnerID: partnerID, cardID: card.id)
            }
            cards[card.id] = card
        }
        return cards
    }

    func writeLocked<T: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase, _ now: Int64, _ lock: String, _ programs: ProgramCache) async throws -> T
    ) async throws -> T {
        let lock = forUpdate
        let programs = programs
        return try await database.write { db in try await body(db, clock.nowMillis(), lock, programs) }
    }

    public func transfer(_ t: TransferCommand) async throws -> TransferOutcome {
        try await writeLocked { db, now, lock, programs in
            let sender = try await Self.resolve(db, partnerID: t.partnerID, customer: t.from, cardID: nil, orderID: nil, shopID: t.shopID, now: now)
                .required("a card for the customer")
            let recipient = try await Self.resolve(db, partnerID: t.partnerID, customer: t.to, cardID: nil, orderID: nil, shopID: nil, now: now)
                .required("a card for the customer")
            guard sender.shopKnown else { throw LoyaltyError.shopNotFound }
            guard sender.customer.id != recipient.customer.id else { throw LoyaltyError.sameCustomer }
            try sender.card.requireUsable(at: now)
            try recipient.card.requireUsable(at: now)
            let program = try await programs.config(db, partnerID: t.partnerID, version: sender.programVersion)
            let cards = try await Self.lockCards(db, partnerID: t.partnerID, ids: [sender.card.id, recipient.card.id], forUpdate: lock, now: now)
            let from = try cards[sender.card.id].required("the sender's locked card")
            let meta = JSON.object([
                ("to_customer_id", .int(recipient.customer.id)), ("to_card_id", .int(recipient.card.id)), ("actor", .optional(t.actor)),
            ]).serializedString()
            let command = TransactionCommand(
                partnerID: t.partnerID,
                shopID: t.shopID,
                customer: .id(sender.customer.id),
                orderID: t.reference,
                type: .transfer,
                currency: sender.template.currency,
                points: t.points,
                description: t.reason,
                reason: t.reason,
                metadataJSON: meta
            )
            let txID = try await Self.insertTransaction(
                db,
                command,
                cardID: from.id,
                customerID: sender.customer.id,
                currency: sender.template.currency,
                points: t.points,
                redeemed: 0,
                shortfall: 0,
                discount: nil,
                originalID: nil,
                now: now
            )
            guard
                try await LedgerPosting.post(
                    db,
                    partnerID: t.partnerID,
                    cardID: from.id,
                    shopID: t.shopID,
                    transactionID: txID,
                    type: .transfer,
                    points: -t.points,
                    reference: t.reference,
                    description: t.reason,
                    now: now,
                    allowNegative: false,
                    earnedDelta: 0,
                    spentDelta: 0,
                    touch: true
                ) != nil
            else {
                throw LoyaltyError.insufficientPoints(available: from.available, requested: t.points)
            }
            let plan = try await Lots.draw(db, partnerID: t.partnerID, cardID: from.id, points: t.points)
            guard plan.uncovered == 0 else { throw LotShortage(cardID: from.id) }
            _ = try await LedgerPosting.post(
                db,
                partnerID: t.partnerID,
                cardID: recipient.card.id,
                shopID: t.shopID,
                transactionID: txID,
                type: .transfer,
                points: t.points,
                reference: t.reference,
                description: t.reason,
                now: now,
                allowNegative: true,
                earnedDelta: 0,
                spentDelta: 0,
                touch: true
            )
            for d in plan.draws {
                try await Lots.open(
                    db,
                    partnerID: t.partnerID,
                    cardID: recipient.card.id,
                    transactionID: txID,
                    source: "transfer",
                    points: d.take,
                    maturesAt: nil,
                    expiresAt: d.expiresAt,
                    now: now
                )
            }
            let fromCard = try await Lots.refreshCard(db, partnerID: t.partnerID, cardID: from.id)
            let toCard = try await Tiers.evaluate(
                db,
                card: try await Lots.refreshCard(db, partnerID: t.partnerID, cardID: recipient.card.id),
                program: program,
                now: now
            )
            try await Outbox.append(
                db,
                partnerID: t.partnerID,
                type: EventType.pointsTransferred,
                data: EventFact.transfer(
                    transactionID: txID,
                    points: t.points,
                    reason: t.reason,
                    reference: t.reference,
                    from: .init(customerID: sender.customer.id, cardID: fromCard.id, balance: fromCard.balance),
                    to: .init(customerID: recipient.customer.id, cardID: toCard.id, balance: toCard.balance)
                ),
                now: now
            )
            let tx = ShopTransaction(
                id: txID,
                partnerID: t.partnerID,
                shopID: t.shopID,
                cardID: fromCard.id,
                customerID: sender.customer.id,
                type: .transfer,
                orderID: t.reference,
                refundID: nil,
                amountMinor: nil,
                currency: sender.template.currency,
                pointsAwarded: 0,
                pointsRedeemed: t.points,
                pointsReversed: 0,
                redeemedReturned: 0,
                shortfall: 0,
                discountMinor: nil,
                description: t.reason,
                reason: t.reason,
                status: "completed",
                metadataJSON: meta,
                originalTransactionID: nil,
                createdAt: now
            )
            var received = tx
            received.cardID = toCard.id
            received.customerID = recipient.customer.id
            received.pointsAwarded = t.points
            received.pointsRedeemed = 0
            return TransferOutcome(
                transactionID: txID,
                points: t.points,
                from: TransactionOutcome(transaction: tx, card: fromCard, customer: sender.customer),
                to: TransactionOutcome(transaction: received, card: toCard, customer: recipient.customer)
            )
        }
    }

    public func adjust(_ a: AdjustmentCommand) async throws -> TransactionOutcome {
        try await writeLocked { db, now, lock, programs in
            let r = try await Self.resolve(db, partnerID: a.partnerID, customer: a.customer, cardID: nil, orderID: nil, shopID: a.shopID, now: now)
                .required("a card for the customer")
            guard r.shopKnown else { throw LoyaltyError.shopNotFound }
            let program = try await programs.config(db, partnerID: a.partnerID, version: r.programVersion)
            var card = try await Self.lockCards(db, partnerID: a.partnerID, ids: [r.card.id], forUpdate: lock, now: now)[r.card.id].required(
                "the locked card"
            )
            let meta = JSON.object([("actor", .optional(a.actor))]).serializedString()
            let command = TransactionCommand(
                partnerID: a.partnerID,
                shopID: a.shopID,
                customer: .id(r.customer.id),
                orderID: a.reference,
                type: .adjustment,
                currency: r.template.currency,
                points: a.points,
                description: a.reason,
                reason: a.reason,
                metadataJSON: meta
            )
            let txID = try await Self.insertTransaction(
                db,
                command,
                cardID: card.id,
                customerID: r.customer.id,
                currency: r.template.currency,
                points: max(0, a.points),
                redeemed: max(0, -a.points),
                shortfall: 0,
                discount: nil,
                originalID: nil,
                now: now
            )
            let details = JSON.object([("actor", .optional(a.actor)), ("reason", .string(a.reason))]).serializedString()
            // A deduction draws what the available points cover; the rest is a debt lot,
            // only where the programme allows negative balances.
            let take = max(0, -a.points)
            let covered = min(take, max(0, card.available))
            guard covered == take || program.allowNegativeBalance else {
                throw LoyaltyError.insufficientPoints(available: card.available, requested: take)
            }
            _ = try await LedgerPosting.post(
                db,
                partnerID: a.partnerID,
                cardID: card.id,
                shopID: a.shopID,
                transactionID: txID,
                type: .adjusted,
                points: a.points,
                reference: a.reference,
                description: a.reason,
                now: now,
                allowNegative: true,
                earnedDelta: 0,
                spentDelta: 0,
                touch: true,
                details: details
            )
            if a.points > 0 {
                let moment = LocalMoment(epochMillis: now, timeZone: program.timeZone)
                try await Lots.open(
                    db,
                    partnerID: a.partnerID,
                    cardID: card.id,
                    transactionID: txID,
                    source: "adjusted",
                    points: a.points,
                    maturesAt: nil,
                    expiresAt: program.expiry.expiresAt(awardedAt: moment, templateDays: r.template.pointsExpirationDays),
                    now: now
                )
            } else {
                guard try await Lots.draw(db, partnerID: a.partnerID, cardID: card.id, points: covered).uncovered == 0 else {
                    throw LotShortage(cardID: card.id)
                }
                try await Lots.open(
                    db,
                    partnerID: a.partnerID,
                    cardID: card.id,
                    transactionID: txID,
                    source: "debt",
                    points: covered - take,
                    maturesAt: nil,
                    expiresAt: nil,
                    now: now
                )
                if card.reserved > 0 { try await Lots.clampHolds(db, partnerID: a.partnerID, cardID: card.id) }
            }
            card = try await Tiers.evaluate(
                db,
                card: try await Lots.refreshCard(db, partnerID: a.partnerID, cardID: card.id),
                program: program,
                now: now
            )
            let tx = ShopTransaction(
                id: txID,
                partnerID: a.partnerID,
                shopID: a.shopID,
                cardID: card.id,
                customerID: r.customer.id,
                type: .adjustment,
                orderID: a.reference,
                refundID: nil,
                amountMinor: nil,
                currency: r.template.currency,
                pointsAwarded: max(0, a.points),
                pointsRedeemed: max(0, -a.points),
                pointsReversed: 0,
                redeemedReturned: 0,
                shortfall: 0,
                discountMinor: nil,
                description: a.reason,
                reason: a.reason,
                status: "completed",
                metadataJSON: meta,
                originalTransactionID: nil,
                createdAt: now
            )
            let fact = EventFact.adjustment(
                transactionID: txID,
                customerID: r.customer.id,
                cardID: card.id,
                points: a.points,
                reason: a.reason,
                actor: a.actor,
                balance: card.balance
            )
            try await Outbox.append(db, partnerID: a.partnerID, type: EventType.pointsAdjusted, data: fact, now: now)
            return TransactionOutcome(transaction: tx, card: card, customer: r.customer)
        }
    }

    public func recordActivity(_ a: ActivityCommand) async throws -> [TransactionOutcome] {
        try await writeLocked { db, now, lock, programs in
            let r = try await Self.resolve(db, partnerID: a.partnerID, customer: a.customer, cardID: nil, orderID: nil, shopID: a.shopID, now: now)
                .required("a card for the customer")
            guard r.shopKnown else { throw LoyaltyError.shopNotFound }
            let program = try await programs.config(db, partnerID: a.partnerID, version: r.programVersion)
            guard let activity = program.activity(a.activity) else { throw LoyaltyError.activityNotConfigured(a.activity) }
            let moment = LocalMoment(epochMillis: now, timeZone: program.timeZone)
            let reference =
                a.reference
                ?? (a.activity == "signup" ? "once" : a.activity == "birthday" ? String(moment.date.year) : UUID().uuidString.lowercased())
            var outcomes = [
                try await Self.creditActivity(
                    db,
                    a,
                    key: a.activity,
                    name: activity.name,
                    points: activity.points,
                    customer: r,
                    reference: reference,
                    program: program,
                    moment: moment,
                    lock: lock
                )
            ]
            if activity.capCount > 0 {
                let start = moment.periodStart(activity.capPeriod)
                var claimed = false
                // Start after the slots already taken; a concurrent claim of the same slot moves on.
                let taken = try Rows.count(
                    try await db.raw(
                        """
                        SELECT COUNT(*) AS n FROM activity_claims
                        WHERE partner_id = \(bind: a.partnerID) AND customer_id = \(bind: r.customer.id) AND activity = \(bind: a.activity) AND
                          period_start = \(bind: start)
                        """
                    ).first()
                )
                for slot in Int64(taken + 1)..<(activity.capCount + 1) {
                    if try await db.raw(
                        """
                        INSERT INTO activity_claims (partner_id, customer_id, activity, period_start, slot, transaction_id)
                        VALUES (\(bind: a.partnerID), \(bind: r.customer.id), \(bind: a.activity), \(bind: start), \(bind: slot),
                          \(bind: outcomes[0].transaction.id))
                        ON CONFLICT DO NOTHING RETURNING slot
                        """
                    ).first() != nil {
                        claimed = true
                        break
                    }
                }
                guard claimed else { throw LoyaltyError.activityCapReached(activity: a.activity, period: activity.capPeriod.rawValue) }
            }
            if let referred = a.referred, activity.refereePoints > 0 {
                let other = try await Self.resolve(db, partnerID: a.partnerID, customer: referred, cardID: nil, orderID: nil, shopID: nil, now: now)
                    .required("a card for the customer")
                guard other.customer.id != r.customer.id else { throw LoyaltyError.sameCustomer }
                // A customer can be referred once.
                outcomes.append(
                    try await Self.creditActivity(
                        db,
                        a,
                        key: "\(a.activity)_referee",
                        name: "\(activity.name) (referred)",
                        points: activity.refereePoints,
                        customer: other,
                        reference: "once",
                        program: program,
                        moment: moment,
                        lock: lock
                    )
                )
            }
            return outcomes
        }
    }

    static func creditActivity(
        _ db: any SQLDatabase,
        _ a: ActivityCommand,
        key: String,
        name: String,
        points: Int64,
        customer r: Resolved,
        reference: String,
        program: ProgramConfig,
        moment: LocalMoment,
        lock: String
    ) async throws -> TransactionOutcome {
        let now = moment.epochMillis
        try r.card.requireUsable(at: now)
        var card = try await lockCards(db, partnerID: a.partnerID, ids: [r.card.id], forUpdate: lock, now: now)[r.card.id].required("the locked card")
        let meta = JSON.object([("activity", .string(key)), ("reference", .string(reference)), ("actor", .optional(a.actor))]).serializedString()
        let command = TransactionCommand(
            partnerID: a.partnerID,
            shopID: a.shopID,
            customer: .id(r.customer.id),
            orderID: "\(key):\(r.customer.id):\(reference)",
            type: .activity,
            currency: r.template.currency,
            points: points,
            description: name,
            reason: key,
            metadataJSON: meta
        )
        let txID = try await insertTransaction(
            db,
            command,
            cardID: card.id,
            customerID: r.customer.id,
            currency: r.template.currency,
            points: points,
            redeemed: 0,
            shortfall: 0,
            discount: nil,
            originalID: nil,
            now: now
        )
        if points > 0 {
            _ = try await LedgerPosting.post(
                db,
                partnerID: a.partnerID,
                cardID: card.id,
                shopID: a.shopID,
                transactionID: txID,
                type: .activity,
                points: points,
                reference: command.orderID,
                description: name,
                now: now,
                allowNegative: true,
                touch: true
            )
            try await Lots.open(
                db,
                partnerID: a.partnerID,
                cardID: card.id,
                transactionID: txID,
                source: "activity",
                points: points,
                maturesAt: nil,
                expiresAt: program.expiry.expiresAt(awardedAt: moment, templateDays: r.template.pointsExpirationDays),
                now: now
            )
        }
        card = try await Tiers.evaluate(db, card: try await Lots.refreshCard(db, partnerID: a.partnerID, cardID: card.id), program: program, now: now)
        let tx = ShopTransaction(
            id: txID,
            partnerID: a.partnerID,
            shopID: a.shopID,
            cardID: card.id,
            customerID: r.customer.id,
            type: .activity,
            orderID: command.orderID,
            refundID: nil,
            amountMinor: nil,
            currency: r.template.currency,
            pointsAwarded: points,
            pointsRedeemed: 0,
            pointsReversed: 0,
            redeemedReturned: 0,
            shortfall: 0,
            discountMinor: nil,
            description: name,
            reason: key,
            status: "completed",
            metadataJSON: meta,
            originalTransactionID: nil,
            createdAt: now
        )
        try await Outbox.append(db, partnerID: a.partnerID, type: EventType.transactionCreated, data: EventFact.transaction(tx, card: card), now: now)
        return TransactionOutcome(
            transaction: tx,
            card: card,
            customer: r.customer,
            rulesApplied: [EarningEngine.Line(rule: "activity:\(key)", name: name, points: points)]
        )
    }

    public func setTierOverride(
        partnerID: Int64,
        customerID: Int64,
        tier: String?,
        until: Int64?,
        reason: String,
        actor: String?
    ) async throws -> LoyaltyCard {
        try await writeLocked { db, now, lock, programs in
            let r = try await Self.resolve(db, partnerID: partnerID, customer: .id(customerID), cardID: nil, orderID: nil, shopID: nil, now: now)
                .required("a card for the customer")
            let program = try await programs.config(db, partnerID: partnerID, version: r.programVersion)
            let card = try await Self.lockCards(db, partnerID: partnerID, ids: [r.card.id], forUpdate: lock, now: now)[r.card.id].required(
                "the locked card"
            )
            var state = card.tierState
            if let tier {
                guard let defined = program.tiers.tier(named: tier) else { throw LoyaltyError.tierUnknown(tier) }
                state.override = defined.name
                state.overrideUntil = until
                return try await Tiers.store(db, card: card, state: state, reason: "manual: \(reason)", program: program, now: now, actor: actor)
            }
            state.override = nil
            state.overrideUntil = nil
            let cleared = try await Tiers.store(
                db,
                card: card,
                state: state,
                reason: "override_removed: \(reason)",
                program: program,
                now: now,
                actor: actor
            )
            return try await Tiers.evaluate(db, card: cleared, program: program, now: now, actor: actor)
        }
    }

    public func evaluateTier(partnerID: Int64, cardID: Int64) async throws -> LoyaltyCard {
        try await writeLocked { db, now, lock, programs in
            guard let card = try await Self.lockCards(db, partnerID: partnerID, ids: [cardID], forUpdate: lock, now: now)[cardID] else {
                throw LoyaltyError.cardNotFound
            }
            let program = try await programs.current(db, partnerID: partnerID)
            return try await Tiers.evaluate(db, card: card, program: program, now: now)
        }
    }

    public func tierBasis(card: LoyaltyCard, program: ProgramConfig) async throws -> Int64 {
        try await database.read { db in try await Tiers.basisValue(db, card: card, policy: program.tiers, now: clock.nowMillis()) }
    }

    public func program(partnerID: Int64) async throws -> ProgramConfig {
        try await database.read { [programs] db in try await programs.current(db, partnerID: partnerID) }
    }

    public func lots(partnerID: Int64, cardID: Int64, openOnly: Bool) async throws -> [PointLot] {
        try await database.read { db in
            let filter: SQLQueryString = openOnly ? " AND remaining <> 0" : ""
            return try await db.raw(
                """
                SELECT id, card_id, transaction_id, source, points, remaining, expired, reversed, matures_at, expires_at, created_at FROM point_lots
                WHERE partner_id = \(bind: partnerID) AND card_id = \(bind: cardID)\(filter) ORDER BY id LIMIT 1000
                """
            ).all().map { r in
                PointLot(
                    id: try r.decode(column: "id", as: Int64.self),
                    cardID: try r.decode(column: "card_id", as: Int64.self),
                    transactionID: try r.decode(column: "transaction_id", as: Int64?.self),
                    source: try r.decode(column: "source", as: String.self),
                    points: try r.decode(column: "points", as: Int64.self),
                    remaining: try r.decode(column: "remaining", as: Int64.self),
                    expired: try r.decode(column: "expired", as: Int64.self),
                    reversed: try r.decode(column: "reversed", as: Int64.self),
                    maturesAt: try r.decode(column: "matures_at", as: Int64?.self),
                    expiresAt: try r.decode(column: "expires_at", as: Int64?.self),
                    createdAt: try r.decode(column: "created_at", as: Int64.self)
                )
            }
        }
    }
}
