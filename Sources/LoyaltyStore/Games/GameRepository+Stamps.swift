import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Stamp cards (S34-S37): one `stamp_cards` row per game and loyalty card holds the
/// current round; `stamp_events` the history and the per-day counts.
extension SQLGameRepository {
    public func addStamps(_ c: StampCommand) async throws -> StampOutcome {
        try await stampWrite(partnerID: c.partnerID, gameID: c.gameID, cardID: c.cardID, shopID: c.shopID) { db, ctx in
            try await Self.applyStamps(db, &ctx, count: c.count, force: false, transactionID: nil)
        }
    }

    public func forceComplete(partnerID: Int64, gameID: Int64, cardID: Int64, shopID: Int64?) async throws -> StampOutcome {
        try await stampWrite(partnerID: partnerID, gameID: gameID, cardID: cardID, shopID: shopID) { db, ctx in
            let current = try await Self.stampRow(db, partnerID: partnerID, gameID: gameID, cardID: cardID)
            if current.waiting { throw GameError.alreadyCompleted }
            let missing = max(1, ctx.game.stampRules.stampsRequired - current.step)
            return try await Self.applyStamps(db, &ctx, count: missing, force: true, transactionID: nil)
        }
    }

    public func restart(partnerID: Int64, gameID: Int64, cardID: Int64, shopID: Int64?) async throws -> StampProgress {
        try await stampWrite(partnerID: partnerID, gameID: gameID, cardID: cardID, shopID: shopID) { db, ctx in
            let current = try await Self.stampRow(db, partnerID: partnerID, gameID: gameID, cardID: cardID)
            let next = StampProgress(
                gameID: gameID,
                cardID: cardID,
                round: current.round + 1,
                step: 0,
                waiting: false,
                completedAt: nil,
                completions: current.completions,
                history: []
            )
            try await Self.saveStampRow(db, partnerID: partnerID, customerID: ctx.card.customerID, next, now: ctx.now)
            try await Self.stampEvent(
                db,
                partnerID: partnerID,
                gameID: gameID,
                cardID: cardID,
                round: next.round,
                action: "restarted",
                value: 0,
                shopID: shopID,
                now: ctx.now
            )
            return StampOutcome(progress: next, stampsRequired: ctx.game.stampRules.stampsRequired, added: 0, wasAlreadyCompleted: false, rewards: [])
        }.progress
    }

    public func progress(partnerID: Int64, gameID: Int64, cardID: Int64) async throws -> StampProgress {
        try await database.read { db in
            guard try await Self.load(db, partnerID: partnerID, id: gameID) != nil else { throw GameError.gameNotFound }
            guard
                try await db.raw("SELECT id FROM loyalty_cards WHERE partner_id = \(bind: partnerID) AND id = \(bind: cardID)").first() != nil
            else { throw LoyaltyError.cardNotFound }
            var p = try await Self.stampRow(db, partnerID: partnerID, gameID: gameID, cardID: cardID)
            p.history = try await Self.history(db, partnerID: partnerID, cardID: cardID, gameIDs: [gameID])[gameID] ?? []
            return p
        }
    }

    public func cardProgress(partnerID: Int64, cardID: Int64) async throws -> [Int64: StampProgress] {
        try await database.read { db in
            var out: [Int64: StampProgress] = [:]
            for r in try await db.raw(
                """
                SELECT game_id, card_id, round, current_step, waiting, completed_at, completions FROM stamp_cards
                WHERE partner_id = \(bind: partnerID) AND card_id = \(bind: cardID)
                """
            ).all() {
                let p = try Self.decodeStampRow(r)
                out[p.gameID] = p
            }
            let history = try await Self.history(db, partnerID: partnerID, cardID: cardID, gameIDs: Array(out.keys))
            for (id, lines) in history { out[id]?.history = lines }
            return out
        }
    }

    // MARK: - Shared steps

    /// What a stamp write works with: the game, the member's locked card, its template
    /// and the programme, and the time.
    struct StampContext {
        var game: Game
        var card: LoyaltyCard
        var template: CardTemplate
        var program: ProgramConfig
        var shopID: Int64?
        var now: Int64
        var events: [(type: String, data: JSON)] = []
    }

