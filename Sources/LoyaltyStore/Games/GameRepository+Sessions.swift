import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Member sessions (J30-J34): the outcome is decided with the system CSPRNG when the
/// session starts and committed to (``GameCommitment``); the claim reveals it.
extension SQLGameRepository {
    public func start(partnerID: Int64, gameID: Int64, customerID: Int64) async throws -> SessionStart {
        let lock = forUpdate
        let programs = programs
        let ahead = try await readAhead.read(partnerID: partnerID, customerID: customerID, reference: "", shopID: nil)
        return try await database.write { db in
            let now = clock.nowMillis()
            let r = try await MemberReadAhead.resolved(ahead, db, partnerID: partnerID, customer: .id(customerID), cardID: nil, shopID: nil, now: now)
            guard let game = try await Self.load(db, partnerID: partnerID, id: gameID) else { throw GameError.gameNotFound }
            guard game.isSessionGame else { throw GameError.notPlayable(.notSessionGame) }
            // The card lock serialises this member's starts: the limits are counted once.
            var card = try await SQLLedgerRepository.lockCards(db, partnerID: partnerID, ids: [r.card.id], forUpdate: lock, now: now)[r.card.id]
                .required("the locked card")
            try card.requireUsable(at: now)
            let program = try await programs.config(db, partnerID: partnerID, version: r.programVersion)
            let moment = LocalMoment(epochMillis: now, timeZone: program.timeZone)
            // Counted only when a limit needs them (under the card lock, so racing starts agree).
            var played = PlayCount(today: 0, total: 0)
            if game.dailyLimit != nil || game.totalLimit != nil {
                let dayStart = moment.periodStart(.day)
                played =
                    try await Self.playCounts(db, partnerID: partnerID, customerID: r.customer.id, gameIDs: [gameID], dayStart: dayStart)[gameID]
                    ?? played
            }
            if let why = game.limits.refusal(at: now, playsToday: played.today, playsTotal: played.total) { throw GameError.notPlayable(why) }
            if !game.allowMultipleActiveCoupons {
                let open = try await db.raw(
                    """
                    SELECT COUNT(*) AS n FROM coupons WHERE partner_id = \(bind: partnerID) AND customer_id = \(bind: r.customer.id)
                      AND game_id = \(bind: gameID) AND status IN ('active', 'pending') AND (expires_at IS NULL OR expires_at > \(bind: now))
                    """
                ).first()
                if try Rows.count(open) > 0 { throw GameError.activeCouponHeld }
            }
            let key = GameSessionKey.generate()
            // The outcome, decided now and before the member plays.
            var outcome: String
            var position: Int?
            switch game.type {
            case .wheel, .scratch, .slot:
                // Tables are validated when saved; one that is not drawable cannot be played.
                guard let table = try? PrizeTable(game.prizes, chance: true) else { throw GameError.notPlayable(.inactive) }
                var prize = table.draw()
                if !(try await GamePrizes.takeBudget(db, game: game, prize: prize, moment: moment)) {
                    prize = PrizeBudget.nothing(instead: prize)
                }
                position = prize.kind == .nothing ? nil : prize.position
                outcome = position.map { "prize:\($0)" } ?? "none"
            case .collection:
                var rng = SystemRandomNumberGenerator()
                outcome = CollectionItem.draw(game.settings.items, using: &rng).map { "item:\($0.key)" } ?? "none"
            case .quiz:
                outcome = QuizQuestion.answerKey(game.settings.questions)
            default:
                // Scored by the client (memory, puzzle): the prize thresholds are what is fixed.
                outcome = "thresholds:" + game.prizes.map { "\($0.position)=\($0.minScore ?? 0)" }.joined(separator: ",")
            }
            let commitment = GameCommitment(outcome: "g\(game.id):\(key):\(outcome)")
            var events: [(type: String, data: JSON)] = []
            if game.pointsCost > 0 {
                let command = TransactionCommand(
                    partnerID: partnerID,
                    shopID: nil,
                    customer: .id(r.customer.id),
                    orderID: "g\(game.id)-play-\(key)",
                    type: .gamePlay,
                    currency: r.template.currency,
                    points: 0,
                    pointsRedeemed: game.pointsCost,
                    description: "Game play: \(game.name.en ?? game.name.lt ?? "game \(game.id)")",
                    reason: "game_play"
                )
                let txID = try await SQLLedgerRepository.insertTransaction(
                    db,
                    command,
                    cardID: card.id,
                    customerID: r.customer.id,
                    currency: r.template.currency,
                    points: 0,
                    redeemed: game.pointsCost,
                    shortfall: 0,
                    discount: nil,
                    originalID: nil,
                    now: now
                )
                card = try await LedgerPosting.payForReward(
                    db,
                    card: card,
                    shopID: nil,
                    transactionID: txID,
                    points: game.pointsCost,
                    reference: command.orderID,
                    description: command.description,
                    now: now
                )
                let tx = SQLCouponRepository.rewardTransaction(
                    command,
                    id: txID,
                    cardID: card.id,
                    customerID: r.customer.id,
                    originalID: nil,
                    now: now
                )
                events.append((EventType.transactionCreated, EventFact.transaction(tx, card: card)))
            }
            let expires = now + game.sessionTTLSeconds * 1000
            let row = try await db.raw(
                """
                INSERT INTO game_sessions (partner_id, game_id, customer_id, card_id, session_key, outcome, salt, commitment, prize_position,
                  points_cost, started_at, expires_at)
                VALUES (\(bind: partnerID), \(bind: game.id), \(bind: r.customer.id), \(bind: card.id), \(bind: key), \(bind: commitment.outcome),
                  \(bind: commitment.salt), \(bind: commitment.commitment), \(bind: position.map(Int64.init)), \(bind: game.pointsCost),
                  \(bind: now), \(bind: expires))
                RETURNING \(unsafeRaw: GameRows.sessionColumns)
                """
            ).first()
            let session = try GameRows.session(try row.required("the inserted session"))
            events.append((EventType.gameSessionStarted, GameFacts.session(session, game: game)))
            try await Outbox.append(db, partnerID: partnerID, events: events, now: now)
            return SessionStart(
                session: session,
                game: game,
                balance: card.balance,
                plays: PlayCount(today: played.today + 1, total: played.total + 1)
            )
        }
    }

