import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Every operation that moves points: purchases, awards, refunds, reservations.
///
/// Each method is one database transaction. Business keys make every write
/// idempotent: a second call with the same order id and type (or refund id) throws
/// ``LoyaltyError/duplicateTransaction(existingTransactionID:)`` and writes nothing.
public protocol LedgerRepository: Sendable {
    /// Records a purchase (earn and/or redeem) or reverses one (refund, cancellation).
    func post(_ command: TransactionCommand) async throws -> TransactionOutcome
    /// Posts many commands, each atomically on its own: one item's failure leaves the
    /// others applied. Results are in input order.
    func postEach(_ commands: [TransactionCommand]) async throws -> [Result<TransactionOutcome, LoyaltyError>]
    func reserve(
        partnerID: Int64,
        customer: TransactionCommand.CustomerRef,
        cardID: Int64?,
        orderID: String,
        points: Int64,
        sessionID: String?
    ) async throws -> PointsReservation
    func release(partnerID: Int64, reservationID: Int64?, orderID: String?) async throws -> PointsReservation
    /// The newest reservation by id or order id.
    func reservation(partnerID: Int64, reservationID: Int64?, orderID: String?) async throws -> PointsReservation?
    func transactions(partnerID: Int64, filter: TransactionFilter, page: PageRequest) async throws -> Page<TransactionView>
    func ledgerEntries(partnerID: Int64, cardID: Int64, limit: Int) async throws -> [LedgerEntry]
    func transfer(_ command: TransferCommand) async throws -> TransferOutcome
    func adjust(_ command: AdjustmentCommand) async throws -> TransactionOutcome
    /// Credits an activity (and, for a referral, the referred customer); results in that order.
    func recordActivity(_ command: ActivityCommand) async throws -> [TransactionOutcome]
    /// Sets (or with `tier == nil` removes) a manual tier that holds until `until`.
    func setTierOverride(
        partnerID: Int64,
        customerID: Int64,
        tier: String?,
        until: Int64?,
        reason: String,
        actor: String?
    ) async throws -> LoyaltyCard
    /// Re-evaluates the card's tier now (locked), recording any change.
    func evaluateTier(partnerID: Int64, cardID: Int64) async throws -> LoyaltyCard
    /// The value the programme's tiers measure for this card now (lifetime points,
    /// rolling-window points or spend).
    func tierBasis(card: LoyaltyCard, program: ProgramConfig) async throws -> Int64
    /// The programme in force for the partner (cached by version).
    func program(partnerID: Int64) async throws -> ProgramConfig
    /// The card's lots (open ones only when `openOnly`), oldest first, at most 1000.
    func lots(partnerID: Int64, cardID: Int64, openOnly: Bool) async throws -> [PointLot]
    /// Every broken invariant (always empty unless something is broken): a materialised
    /// balance that differs from the sum of the card's ledger entries or of its lots'
    /// remaining points, a pending figure that differs from its maturing lots, holds
    /// larger than the balance, a lot that gave out more than it held, or an entry whose
    /// `balance_after` is not the running sum up to it. Negative balances are allowed
    /// only as debt lots (refund or adjustment policy).
    func invariantViolations(partnerID: Int64?) async throws -> [InvariantViolation]
}

public struct TransactionFilter: Sendable {
    public var customerID: Int64?
    public var cardID: Int64?
    public var shopID: Int64?
    public var orderID: String?
    public var type: TransactionType?
    public var fromMillis: Int64?
    public var toMillis: Int64?
    /// One transaction by id (the Partner API's detail view).
    public var id: Int64?
    public var status: String?
    /// Part of the order id, or of the customer's name or email (case-insensitive).
    public var search: String?

    public init(
        customerID: Int64? = nil,
        cardID: Int64? = nil,
        shopID: Int64? = nil,
        orderID: String? = nil,
        type: TransactionType? = nil,
        fromMillis: Int64? = nil,
        toMillis: Int64? = nil
    ) {
        self.customerID = customerID
        self.cardID = cardID
        self.shopID = shopID
        self.orderID = orderID
        self.type = type
        self.fromMillis = fromMillis
        self.toMillis = toMillis
    }
}

/// A transaction with what the list endpoint shows beside it.
public struct TransactionView: Sendable {
    public var transaction: ShopTransaction
    public var customer: Customer
    public var cardNumber: String
    public var cardTitle: String
    public var shopName: String?
}

public struct InvariantViolation: Sendable, Equatable {
    public var cardID: Int64
    public var balance: Int64
    public var ledgerSum: Int64
    /// Which invariant: ledger, lots, pending, reserved, lot, running.
    public var kind: String = "ledger"
}