    /// One transaction around a stamp write: checks the card (usable, the partner's),
    /// the shop and the game (a stamp game that runs now there), locks the card, runs
    /// `body`, and appends the events it gathered.
    func stampWrite(
        partnerID: Int64,
        gameID: Int64,
        cardID: Int64,
        shopID: Int64?,
        _ body: @escaping @Sendable (any SQLDatabase, inout StampContext) async throws -> StampOutcome
    ) async throws -> StampOutcome {
        let lock = forUpdate
        let programs = programs
        return try await database.write { db in
            let now = clock.nowMillis()
            let r = try await SQLLedgerRepository.resolve(
                db,
                partnerID: partnerID,
                customer: .card(cardID),
                cardID: cardID,
                orderID: nil,
                shopID: shopID,
                now: now
            ).required("the card")
            guard let game = try await Self.load(db, partnerID: partnerID, id: gameID) else { throw GameError.gameNotFound }
            guard r.shopKnown else { throw LoyaltyError.shopNotFound }
            guard game.type == .stamps else { throw GameError.wrongType(expected: GameType.stamps.shopName) }
            if let why = game.limits.refusal(at: now, playsToday: 0, playsTotal: 0) { throw GameError.notPlayable(why) }
            guard game.runs(atShop: shopID) else { throw GameError.notPlayable(.notAtShop) }
            let card = try await SQLLedgerRepository.lockCards(db, partnerID: partnerID, ids: [r.card.id], forUpdate: lock, now: now)[r.card.id]
                .required("the locked card")
            try card.requireUsable(at: now)
            let program = try await programs.config(db, partnerID: partnerID, version: r.programVersion)
            var ctx = StampContext(game: game, card: card, template: r.template, program: program, shopID: shopID, now: now)
            var outcome = try await body(db, &ctx)
            try await Outbox.append(db, partnerID: partnerID, events: ctx.events, now: now)
            outcome.game = game
            return outcome
        }
    }

    /// Adds `count` stamps to the locked card (`force`: ignoring the visit and day
    /// limits, as S36 does), completing and rewarding every round it fills. A card that
    /// is completed and waits for a restart is left unchanged.
    static func applyStamps(
        _ db: any SQLDatabase,
        _ ctx: inout StampContext,
        count: Int64,
        force: Bool,
        transactionID: Int64?
    ) async throws -> StampOutcome {
        let game = ctx.game
        let now = ctx.now
        var rules = game.stampRules
        let current = try await stampRow(db, partnerID: game.partnerID, gameID: game.id, cardID: ctx.card.id)
        if current.waiting {
            return StampOutcome(progress: current, stampsRequired: rules.stampsRequired, added: 0, wasAlreadyCompleted: true, rewards: [])
        }
        var today: Int64 = 0
        if force {
            rules.perVisitLimit = nil
            rules.perDayLimit = nil
        } else if rules.perDayLimit != nil {
            let dayStart = LocalMoment(epochMillis: now, timeZone: ctx.program.timeZone).periodStart(.day)
            today =
                try await db.raw(
                    """
                    SELECT CAST(COALESCE(SUM(value), 0) AS BIGINT) AS n FROM stamp_events WHERE partner_id = \(bind: game.partnerID) AND game_id = \(bind: game.id)
                      AND card_id = \(bind: ctx.card.id) AND action = 'stamp_added' AND created_at >= \(bind: dayStart)
                    """
                ).first()?.decode(column: "n", as: Int64.self) ?? 0
        }
        let plan: StampPlan
        do {
            plan = try StampPlan.add(count, rules: rules, round: current.round, step: current.step, completed: false, today: today)
        } catch {
            throw GameError.stamps(error)
        }
        try await stampEvent(
            db,
            partnerID: game.partnerID,
            gameID: game.id,
            cardID: ctx.card.id,
            round: current.round,
            action: "stamp_added",
            value: count,
            shopID: ctx.shopID,
            transactionID: transactionID,
            now: now
        )
        var rewards: [GrantedPrize] = []
        for round in plan.completedRounds {
            var granted: GrantedPrize?
            if let prize = game.completionPrize,
                try await GamePrizes.takeBudget(db, game: game, prize: prize, moment: LocalMoment(epochMillis: now, timeZone: ctx.program.timeZone))
            {
                granted = try await GamePrizes.grant(
                    db,
                    game: game,
                    prize: prize,
                    card: ctx.card,
                    customerID: ctx.card.customerID,
                    template: ctx.template,
                    program: ctx.program,
                    reference: "g\(game.id)-stamps-\(ctx.card.id)-\(round)",
                    shopID: ctx.shopID,
                    now: now,
                    events: &ctx.events
                )
            }
            if let granted { rewards.append(granted) }
            try await stampEvent(
                db,
                partnerID: game.partnerID,
                gameID: game.id,
                cardID: ctx.card.id,
                round: round,
                action: "game_completed",
                value: rules.stampsRequired,
                shopID: ctx.shopID,
                transactionID: granted?.transactionID,
                couponID: granted?.coupon?.id,
                now: now
            )
            ctx.events.append(
                (
                    EventType.gameCompleted,
                    GameFacts.completion(game: game, customerID: ctx.card.customerID, cardID: ctx.card.id, round: round, shopID: ctx.shopID)
                )
            )
        }
        let next = StampProgress(
            gameID: game.id,
            cardID: ctx.card.id,
            round: plan.round,
            step: plan.step,
            waiting: plan.completedAndWaiting,
            completedAt: plan.completedRounds.isEmpty ? current.completedAt : now,
            completions: current.completions + Int64(plan.completedRounds.count),
            history: []
        )
        try await saveStampRow(db, partnerID: game.partnerID, customerID: ctx.card.customerID, next, now: now)
        ctx.events.insert(
            (
                EventType.stampAdded,
                GameFacts.stamps(
                    game: game,
                    cardID: ctx.card.id,
                    customerID: ctx.card.customerID,
                    added: count,
                    step: plan.completedAndWaiting ? rules.stampsRequired : plan.step,
                    round: plan.round,
                    shopID: ctx.shopID
                )
            ),
            at: 0
        )
        return StampOutcome(
            progress: next,
            stampsRequired: rules.stampsRequired,
            added: count,
            wasAlreadyCompleted: false,
            rewards: rewards,
            completedRounds: plan.completedRounds.count
        )
    }