    public func session(partnerID: Int64, customerID: Int64, key: String) async throws -> GameSession? {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: GameRows.sessionColumns) FROM game_sessions
                WHERE session_key = \(bind: key) AND partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID)
                """
            ).first().map(GameRows.session)
        }
    }

    /// The session, locked, refused unless it is open at `now`.
    static func openSession(
        _ db: any SQLDatabase,
        partnerID: Int64,
        customerID: Int64,
        key: String,
        now: Int64,
        forUpdate: String
    ) async throws
        -> GameSession
    {
        guard
            let s = try await db.raw(
                """
                SELECT \(unsafeRaw: GameRows.sessionColumns) FROM game_sessions
                WHERE session_key = \(bind: key) AND partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID)\(unsafeRaw: forUpdate)
                """
            ).first().map(GameRows.session)
        else { throw GameError.sessionNotFound }
        switch s.status(at: now) {
        case .active: return s
        case .completed: throw GameError.rewardAlreadyClaimed
        case .expired, .cancelled: throw GameError.sessionExpired
        }
    }

    public func report(partnerID: Int64, customerID: Int64, key: String, report: SessionReport) async throws -> GameSession {
        let lock = forUpdate
        return try await database.write { db in
            let now = clock.nowMillis()
            var s = try await Self.openSession(db, partnerID: partnerID, customerID: customerID, key: key, now: now, forUpdate: lock)
            let game = try await Self.load(db, partnerID: partnerID, id: s.gameID)
            var stored = Self.storedProgress(s.progressData)
            if let data = report.progressData { stored.client = data }
            if game?.type == .quiz, let questions = game?.settings.questions {
                // First answer wins: an answer cannot be changed once the member saw its score.
                for a in report.answers {
                    guard a.question >= 1, a.question <= Int64(questions.count) else { throw GameError.questionNotFound(a.question) }
                    if stored.answers[a.question] == nil { stored.answers[a.question] = a.choice }
                }
                // Answers stored before the partner shortened the quiz no longer count.
                s.score = stored.answers.reduce(0) { sum, a in
                    guard a.key >= 1, a.key <= Int64(questions.count) else { return sum }
                    let q = questions[Int(a.key) - 1]
                    return sum + (Int64(q.correct) == a.value ? q.points : 0)
                }
            } else if let score = report.score {
                s.score = score
            }
            if let level = report.level { s.level = level }
            s.progressData = stored.serialized
            try await db.raw(
                """
                UPDATE game_sessions SET score = \(bind: s.score), level = \(bind: s.level), progress_data = \(bind: s.progressData)
                WHERE partner_id = \(bind: partnerID) AND id = \(bind: s.id)
                """
            ).run()
            return s
        }
    }

    /// A session's stored progress: the client's document and a quiz's answers.
    struct StoredProgress {
        var client: String?
        var answers: [Int64: Int64] = [:]

        var serialized: String {
            var clientJSON = JSON.null
            if let client, let parsed = try? JSONDecoder().decode(JSON.self, from: Data(client.utf8)) { clientJSON = parsed }
            let answerList = answers.keys.sorted().map { JSON.object([("question_id", .int($0)), ("answer_index", .int(answers[$0]!))]) }
            return JSON.object([("data", clientJSON), ("answers", .array(answerList))]).serializedString()
        }
    }

    static func storedProgress(_ text: String?) -> StoredProgress {
        guard let text, let json = try? JSONDecoder().decode(JSON.self, from: Data(text.utf8)) else { return StoredProgress() }
        var p = StoredProgress()
        if let data = json["data"], !data.isNull { p.client = data.serializedString() }
        if case let .array(items)? = json["answers"] {
            for item in items {
                if case let .int(q)? = item["question_id"], case let .int(a)? = item["answer_index"] { p.answers[q] = a }
            }
        }
        return p
    }

    public func claim(partnerID: Int64, customerID: Int64, key: String) async throws -> SessionClaim {
        let lock = forUpdate
        let programs = programs
        return try await database.write { db in
            let now = clock.nowMillis()
            var s = try await Self.claimOnce(db, partnerID: partnerID, customerID: customerID, key: key, now: now)
            guard let game = try await Self.loadAny(db, partnerID: partnerID, id: s.gameID) else { throw GameError.gameNotFound }
            // The member's card, its template and the programme: only when something is paid
            // or counted (most chance plays win nothing and need none of it).
            var held: (card: LoyaltyCard, template: CardTemplate, program: ProgramConfig)?
            func member() async throws -> (card: LoyaltyCard, template: CardTemplate, program: ProgramConfig) {
                if let held { return held }
                let card = try await SQLLedgerRepository.lockCards(db, partnerID: partnerID, ids: [s.cardID], forUpdate: lock, now: now)[s.cardID]
                    .required("the session's card")
                let (template, program) = try await GamePrizes.context(db, card: card, programs: programs)
                held = (card, template, program)
                return (card, template, program)
            }
            func budgetTaken(_ p: Prize) async throws -> Bool {
                let program = try await member().program
                return try await GamePrizes.takeBudget(db, game: game, prize: p, moment: LocalMoment(epochMillis: now, timeZone: program.timeZone))
            }
            var events: [(type: String, data: JSON)] = []
            var prize: Prize?
            var reference = "g\(game.id)-session-\(s.key)"
            var item: CollectionItem?
            var budgetExhausted = false
            switch game.type {
            case .wheel, .scratch, .slot:
                // Paid as committed: the budget was taken when the session started.
                prize = s.prizePosition.flatMap { p in game.prizes.first { $0.position == p } }
            case .collection:
                let drawn = Self.revealed(s.outcome, prefix: "item:")
                if let drawn, let found = game.settings.items.first(where: { $0.key == drawn }) {
                    item = found
                    _ = try await member()  // the card lock orders this member's claims
                    let round = try await Self.collectionRound(db, partnerID: partnerID, gameID: game.id, customerID: customerID)
                    let items = try await Self.addItem(db, game: game, customerID: customerID, round: round, key: found.key, now: now)
                    if CollectionItem.isComplete(game.settings.items, held: items) {
                        try await Self.closeCollectionRound(db, game: game, customerID: customerID, round: round, now: now)
                        events.append(
                            (
                                EventType.gameCompleted,
                                GameFacts.completion(game: game, customerID: customerID, cardID: s.cardID, round: round, shopID: nil)
                            )
                        )
                        prize = game.completionPrize
                        reference = "g\(game.id)-collection-\(customerID)-\(round)"
                    }
                }
                if let p = prize, !(try await budgetTaken(p)) {
                    prize = nil
                    budgetExhausted = true
                }
            default:
                if let p = (try? PrizeTable(game.prizes, chance: false))?.prize(forScore: s.score ?? 0) {
                    if try await budgetTaken(p) {
                        prize = p
                    } else {
                        budgetExhausted = true
                    }
                }
            }
            var granted: GrantedPrize?
            if let prize, prize.kind != .nothing {
                let m = try await member()
                granted = try await GamePrizes.grant(
                    db,
                    game: game,
                    prize: prize,
                    card: m.card,
                    customerID: customerID,
                    template: m.template,
                    program: m.program,
                    reference: reference,
                    shopID: nil,
                    now: now,
                    events: &events
                )
            }
            if let granted {
                s.pointsEarned = granted.points
                s.couponID = granted.coupon?.id
                try await db.raw(
                    """
                    UPDATE game_sessions SET points_earned = \(bind: s.pointsEarned), coupon_id = \(bind: s.couponID)
                    WHERE partner_id = \(bind: partnerID) AND id = \(bind: s.id)
                    """
                ).run()
            }
            events.insert((EventType.gameCompleted, GameFacts.session(s, game: game, reveal: true)), at: 0)
            try await Outbox.append(db, partnerID: partnerID, events: events, now: now)
            return SessionClaim(session: s, game: game, granted: granted, item: item, budgetExhausted: budgetExhausted)
        }
    }

    /// Marks the member's open session claimed, once: one conditional UPDATE, so of
    /// racing claims exactly one matches. When none does, says why (unknown, already
    /// claimed, expired).
    static func claimOnce(_ db: any SQLDatabase, partnerID: Int64, customerID: Int64, key: String, now: Int64) async throws -> GameSession {
        if let row = try await db.raw(
            """
            UPDATE game_sessions SET claimed_at = \(bind: now), completed_at = \(bind: now)
            WHERE session_key = \(bind: key) AND partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID)
              AND claimed_at IS NULL AND expires_at > \(bind: now)
            RETURNING \(unsafeRaw: GameRows.sessionColumns)
            """
        ).first() {
            return try GameRows.session(row)
        }
        _ = try await openSession(db, partnerID: partnerID, customerID: customerID, key: key, now: now, forUpdate: "")
        // Open a moment ago but not now: another claim won in between.
        throw GameError.rewardAlreadyClaimed
    }

    /// A game by id even when withdrawn (a started session is still claimed).
    static func loadAny(_ db: any SQLDatabase, partnerID: Int64, id: Int64) async throws -> Game? {
        try await db.raw("SELECT \(unsafeRaw: GameRows.columns) FROM games WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)")
            .first().map(GameRows.game)
    }

    /// The part of a committed outcome after `prefix` (`g1:<key>:item:cup` → `cup`).
    static func revealed(_ outcome: String, prefix: String) -> String? {
        guard let range = outcome.range(of: ":" + prefix) else { return nil }
        return String(outcome[range.upperBound...])
    }

    public func sessions(partnerID: Int64, customerID: Int64, filter: SessionFilter, page: PageRequest) async throws -> Page<GameSession> {
        let now = clock.nowMillis()
        var condition: SQLQueryString = "partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID)"
        if let v = filter.gameID { condition += " AND game_id = \(bind: v)" }
        switch filter.status {
        case .completed?: condition += " AND claimed_at IS NOT NULL"
        case .active?: condition += " AND claimed_at IS NULL AND expires_at > \(bind: now)"
        case .expired?: condition += " AND claimed_at IS NULL AND expires_at <= \(bind: now)"
        case .cancelled?: condition += " AND 1 = 0"
        case nil: break
        }
        if let v = filter.from { condition += " AND started_at >= \(bind: v)" }
        if let v = filter.until { condition += " AND started_at < \(bind: v)" }
        let finalCondition = condition
        return try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM game_sessions WHERE \(finalCondition)").first())
            let items = try await db.raw(
                """
                SELECT \(unsafeRaw: GameRows.sessionColumns) FROM game_sessions WHERE \(finalCondition)
                ORDER BY id DESC LIMIT \(literal: page.perPage) OFFSET \(literal: page.offset)
                """
            ).all().map(GameRows.session)
            return Page(items: items, request: page, total: total)
        }
    }

    public func plays(partnerID: Int64, customerID: Int64, gameIDs: [Int64]) async throws -> [Int64: PlayCount] {
        let now = clock.nowMillis()
        let programs = programs
        return try await database.read { db in
            let program = try await programs.current(db, partnerID: partnerID)
            let dayStart = LocalMoment(epochMillis: now, timeZone: program.timeZone).periodStart(.day)
            return try await Self.playCounts(db, partnerID: partnerID, customerID: customerID, gameIDs: gameIDs, dayStart: dayStart)
        }
    }

    static func playCounts(
        _ db: any SQLDatabase,
        partnerID: Int64,
        customerID: Int64,
        gameIDs: [Int64],
        dayStart: Int64
    ) async throws -> [Int64: PlayCount] {
        guard !gameIDs.isEmpty else { return [:] }
        let list = gameIDs.map(String.init).joined(separator: ", ")
        var out: [Int64: PlayCount] = [:]
        for r in try await db.raw(
            """
            SELECT game_id, COUNT(*) AS total, COALESCE(SUM(CASE WHEN started_at >= \(bind: dayStart) THEN 1 ELSE 0 END), 0) AS today
            FROM game_sessions WHERE partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID) AND game_id IN (\(unsafeRaw: list))
            GROUP BY game_id
            """
        ).all() {
            out[try r.decode(column: "game_id", as: Int64.self)] = PlayCount(
                today: try r.decode(column: "today", as: Int64.self),
                total: try r.decode(column: "total", as: Int64.self)
            )
        }
        return out
    }

    // MARK: - Collections

    public func collection(partnerID: Int64, gameID: Int64, customerID: Int64) async throws -> [String: Int64] {
        try await database.read { db in
            let round = try await Self.collectionRound(db, partnerID: partnerID, gameID: gameID, customerID: customerID)
            return try await Self.items(db, partnerID: partnerID, gameID: gameID, customerID: customerID, round: round)
        }
    }

    /// The member's open round: one past the last completed (marked by a `#complete` row).
    static func collectionRound(_ db: any SQLDatabase, partnerID: Int64, gameID: Int64, customerID: Int64) async throws -> Int64 {
        let r = try await db.raw(
            """
            SELECT COALESCE(MAX(round), 0) AS n FROM member_items WHERE partner_id = \(bind: partnerID) AND game_id = \(bind: gameID)
              AND customer_id = \(bind: customerID) AND item_key = '#complete'
            """
        ).first()
        return (try r?.decode(column: "n", as: Int64.self) ?? 0) + 1
    }

    static func items(_ db: any SQLDatabase, partnerID: Int64, gameID: Int64, customerID: Int64, round: Int64) async throws -> [String: Int64] {
        var held: [String: Int64] = [:]
        for r in try await db.raw(
            """
            SELECT item_key, quantity FROM member_items WHERE partner_id = \(bind: partnerID) AND game_id = \(bind: gameID)
              AND customer_id = \(bind: customerID) AND round = \(bind: round)
            """
        ).all() {
            held[try r.decode(column: "item_key", as: String.self)] = try r.decode(column: "quantity", as: Int64.self)
        }
        return held
    }

    /// Adds one of `key` to the member's round and returns what they hold after it.
    static func addItem(_ db: any SQLDatabase, game: Game, customerID: Int64, round: Int64, key: String, now: Int64) async throws -> [String: Int64] {
        try await db.raw(
            """
            INSERT INTO member_items (partner_id, game_id, customer_id, round, item_key, quantity, updated_at)
            VALUES (\(bind: game.partnerID), \(bind: game.id), \(bind: customerID), \(bind: round), \(bind: key), 1, \(bind: now))
            ON CONFLICT (partner_id, game_id, customer_id, round, item_key) DO UPDATE SET quantity = member_items.quantity + 1,
              updated_at = excluded.updated_at
            """
        ).run()
        return try await items(db, partnerID: game.partnerID, gameID: game.id, customerID: customerID, round: round)
    }

    static func closeCollectionRound(_ db: any SQLDatabase, game: Game, customerID: Int64, round: Int64, now: Int64) async throws {
        try await db.raw(
            """
            INSERT INTO member_items (partner_id, game_id, customer_id, round, item_key, quantity, updated_at)
            VALUES (\(bind: game.partnerID), \(bind: game.id), \(bind: customerID), \(bind: round), '#complete', 1, \(bind: now))
            """
        ).run()
    }
}