public struct SQLLedgerRepository: LedgerRepository {
    let database: any DatabaseClient
    let clock: any WallClock
    /// Group commit for PostgreSQL awards (one per repository, so one per process).
    let awardBatcher: AwardBatcher?
    let programs: ProgramCache

    public init(database: any DatabaseClient, programs: ProgramCache = ProgramCache(), clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
        self.programs = programs
        self.awardBatcher = database.preparedStatements.map { AwardBatcher(database: $0) }
    }

    var forUpdate: String { database.features.forUpdate }

    public func post(_ command: TransactionCommand) async throws -> TransactionOutcome {
        if awardBatcher != nil, let outcome = try await postgresFastAward(command) { return outcome }
        let lock = forUpdate
        let programs = programs
        return try await database.write { db in
            try await Self.post(db, command, now: clock.nowMillis(), forUpdate: lock, programs: programs)
        }
    }

    public func postEach(_ commands: [TransactionCommand]) async throws -> [Result<TransactionOutcome, LoyaltyError>] {
        if database.features.concurrentWriters { return try await postConcurrently(commands) }
        let lock = forUpdate
        let programs = programs
        var results: [Result<TransactionOutcome, LoyaltyError>] = []
        results.reserveCapacity(commands.count)
        // Chunks bound the time one transaction holds the writer; savepoints make each
        // item atomic inside its chunk.
        for chunk in stride(from: 0, to: commands.count, by: 250).map({ Array(commands[$0..<min($0 + 250, commands.count)]) }) {
            let chunkResults = try await database.write { db in
                var out: [Result<TransactionOutcome, LoyaltyError>] = []
                let now = clock.nowMillis()
                for command in chunk {
                    try await db.raw("SAVEPOINT bulk_item").run()
                    do {
                        out.append(.success(try await Self.post(db, command, now: now, forUpdate: lock, programs: programs)))
                        try await db.raw("RELEASE SAVEPOINT bulk_item").run()
                    } catch let error as LoyaltyError {
                        try await db.raw("ROLLBACK TO SAVEPOINT bulk_item").run()
                        try await db.raw("RELEASE SAVEPOINT bulk_item").run()
                        out.append(.failure(error))
                    }
                }
                return out
            }
            results += chunkResults
        }
        return results
    }

    /// PostgreSQL: each command is its own transaction, 64 in flight, so awards share
    /// the group-commit batches of the fast path (10,000 items take seconds, not one
    /// long transaction that holds row locks).
    func postConcurrently(_ commands: [TransactionCommand]) async throws -> [Result<TransactionOutcome, LoyaltyError>] {
        var results = [Result<TransactionOutcome, LoyaltyError>?](repeating: nil, count: commands.count)
        try await withThrowingTaskGroup(of: (Int, Result<TransactionOutcome, LoyaltyError>).self) { group in
            var next = 0
            func start() {
                let i = next
                next += 1
                group.addTask {
                    // Every item reports its own outcome: one failing item must not abort
                    // the others mid-flight (a retry of the request would then repeat them).
                    do { return (i, .success(try await post(commands[i]))) } catch let e as LoyaltyError { return (i, .failure(e)) } catch {
                        return (i, .failure(.itemFailed))
                    }
                }
            }
            while next < min(64, commands.count) { start() }
            for try await (i, r) in group {
                results[i] = r
                if next < commands.count { start() }
            }
        }
        return try results.map { try $0.required("a result for every command") }
    }

    // MARK: - Posting (inside a write transaction)

    struct Resolved {
        var customer: Customer
        var card: LoyaltyCard
        var template: CardTemplate
        /// The open hold for the order being posted, if any.
        var hold: PointsReservation?
        /// Whether the command's shop belongs to the partner (true when none was named).
        var shopKnown: Bool
        /// The partner's programme version (nil: never configured).
        var programVersion: Int64?
        /// The partner's offers version (nil: no offer ever written), for ``EarningOfferCache``.
        var offersVersion: Int64?
    }

    /// The joined column list of ``resolve``, built once.
    static let resolveColumns = [
        Rows.aliased(Rows.customerColumns, table: "cu", prefix: "c_"), Rows.aliased(Rows.cardColumns, table: "lc", prefix: "k_"),
        Rows.aliased(Rows.templateColumns, table: "t", prefix: "t_"), Rows.aliased(Rows.reservationColumns, table: "r", prefix: "r_"),
    ].joined(separator: ", ")