    static func stampRow(_ db: any SQLDatabase, partnerID: Int64, gameID: Int64, cardID: Int64) async throws -> StampProgress {
        try await db.raw(
            """
            SELECT game_id, card_id, round, current_step, waiting, completed_at, completions FROM stamp_cards
            WHERE partner_id = \(bind: partnerID) AND game_id = \(bind: gameID) AND card_id = \(bind: cardID)
            """
        ).first().map(decodeStampRow) ?? StampProgress.fresh(gameID: gameID, cardID: cardID)
    }

    static func decodeStampRow(_ r: any SQLRow) throws -> StampProgress {
        StampProgress(
            gameID: try r.decode(column: "game_id", as: Int64.self),
            cardID: try r.decode(column: "card_id", as: Int64.self),
            round: try r.decode(column: "round", as: Int64.self),
            step: try r.decode(column: "current_step", as: Int64.self),
            waiting: try r.decode(column: "waiting", as: Bool.self),
            completedAt: try r.decode(column: "completed_at", as: Int64?.self),
            completions: try r.decode(column: "completions", as: Int64.self),
            history: []
        )
    }

    static func saveStampRow(_ db: any SQLDatabase, partnerID: Int64, customerID: Int64, _ p: StampProgress, now: Int64) async throws {
        try await db.raw(
            """
            INSERT INTO stamp_cards (partner_id, game_id, card_id, customer_id, round, current_step, waiting, completed_at, completions, updated_at)
            VALUES (\(bind: partnerID), \(bind: p.gameID), \(bind: p.cardID), \(bind: customerID), \(bind: p.round), \(bind: p.step),
              \(bind: p.waiting), \(bind: p.completedAt), \(bind: p.completions), \(bind: now))
            ON CONFLICT (partner_id, game_id, card_id) DO UPDATE SET round = excluded.round, current_step = excluded.current_step,
              waiting = excluded.waiting, completed_at = excluded.completed_at, completions = excluded.completions, updated_at = excluded.updated_at
            """
        ).run()
    }

    static func stampEvent(
        _ db: any SQLDatabase,
        partnerID: Int64,
        gameID: Int64,
        cardID: Int64,
        round: Int64,
        action: String,
        value: Int64,
        shopID: Int64?,
        transactionID: Int64? = nil,
        couponID: Int64? = nil,
        now: Int64
    ) async throws {
        try await db.raw(
            """
            INSERT INTO stamp_events (partner_id, game_id, card_id, round, action, value, shop_id, transaction_id, coupon_id, created_at)
            VALUES (\(bind: partnerID), \(bind: gameID), \(bind: cardID), \(bind: round), \(bind: action), \(bind: value), \(bind: shopID),
              \(bind: transactionID), \(bind: couponID), \(bind: now))
            """
        ).run()
    }

    /// The last 100 history lines of each game on the card, oldest first.
    static func history(_ db: any SQLDatabase, partnerID: Int64, cardID: Int64, gameIDs: [Int64]) async throws -> [Int64: [StampEvent]] {
        guard !gameIDs.isEmpty else { return [:] }
        let list = gameIDs.map(String.init).joined(separator: ", ")
        var out: [Int64: [StampEvent]] = [:]
        for r in try await db.raw(
            """
            SELECT game_id, round, action, value, shop_id, transaction_id, coupon_id, created_at FROM stamp_events
            WHERE partner_id = \(bind: partnerID) AND card_id = \(bind: cardID) AND game_id IN (\(unsafeRaw: list))
            ORDER BY id DESC LIMIT \(literal: 100 * gameIDs.count)
            """
        ).all() {
            let id = try r.decode(column: "game_id", as: Int64.self)
            guard (out[id]?.count ?? 0) < 100 else { continue }
            out[id, default: []].insert(
                StampEvent(
                    at: try r.decode(column: "created_at", as: Int64.self),
                    action: try r.decode(column: "action", as: String.self),
                    value: try r.decode(column: "value", as: Int64.self),
                    round: try r.decode(column: "round", as: Int64.self),
                    shopID: try r.decode(column: "shop_id", as: Int64?.self),
                    couponID: try r.decode(column: "coupon_id", as: Int64?.self),
                    transactionID: try r.decode(column: "transaction_id", as: Int64?.self)
                ),
                at: 0
            )
        }
        return out
    }
}