    /// Finds the customer, the card to post to with its template, the order's open
    /// reservation and the shop, in one query; issues the default card on first use.
    static func resolve(
        _ db: any SQLDatabase,
        partnerID: Int64,
        customer ref: TransactionCommand.CustomerRef,
        cardID: Int64?,
        orderID: String?,
        shopID: Int64?,
        now: Int64,
        issueCard: Bool = true
    ) async throws -> Resolved? {
        var sql: SQLQueryString = """
            SELECT \(unsafeRaw: Self.resolveColumns), s.id AS shop_found, pr.version AS p_version, ov.version AS o_version
            FROM customers cu
            LEFT JOIN loyalty_cards lc ON lc.partner_id = cu.partner_id AND lc.customer_id = cu.id
            LEFT JOIN card_templates t ON t.partner_id = lc.partner_id AND t.id = lc.template_id
            LEFT JOIN reservations r ON r.partner_id = cu.partner_id AND r.card_id = lc.id AND r.order_id = \(bind: orderID) AND r.status = 'active'
            LEFT JOIN shops s ON s.partner_id = cu.partner_id AND s.id = \(bind: shopID)
            LEFT JOIN programs pr ON pr.partner_id = cu.partner_id
            LEFT JOIN offer_versions ov ON ov.partner_id = cu.partner_id
            WHERE cu.partner_id = \(bind: partnerID)
            """
        switch ref {
        case let .id(id): sql += " AND cu.id = \(bind: id)"
        case let .email(email): sql += " AND cu.email = \(bind: email.lowercased())"
        case let .card(id): sql += " AND lc.id = \(bind: id)"
        }
        if let cardID { sql += " AND lc.id = \(bind: cardID)" }
        sql += " ORDER BY lc.id LIMIT 1"
        guard let row = try await db.raw(sql).first() else {
            if case .card = ref { throw LoyaltyError.cardNotFound }
            if cardID != nil { throw LoyaltyError.cardNotFound }
            throw LoyaltyError.customerNotFound
        }
        if let resolved = try decodeResolved(row, shopID: shopID) { return resolved }
        let customer = try Rows.customer(row, prefix: "c_")
        let shopFound = try row.decode(column: "shop_found", as: Int64?.self)
        let shopKnown = shopID == nil || shopFound != nil
        guard issueCard else { return nil }
        guard let template = try await CardIssuer.defaultTemplate(db, partnerID: partnerID) else { throw LoyaltyError.noCardTemplate }
        let card = try await CardIssuer.issue(db, partnerID: partnerID, customerID: customer.id, template: template, now: now)
        return Resolved(
            customer: customer,
            card: card,
            template: template,
            hold: nil,
            shopKnown: shopKnown,
            programVersion: try row.decode(column: "p_version", as: Int64?.self),
            offersVersion: try row.decode(column: "o_version", as: Int64?.self)
        )
    }

    /// Decodes a resolve row; `nil` when the customer has no card yet.
    static func decodeResolved(_ row: any SQLRow, shopID: Int64?) throws -> Resolved? {
        guard try row.decode(column: "k_id", as: Int64?.self) != nil else { return nil }
        let shopFound = try row.decode(column: "shop_found", as: Int64?.self)
        let hold = try row.decode(column: "r_id", as: Int64?.self) == nil ? nil : try Rows.reservation(row, prefix: "r_")
        return Resolved(
            customer: try Rows.customer(row, prefix: "c_"),
            card: try Rows.card(row, prefix: "k_"),
            template: try Rows.template(row, prefix: "t_"),
            hold: hold,
            shopKnown: shopID == nil || shopFound != nil,
            programVersion: try row.decode(column: "p_version", as: Int64?.self),
            offersVersion: try row.decode(column: "o_version", as: Int64?.self)
        )
    }

    static func post(
        _ db: any SQLDatabase,
        _ command: TransactionCommand,
        now: Int64,
        forUpdate: String,
        programs: ProgramCache
    ) async throws -> TransactionOutcome {
        switch command.type {
        case .purchase, .bonus: return try await postPurchase(db, command, now: now, forUpdate: forUpdate, programs: programs)
        case .refund, .cancellation: return try await postReversal(db, command, now: now, forUpdate: forUpdate, programs: programs)
        case .activity, .transfer, .adjustment, .rewardClaim, .rewardReturn, .gamePlay, .gameReward: throw LoyaltyError.unsupportedTransactionType
        }
    }

    /// Inserts the transaction row under its business key; a clash means "already done".
    static func insertTransaction(
        _ db: any SQLDatabase,
        _ c: TransactionCommand,
        cardID: Int64,
        customerID: Int64,
        currency: String,
        points: Int64,
        redeemed: Int64,
        shortfall: Int64,
        discount: Int64?,
        originalID: Int64?,
        now: Int64,
        rulesApplied: String? = nil
    ) async throws -> Int64 {
        let row = try await db.raw(
            """
            INSERT INTO transactions (partner_id, shop_id, card_id, customer_id, type, order_id, refund_id, business_key, amount_minor, currency,
              points_awarded, points_redeemed, shortfall, discount_minor, description, reason, status, metadata, original_transaction_id,
                created_at, rules_applied)
            VALUES (\(bind: c.partnerID), \(bind: c.shopID), \(bind: cardID), \(bind: customerID), \(bind: c.type.rawValue), \(bind: c.orderID),
              \(bind: c.refundID),
              \(bind: c.businessKey), \(bind: c.orderTotalMinor), \(bind: currency), \(bind: points), \(bind: redeemed), \(bind: shortfall),
                \(bind: discount),
              \(bind: c.description), \(bind: c.reason), 'completed', \(bind: c.metadataJSON), \(bind: originalID), \(bind: now),
                \(bind: rulesApplied))
            ON CONFLICT (partner_id, business_key) DO NOTHING
            RETURNING id
            """
        ).first()
        if let row { return try row.decode(column: "id", as: Int64.self) }
        let existing = try await db.raw(
            "SELECT id FROM transactions WHERE partner_id = \(bind: c.partnerID) AND business_key = \(bind: c.businessKey)"
        ).first()
        throw LoyaltyError.duplicateTransaction(existingTransactionID: try existing?.decode(column: "id", as: Int64.self) ?? 0)
    }

    /// Earning and redemption under a partner's point-sharing settings (``PointSharing``):
    /// the member's home shop decides whether this shop may take their points (else
    /// ``LoyaltyError/pointsNotShared(homeShopID:)``, nothing written), whether it earns
    /// for them (else 0 with a `point_sharing` line), whether their tier's benefits
    /// apply here, and the shop's earning rate.
    static func sharedEarning(
        _ db: any SQLDatabase,
        _ c: TransactionCommand,
        resolved r: Resolved,
        card: LoyaltyCard,
        program: ProgramConfig,
        sharing: PointSharing,
        at moment: LocalMoment,
        offers: [Offer]
    ) async throws -> EarningEngine.Result {
        var home: Int64?
        if sharing.needsHomeShop {
            home = try await PointSharingCache.homeShop(db, partnerID: c.partnerID, customerID: r.customer.id, shopID: c.shopID)
        }
        let redeem = c.pointsRedeemed ?? r.hold?.points ?? 0
        if redeem > 0, !sharing.mayRedeem(at: c.shopID, home: home) { throw LoyaltyError.pointsNotShared(homeShopID: home ?? 0) }
        guard sharing.mayEarn(at: c.shopID, home: home) else {
            return .notEarned(rule: "point_sharing", name: "Not earned at this shop: points are not shared with the member's home shop")
        }
        var tierless = card
        if !sharing.tierApplies(at: c.shopID, home: home) {
            tierless.tierState = TierDecision.State(tier: nil, since: nil, graceUntil: nil, override: nil, overrideUntil: nil)
        }
        let earning = PurchasePlan.earning(for: c, template: r.template, program: program, card: tierless, at: moment, offers: offers)
        return c.points == nil ? earning.scaled(percent: sharing.rate(at: c.shopID)) : earning
    }

    /// A purchase or award: gathers the card (locked and matured when it has pending
    /// points), its template, the programme and the order's open hold; ``PurchasePlan``
    /// decides; this applies it: the transaction row, the redemption (drawn from lots,
    /// earliest expiry first) with the hold released and consumed, the earned lot, the
    /// card's lot summary and spend, the tier, and the outbox fact.
    static func postPurchase(
        _ db: any SQLDatabase,
        _ c: TransactionCommand,
        now: Int64,
        forUpdate: String,
        programs: ProgramCache
    ) async throws -> TransactionOutcome {
        let r = try await resolve(db, partnerID: c.partnerID, customer: c.customer, cardID: c.cardID, orderID: c.orderID, shopID: c.shopID, now: now)
            .required("a card for the customer")
        try PurchasePlan.admit(shopKnown: r.shopKnown, card: r.card, at: now)
        var c = c
        var applied: AppliedCoupon?
        if let code = c.couponCode, c.type == .purchase {
            // Redeemed in this transaction: a duplicate order or any later failure undoes it.
            applied = try await SQLCouponRepository.applyToPurchase(
                db,
                partnerID: c.partnerID,
                code: code,
                customerID: r.customer.id,
                shopID: c.shopID,
                orderID: c.orderID,
                orderTotalMinor: c.orderTotalMinor ?? 0,
                now: now,
                forUpdate: forUpdate
            )
            if let a = applied { c.orderTotalMinor = a.orderTotalMinor - a.discountMinor }
        }
        let program = try await programs.config(db, partnerID: c.partnerID, version: r.programVersion)
        var card = r.card
        // Lock before maturing: the summary must be computed from the lots as of the lock.
        if card.pending > 0 {
            card = try await lockCards(db, partnerID: c.partnerID, ids: [card.id], forUpdate: forUpdate, now: now)[card.id] ?? card
        }
        let moment = LocalMoment(epochMillis: now, timeZone: program.timeZone)
        let offers = try await programs.earningOffers.offers(db, partnerID: c.partnerID, version: r.offersVersion)
        let sharing = try await programs.pointSharing.settings(db, partnerID: c.partnerID, version: r.offersVersion)
        var earning: EarningEngine.Result
        if sharing.isStandard {
            earning = PurchasePlan.earning(for: c, template: r.template, program: program, card: card, at: moment, offers: offers)
        } else {
            earning = try await sharedEarning(db, c, resolved: r, card: card, program: program, sharing: sharing, at: moment, offers: offers)
        }
        let plan = try PurchasePlan(command: c, card: card, template: r.template, program: program, hold: r.hold, at: moment, earning: earning)
        let txID = try await insertTransaction(
            db,
            c,
            cardID: card.id,
            customerID: r.customer.id,
            currency: plan.currency,
            points: plan.earned,
            redeemed: plan.redeem,
            shortfall: 0,
            discount: plan.discountMinor,
            originalID: nil,
            now: now,
            rulesApplied: plan.rulesAppliedJSON
        )
        if plan.redeem > 0 {
            guard
                try await LedgerPosting.post(
                    db,
                    partnerID: c.partnerID,
                    cardID: card.id,
                    shopID: c.shopID,
                    transactionID: txID,
                    type: .redeemed,
                    points: -plan.redeem,
                    reference: c.orderID,
                    description: c.description,
                    now: now,
                    allowNegative: false,
                    releaseReserved: plan.releaseHold,
                    touch: plan.earned == 0
                ) != nil
            else { throw plan.insufficientPoints }
            let draw = try await Lots.draw(db, partnerID: c.partnerID, cardID: card.id, points: plan.redeem)
            guard draw.uncovered == 0 else { throw LotShortage(cardID: card.id) }
        } else if plan.releaseHold > 0 {
            try await db.raw(
                """
                UPDATE loyalty_cards SET reserved = \(LedgerPosting.released(plan.releaseHold))
                WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: card.id)
                """
            ).run()
        }
        if let hold = plan.consumedHoldID {
            try await db.raw(
                """
                UPDATE reservations SET status = 'consumed', updated_at = \(bind: now) WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: hold)
                """
            ).run()
        }
        var summarised = false
        if let lot = plan.lot {
            // Without a draw the summary moves by this lot alone, in the posting's own UPDATE.
            let newLot =
                plan.redeem == 0
                ? NewLot(points: lot.points, expiresAt: lot.expiresAt, pending: lot.isPending, spendMinor: plan.spendMinor) : nil
            card = try await LedgerPosting.post(
                db,
                partnerID: c.partnerID,
                cardID: card.id,
                shopID: c.shopID,
                transactionID: txID,
                type: lot.entryType,
                points: lot.points,
                reference: c.orderID,
                description: c.description ?? c.reason,
                now: now,
                allowNegative: true,
                touch: true,
                details: plan.rulesAppliedJSON,
                newLot: newLot
            ).required("the card after an earning posting")
            summarised = newLot != nil
            try await Lots.open(
                db,
                partnerID: c.partnerID,
                cardID: card.id,
                transactionID: txID,
                source: lot.entryType.rawValue,
                points: lot.points,
                maturesAt: lot.maturesAt,
                expiresAt: lot.expiresAt,
                now: now
            )
        } else if plan.redeem == 0 {
            _ = try await LedgerPosting.touch(db, partnerID: c.partnerID, cardID: card.id, now: now)
        }
        if !summarised { card = try await Lots.refreshCard(db, partnerID: c.partnerID, cardID: card.id, spendDelta: plan.spendMinor) }
        card = try await Tiers.evaluate(db, card: card, program: program, now: now)
        let tx = plan.transaction(id: txID, customerID: r.customer.id, at: now)
        var events: [(type: String, data: JSON)] = [(EventType.transactionCreated, EventFact.transaction(tx, card: card))]
        if c.type == .purchase {
            let games = try await programs.purchaseGames.games(db, partnerID: c.partnerID, version: r.offersVersion)
            if !games.isEmpty {
                let purchase = GamePurchases.Purchase(
                    partnerID: c.partnerID,
                    card: card,
                    template: r.template,
                    program: program,
                    amountMinor: c.orderTotalMinor,
                    shopID: c.shopID,
                    transactionID: txID,
                    now: now
                )
                let gameEvents = try await GamePurchases.apply(db, games: games, purchase: purchase, forUpdate: forUpdate)
                if !gameEvents.isEmpty {
                    events += gameEvents
                    // A prize may have moved the balance: answer with the card as it ends.
                    card =
                        try await db.raw(
                            "SELECT \(unsafeRaw: Rows.cardColumns) FROM loyalty_cards WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: card.id)"
                        ).first().map { try Rows.card($0) } ?? card
                }
            }
        }
        try await Outbox.append(db, partnerID: c.partnerID, events: events, now: now)
        var outcome = TransactionOutcome(transaction: tx, card: card, customer: r.customer, rulesApplied: earning.lines)
        outcome.coupon = applied
        return outcome
    }

    // MARK: - Reservations

    public func reserve(
        partnerID: Int64,
        customer: TransactionCommand.CustomerRef,
        cardID: Int64?,
        orderID: String,
        points: Int64,
        sessionID: String?
    ) async throws -> PointsReservation {
        let lock = forUpdate
        return try await database.write { db in
            let now = clock.nowMillis()
            var r = try await Self.resolve(db, partnerID: partnerID, customer: customer, cardID: cardID, orderID: nil, shopID: nil, now: now)
                .required("a card for the customer")
            if let violation = r.template.redemption.violation(forPoints: points) { throw LoyaltyError.redemptionNotAllowed(violation) }
            if r.card.pending > 0 {
                r.card = try await Self.lockCards(db, partnerID: partnerID, ids: [r.card.id], forUpdate: lock, now: now)[r.card.id] ?? r.card
            }
            // The partial unique index decides between concurrent holds for one order.
            guard
                let row = try await db.raw(
                    """
                    INSERT INTO reservations (partner_id, card_id, customer_id, order_id, points, status, session_id, created_at, updated_at)
                    VALUES (\(bind: partnerID), \(bind: r.card.id), \(bind: r.customer.id), \(bind: orderID), \(bind: points), 'active',
                      \(bind: sessionID), \(bind: now), \(bind: now))
                    ON CONFLICT (partner_id, order_id) WHERE status = 'active' DO NOTHING
                    RETURNING \(unsafeRaw: Rows.reservationColumns)
                    """
                ).first()
            else {
                let existing = try await db.raw(
                    "SELECT id FROM reservations WHERE partner_id = \(bind: partnerID) AND order_id = \(bind: orderID) AND status = 'active'"
                ).first()
                throw LoyaltyError.reservationAlreadyExists(reservationID: try existing?.decode(column: "id", as: Int64.self) ?? 0)
            }
            guard
                try await db.raw(
                    """
                    UPDATE loyalty_cards SET reserved = reserved + \(bind: points), updated_at = \(bind: now)
                    WHERE partner_id = \(bind: partnerID) AND id = \(bind: r.card.id) AND balance - pending - reserved >= \(bind: points) RETURNING id
                    """
                ).first() != nil
            else {
                throw LoyaltyError.insufficientPoints(available: r.card.available, requested: points)
            }
            return try Rows.reservation(row)
        }
    }

    public func release(partnerID: Int64, reservationID: Int64?, orderID: String?) async throws -> PointsReservation {
        let lock = forUpdate
        return try await database.write { db in
            let now = clock.nowMillis()
            guard
                var reservation = try await Self.findReservation(
                    db,
                    partnerID: partnerID,
                    reservationID: reservationID,
                    orderID: orderID,
                    forUpdate: lock
                )
            else { throw LoyaltyError.reservationNotFound }
            guard reservation.status == .active else { throw LoyaltyError.reservationNotActive(status: reservation.status.rawValue) }
            try await db.raw(
                """
                UPDATE loyalty_cards SET reserved = \(LedgerPosting.released(reservation.points)), updated_at = \(bind: now) WHERE partner_id =
                  \(bind: partnerID) AND id = \(bind: reservation.cardID)
                """
            ).run()
            try await db.raw("UPDATE reservations SET status = 'released', updated_at = \(bind: now) WHERE id = \(bind: reservation.id)").run()
            reservation.status = .released
            reservation.updatedAt = now
            return reservation
        }
    }

    public func reservation(partnerID: Int64, reservationID: Int64?, orderID: String?) async throws -> PointsReservation? {
        try await database.read { db in
            try await Self.findReservation(db, partnerID: partnerID, reservationID: reservationID, orderID: orderID, forUpdate: "")
        }
    }

    static func findReservation(
        _ db: any SQLDatabase,
        partnerID: Int64,
        reservationID: Int64?,
        orderID: String?,
        forUpdate: String
    ) async throws -> PointsReservation? {
        if let reservationID {
            return try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.reservationColumns) FROM reservations WHERE partner_id = \(bind: partnerID) AND id =
                  \(bind: reservationID)\(unsafeRaw: forUpdate)
                """
            ).first().map(Rows.reservation)
        }
        guard let orderID else { return nil }
        return try await db.raw(
            """
            SELECT \(unsafeRaw: Rows.reservationColumns) FROM reservations WHERE partner_id = \(bind: partnerID) AND order_id = \(bind: orderID)
              ORDER BY id DESC LIMIT 1\(unsafeRaw: forUpdate)
            """
        ).first().map(Rows.reservation)
    }

    // MARK: - Reads

    static let listColumns = Rows.transactionColumns.split(separator: ",").map { "t.\($0.trimmingCharacters(in: .whitespaces))" }.joined(
        separator: ", "
    )

    public func transactions(partnerID: Int64, filter: TransactionFilter, page: PageRequest) async throws -> Page<TransactionView> {
        var condition: SQLQueryString = "t.partner_id = \(bind: partnerID)"
        if let v = filter.customerID { condition += " AND t.customer_id = \(bind: v)" }
        if let v = filter.cardID { condition += " AND t.card_id = \(bind: v)" }
        if let v = filter.shopID { condition += " AND t.shop_id = \(bind: v)" }
        if let v = filter.orderID { condition += " AND t.order_id = \(bind: v)" }
        if let v = filter.type { condition += " AND t.type = \(bind: v.rawValue)" }
        if let v = filter.fromMillis { condition += " AND t.created_at >= \(bind: v)" }
        if let v = filter.toMillis { condition += " AND t.created_at < \(bind: v)" }
        if let v = filter.id { condition += " AND t.id = \(bind: v)" }
        if let v = filter.status { condition += " AND t.status = \(bind: v)" }
        if let v = filter.search, !v.isEmpty {
            let like = "%\(v.lowercased())%"
            condition +=
                """
                 AND (LOWER(t.order_id) LIKE \(bind: like) OR t.customer_id IN (SELECT id FROM customers WHERE partner_id = \(bind: partnerID)
                   AND (LOWER(COALESCE(name, '')) LIKE \(bind: like) OR LOWER(COALESCE(email, '')) LIKE \(bind: like))))
                """
        }
        let finalCondition = condition
        let columns = Self.listColumns
        return try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM transactions t WHERE \(finalCondition)").first())
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: columns), c.external_id AS c_external_id, c.email AS c_email, c.phone AS c_phone, c.name AS c_name,
                  c.created_at AS c_created_at, c.updated_at AS c_updated_at, lc.card_number AS card_number, ct.title_en AS card_title, s.name AS
                    shop_name
                FROM transactions t
                JOIN customers c ON c.partner_id = t.partner_id AND c.id = t.customer_id
                JOIN loyalty_cards lc ON lc.partner_id = t.partner_id AND lc.id = t.card_id
                JOIN card_templates ct ON ct.partner_id = t.partner_id AND ct.id = lc.template_id
                LEFT JOIN shops s ON s.partner_id = t.partner_id AND s.id = t.shop_id
                WHERE \(finalCondition)
                ORDER BY t.created_at DESC, t.id DESC LIMIT \(literal: page.perPage) OFFSET \(literal: page.offset)
                """
            ).all()
            let items = try rows.map { r in
                let tx = try Rows.transaction(r)
                let customer = Customer(
                    id: tx.customerID,
                    partnerID: partnerID,
                    externalID: try r.decode(column: "c_external_id", as: String?.self),
                    email: try r.decode(column: "c_email", as: String?.self),
                    phone: try r.decode(column: "c_phone", as: String?.self),
                    name: try r.decode(column: "c_name", as: String?.self),
                    createdAt: try r.decode(column: "c_created_at", as: Int64.self),
                    updatedAt: try r.decode(column: "c_updated_at", as: Int64.self)
                )
                return TransactionView(
                    transaction: tx,
                    customer: customer,
                    cardNumber: try r.decode(column: "card_number", as: String.self),
                    cardTitle: try r.decode(column: "card_title", as: String.self),
                    shopName: try r.decode(column: "shop_name", as: String?.self)
                )
            }
            return Page(items: items, request: page, total: total)
        }
    }

    public func ledgerEntries(partnerID: Int64, cardID: Int64, limit: Int) async throws -> [LedgerEntry] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.ledgerColumns) FROM ledger_entries WHERE partner_id = \(bind: partnerID) AND card_id = \(bind: cardID)
                  ORDER BY id LIMIT \(literal: limit)
                """
            ).all().map(Rows.ledgerEntry)
        }
    }

    public func invariantViolations(partnerID: Int64?) async throws -> [InvariantViolation] {
        let scope: SQLQueryString = partnerID.map { "WHERE lc.partner_id = \(bind: $0)" } ?? ""
        return try await database.read { db in
            let rows = try await db.raw(
                """
                SELECT lc.id AS id, lc.balance AS balance, CAST(COALESCE(SUM(le.points), 0) AS BIGINT) AS total, lc.reserved AS reserved
                FROM loyalty_cards lc LEFT JOIN ledger_entries le ON le.partner_id = lc.partner_id AND le.card_id = lc.id
                \(scope)
                GROUP BY lc.id, lc.balance, lc.reserved
                HAVING lc.balance <> CAST(COALESCE(SUM(le.points), 0) AS BIGINT) OR lc.reserved < 0 OR (lc.reserved > 0 AND lc.reserved >
                  lc.balance - lc.pending)
                """
            ).all()
            var violations = try rows.map {
                InvariantViolation(
                    cardID: try $0.decode(column: "id", as: Int64.self),
                    balance: try $0.decode(column: "balance", as: Int64.self),
                    ledgerSum: try $0.decode(column: "total", as: Int64.self)
                )
            }
            // balance == sum of lots' remaining; pending == remaining of maturing lots.
            let lotRows = try await db.raw(
                """
                SELECT lc.id AS id, lc.balance AS balance, lc.pending AS pending,
                  CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT) AS lots,
                  CAST(COALESCE(SUM(CASE WHEN l.matures_at IS NOT NULL AND l.remaining > 0 THEN l.remaining ELSE 0 END), 0) AS BIGINT) AS maturing
                FROM loyalty_cards lc LEFT JOIN point_lots l ON l.partner_id = lc.partner_id AND l.card_id = lc.id
                \(scope)
                GROUP BY lc.id, lc.balance, lc.pending
                HAVING lc.balance <> CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT)
                  OR lc.pending <> CAST(COALESCE(SUM(CASE WHEN l.matures_at IS NOT NULL AND l.remaining > 0 THEN l.remaining ELSE 0 END), 0) AS
                    BIGINT)
                """
            ).all()
            for r in lotRows {
                let id = try r.decode(column: "id", as: Int64.self)
                let balance = try r.decode(column: "balance", as: Int64.self)
                let lots = try r.decode(column: "lots", as: Int64.self)
                if balance != lots { violations.append(InvariantViolation(cardID: id, balance: balance, ledgerSum: lots, kind: "lots")) }
                let pending = try r.decode(column: "pending", as: Int64.self)
                let maturing = try r.decode(column: "maturing", as: Int64.self)
                if pending != maturing { violations.append(InvariantViolation(cardID: id, balance: pending, ledgerSum: maturing, kind: "pending")) }
            }
            let lotScope: SQLQueryString = partnerID.map { " AND partner_id = \(bind: $0)" } ?? ""
            let badLots = try await db.raw(
                """
                SELECT card_id, points, remaining FROM point_lots
                WHERE ((points > 0 AND (remaining < 0 OR remaining + expired + reversed > points)) OR (points < 0 AND (remaining > 0 OR remaining <
                  points)))\(lotScope)
                """
            ).all()
            violations += try badLots.map {
                InvariantViolation(
                    cardID: try $0.decode(column: "card_id", as: Int64.self),
                    balance: try $0.decode(column: "remaining", as: Int64.self),
                    ledgerSum: try $0.decode(column: "points", as: Int64.self),
                    kind: "lot"
                )
            }
            // Every entry's balance_after is the running sum of the card's entries up to it.
            let entryScope: SQLQueryString = partnerID.map { "WHERE partner_id = \(bind: $0)" } ?? ""
            let drifted = try await db.raw(
                """
                SELECT card_id, balance_after, CAST(running AS BIGINT) AS running FROM (
                  SELECT card_id, balance_after, SUM(points) OVER (PARTITION BY card_id ORDER BY id) AS running FROM ledger_entries \(entryScope)
                ) x WHERE balance_after <> running
                """
            ).all()
            violations += try drifted.map {
                InvariantViolation(
                    cardID: try $0.decode(column: "card_id", as: Int64.self),
                    balance: try $0.decode(column: "balance_after", as: Int64.self),
                    ledgerSum: try $0.decode(column: "running", as: Int64.self),
                    kind: "running"
                )
            }
            return violations
        }
    }
}
