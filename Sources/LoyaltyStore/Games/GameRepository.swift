import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Games: the partner's management (P11-P20), stamp cards (S34-S39), member sessions
/// (J30-J34) and the games that purchases drive.
///
/// Concurrency contract (both databases): every write that touches a member's progress
/// or points locks the member's loyalty card first, so one card's stamps, plays and
/// claims are serialised (limits and completions are decided once); a game's budget is
/// taken with one conditional UPDATE on its period row, so racing plays never give away
/// more than it allows; every prize is recorded under a business key
/// (`game_reward:<reference>`), so it is granted exactly once.
public protocol GameRepository: Sendable {
    /// Stores a new game (id and times are assigned).
    func create(_ game: Game) async throws -> Game
    /// Rewrites a game's configuration.
    func update(_ game: Game) async throws -> Game
    /// Withdraws a game; progress, sessions and issued coupons stay. False when none.
    func delete(partnerID: Int64, id: Int64) async throws -> Bool
    func game(partnerID: Int64, id: Int64) async throws -> Game?
    func games(partnerID: Int64, filter: GameFilter, page: PageRequest) async throws -> Page<Game>
    /// Players, open and completed sessions of each game.
    func activity(partnerID: Int64, gameIDs: [Int64]) async throws -> [Int64: GameActivity]
    /// Plays, completions, prizes and budget use since the start of `period`.
    func statistics(partnerID: Int64, gameID: Int64, period: Activity.Period) async throws -> GameStatistics
    func setStampImage(partnerID: Int64, gameID: Int64, contentType: String, bytes: [UInt8]) async throws -> StampImage
    func stampImage(partnerID: Int64, gameID: Int64) async throws -> (StampImage, [UInt8])?

    /// S35: adds stamps to a card; a card reaching the threshold completes and is rewarded.
    func addStamps(_ command: StampCommand) async throws -> StampOutcome
    /// S36: completes the card's current round now (the reward is granted).
    func forceComplete(partnerID: Int64, gameID: Int64, cardID: Int64, shopID: Int64?) async throws -> StampOutcome
    /// S37: starts a new round at zero; rewards already issued stay valid.
    func restart(partnerID: Int64, gameID: Int64, cardID: Int64, shopID: Int64?) async throws -> StampProgress
    /// S34: the card's progress in one stamp game (throws when card or game is unknown).
    func progress(partnerID: Int64, gameID: Int64, cardID: Int64) async throws -> StampProgress
    /// The card's progress in every stamp game it has touched, by game id.
    func cardProgress(partnerID: Int64, cardID: Int64) async throws -> [Int64: StampProgress]

    /// J30: starts a session; the outcome is decided and committed now, the cost paid.
    func start(partnerID: Int64, gameID: Int64, customerID: Int64) async throws -> SessionStart
    func session(partnerID: Int64, customerID: Int64, key: String) async throws -> GameSession?
    /// J32: records progress (a quiz scores its answers here, first answer wins).
    func report(partnerID: Int64, customerID: Int64, key: String, report: SessionReport) async throws -> GameSession
    /// J33: claims the session's prize, once; reveals the outcome and salt.
    func claim(partnerID: Int64, customerID: Int64, key: String) async throws -> SessionClaim
    func sessions(partnerID: Int64, customerID: Int64, filter: SessionFilter, page: PageRequest) async throws -> Page<GameSession>
    /// Sessions the member started today (in the programme's time zone) and ever, per game.
    func plays(partnerID: Int64, customerID: Int64, gameIDs: [Int64]) async throws -> [Int64: PlayCount]
    /// The member's items in the current round of a collection.
    func collection(partnerID: Int64, gameID: Int64, customerID: Int64) async throws -> [String: Int64]
    /// The member's latest window of a challenge, if any purchase counted yet.
    func challenge(partnerID: Int64, gameID: Int64, customerID: Int64) async throws -> ChallengeProgress?
}

public struct GameFilter: Sendable {
    public var type: GameType?
    public var isActive: Bool?
    public var isFeatured: Bool?
    public var category: String?
    public var search: String?
    /// Only games that run at this shop.
    public var shopID: Int64?
    /// Running now (active, in its window).
    public var playableAt: Int64?

    public init(
        type: GameType? = nil,
        isActive: Bool? = nil,
        isFeatured: Bool? = nil,
        category: String? = nil,
        search: String? = nil,
        shopID: Int64? = nil,
        playableAt: Int64? = nil
    ) {
        self.type = type
        self.isActive = isActive
        self.isFeatured = isFeatured
        self.category = category
        self.search = search
        self.shopID = shopID
        self.playableAt = playableAt
    }
}

public struct GameActivity: Sendable, Equatable {
    public var players: Int64 = 0
    public var activeSessions: Int64 = 0
    public var completedSessions: Int64 = 0

    public init(players: Int64 = 0, activeSessions: Int64 = 0, completedSessions: Int64 = 0) {
        self.players = players
        self.activeSessions = activeSessions
        self.completedSessions = completedSessions
    }
}

public struct GameStatistics: Sendable {
    public var since: Int64
    public var plays: Int64
    public var players: Int64
    public var completions: Int64
    public var stampsAdded: Int64
    public var pointsSpent: Int64
    public var pointsGiven: Int64
    public var couponsIssued: Int64
    public var budgetPeriodStart: Int64?
    public var budgetPointsUsed: Int64
    public var budgetCouponsUsed: Int64
}

public struct StampImage: Sendable {
    public var contentType: String
    public var bytes: Int64
    public var sha256: String
    public var createdAt: Int64
}

public struct PlayCount: Sendable, Equatable {
    public var today: Int64
    public var total: Int64

    public init(today: Int64, total: Int64) {
        self.today = today
        self.total = total
    }
}

public struct StampCommand: Sendable {
    public var partnerID: Int64
    public var gameID: Int64
    public var cardID: Int64
    public var shopID: Int64?
    public var count: Int64

    public init(partnerID: Int64, gameID: Int64, cardID: Int64, shopID: Int64?, count: Int64) {
        self.partnerID = partnerID
        self.gameID = gameID
        self.cardID = cardID
        self.shopID = shopID
        self.count = count
    }
}

/// One line of a stamp card's history.
public struct StampEvent: Sendable, Equatable {
    public var at: Int64
    /// `stamp_added`, `game_completed` or `restarted`.
    public var action: String
    public var value: Int64
    public var round: Int64
    public var shopID: Int64?
    public var couponID: Int64?
    public var transactionID: Int64?
}

public struct StampProgress: Sendable, Equatable {
    public var gameID: Int64
    public var cardID: Int64
    public var round: Int64
    public var step: Int64
    /// Completed and waiting for a restart (a card that does not restart by itself).
    public var waiting: Bool
    public var completedAt: Int64?
    public var completions: Int64
    public var history: [StampEvent]

    public static func fresh(gameID: Int64, cardID: Int64) -> StampProgress {
        StampProgress(gameID: gameID, cardID: cardID, round: 1, step: 0, waiting: false, completedAt: nil, completions: 0, history: [])
    }
}

/// A prize as granted: the points credited or the coupon issued.
public struct GrantedPrize: Sendable {
    public var prize: Prize
    public var points: Int64
    public var coupon: Coupon?
    public var offer: Offer?
    public var transactionID: Int64?
}

public struct StampOutcome: Sendable {
    public var progress: StampProgress
    public var stampsRequired: Int64
    public var added: Int64
    /// The card was completed and waiting before this call: nothing changed.
    public var wasAlreadyCompleted: Bool
    public var rewards: [GrantedPrize]
    /// Rounds this call completed.
    public var completedRounds: Int = 0
    /// The game as the write read it.
    public var game: Game? = nil
}

public struct SessionStart: Sendable {
    public var session: GameSession
    public var game: Game
    public var balance: Int64
    /// The member's plays of this game today and ever, this one included.
    public var plays: PlayCount
}

public struct SessionReport: Sendable {
    public var score: Int64?
    public var level: Int64?
    /// The client's progress document, stored as sent (JSON text).
    public var progressData: String?
    /// Quiz answers: question number (1-based) → chosen index.
    public var answers: [(question: Int64, choice: Int64)]

    public init(score: Int64?, level: Int64?, progressData: String?, answers: [(question: Int64, choice: Int64)]) {
        self.score = score
        self.level = level
        self.progressData = progressData
        self.answers = answers
    }
}

public struct SessionClaim: Sendable {
    public var session: GameSession
    public var game: Game
    public var granted: GrantedPrize?
    /// A collection's item won by this session.
    public var item: CollectionItem?
    /// The prize was drawn but the game's budget for the period was spent.
    public var budgetExhausted: Bool
}

public struct SessionFilter: Sendable {
    public var gameID: Int64?
    public var status: GameSession.Status?
    public var from: Int64?
    public var until: Int64?

    public init(gameID: Int64? = nil, status: GameSession.Status? = nil, from: Int64? = nil, until: Int64? = nil) {
        self.gameID = gameID
        self.status = status
        self.from = from
        self.until = until
    }
}

public struct SQLGameRepository: GameRepository {
    let database: any DatabaseClient
    let clock: any WallClock
    let programs: ProgramCache
    let readAhead: MemberReadAhead

    public init(database: any DatabaseClient, programs: ProgramCache = ProgramCache(), clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.programs = programs
        self.clock = clock
        self.readAhead = MemberReadAhead(database: database)
    }

    var forUpdate: String { database.features.forUpdate }

    // MARK: - Management

    public func create(_ g: Game) async throws -> Game {
        try await database.write { db in
            let now = clock.nowMillis()
            try await Self.checkPrizeOffers(db, g)
            let row = try await db.raw(
                """
                INSERT INTO games (partner_id, game_type, name_lt, name_en, description_lt, description_en, reward_description_lt,
                  reward_description_en, image_url, category, is_active, is_featured, starts_at, ends_at, shop_ids, product_ids, points_cost,
                  daily_limit, total_limit, session_ttl_seconds, allow_multiple_active_coupons, coupon_validity_days, budget_period,
                  budget_points, budget_coupons, prizes, settings, created_at, updated_at)
                VALUES (\(bind: g.partnerID), \(bind: g.type.shopName), \(bind: g.name.lt), \(bind: g.name.en), \(bind: g.description.lt),
                  \(bind: g.description.en), \(bind: g.rewardDescription.lt), \(bind: g.rewardDescription.en), \(bind: g.imageURL),
                  \(bind: g.category), \(bind: g.isActive), \(bind: g.isFeatured), \(bind: g.startsAt), \(bind: g.endsAt),
                  \(bind: OfferRows.json(g.shopIDs)), \(bind: OfferRows.json(g.productIDs)), \(bind: g.pointsCost), \(bind: g.dailyLimit),
                  \(bind: g.totalLimit), \(bind: g.sessionTTLSeconds), \(bind: g.allowMultipleActiveCoupons), \(bind: g.couponValidityDays),
                  \(bind: g.budget?.period.rawValue), \(bind: g.budget?.points), \(bind: g.budget?.coupons), \(bind: GameRows.prizesJSON(g.prizes)),
                  \(bind: GameRows.settingsJSON(g.settings)), \(bind: now), \(bind: now))
                RETURNING \(unsafeRaw: GameRows.columns)
                """
            ).first()
            // Purchases read the partner's purchase-driven games by this version.
            try await SQLOfferRepository.bumpVersion(db, partnerID: g.partnerID)
            return try GameRows.game(try row.required("the inserted game"))
        }
    }

    public func update(_ g: Game) async throws -> Game {
        try await database.write { db in
            let now = clock.nowMillis()
            try await Self.checkPrizeOffers(db, g)
            let row = try await db.raw(
                """
                UPDATE games SET game_type = \(bind: g.type.shopName), name_lt = \(bind: g.name.lt), name_en = \(bind: g.name.en),
                  description_lt = \(bind: g.description.lt), description_en = \(bind: g.description.en),
                  reward_description_lt = \(bind: g.rewardDescription.lt), reward_description_en = \(bind: g.rewardDescription.en),
                  image_url = \(bind: g.imageURL), category = \(bind: g.category), is_active = \(bind: g.isActive),
                  is_featured = \(bind: g.isFeatured), starts_at = \(bind: g.startsAt), ends_at = \(bind: g.endsAt),
                  shop_ids = \(bind: OfferRows.json(g.shopIDs)), product_ids = \(bind: OfferRows.json(g.productIDs)),
                  points_cost = \(bind: g.pointsCost), daily_limit = \(bind: g.dailyLimit), total_limit = \(bind: g.totalLimit),
                  session_ttl_seconds = \(bind: g.sessionTTLSeconds), allow_multiple_active_coupons = \(bind: g.allowMultipleActiveCoupons),
                  coupon_validity_days = \(bind: g.couponValidityDays), budget_period = \(bind: g.budget?.period.rawValue),
                  budget_points = \(bind: g.budget?.points), budget_coupons = \(bind: g.budget?.coupons),
                  prizes = \(bind: GameRows.prizesJSON(g.prizes)), settings = \(bind: GameRows.settingsJSON(g.settings)), updated_at = \(bind: now)
                WHERE partner_id = \(bind: g.partnerID) AND id = \(bind: g.id) AND deleted_at IS NULL
                RETURNING \(unsafeRaw: GameRows.columns)
                """
            ).first()
            guard let row else { throw GameError.gameNotFound }
            try await SQLOfferRepository.bumpVersion(db, partnerID: g.partnerID)
            return try GameRows.game(row)
        }
    }

    /// Coupon prizes must name one of the partner's own offers.
    static func checkPrizeOffers(_ db: any SQLDatabase, _ g: Game) async throws {
        for p in g.prizes {
            guard case let .coupon(offerID) = p.kind else { continue }
            let found = try await db.raw(
                "SELECT id FROM offers WHERE partner_id = \(bind: g.partnerID) AND id = \(bind: offerID) AND deleted_at IS NULL"
            ).first()
            if found == nil { throw GameError.prizeOfferNotFound(position: p.position) }
        }
    }

    public func delete(partnerID: Int64, id: Int64) async throws -> Bool {
        try await database.write { db in
            let now = clock.nowMillis()
            let row = try await db.raw(
                """
                UPDATE games SET deleted_at = \(bind: now), is_active = \(bind: false), updated_at = \(bind: now)
                WHERE partner_id = \(bind: partnerID) AND id = \(bind: id) AND deleted_at IS NULL RETURNING id
                """
            ).first()
            if row != nil { try await SQLOfferRepository.bumpVersion(db, partnerID: partnerID) }
            return row != nil
        }
    }

    public func game(partnerID: Int64, id: Int64) async throws -> Game? {
        try await database.read { db in try await Self.load(db, partnerID: partnerID, id: id) }
    }

    static func load(_ db: any SQLDatabase, partnerID: Int64, id: Int64) async throws -> Game? {
        try await db.raw(
            "SELECT \(unsafeRaw: GameRows.columns) FROM games WHERE partner_id = \(bind: partnerID) AND id = \(bind: id) AND deleted_at IS NULL"
        ).first().map(GameRows.game)
    }

    public func games(partnerID: Int64, filter: GameFilter, page: PageRequest) async throws -> Page<Game> {
        var condition: SQLQueryString = "partner_id = \(bind: partnerID) AND deleted_at IS NULL"
        if let t = filter.type { condition += " AND game_type = \(bind: t.shopName)" }
        if let v = filter.isActive { condition += " AND is_active = \(bind: v)" }
        if let v = filter.isFeatured { condition += " AND is_featured = \(bind: v)" }
        if let v = filter.category { condition += " AND category = \(bind: v)" }
        if let s = filter.search?.lowercased(), !s.isEmpty {
            let like = "%" + s.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            condition += " AND (LOWER(COALESCE(name_lt, '')) LIKE \(bind: like) OR LOWER(COALESCE(name_en, '')) LIKE \(bind: like))"
        }
        if let v = filter.shopID { condition += " AND " + OfferRows.runsAtShop("shop_ids", v) }
        if let now = filter.playableAt {
            condition +=
                " AND is_active = \(bind: true) AND (starts_at IS NULL OR starts_at <= \(bind: now)) AND (ends_at IS NULL OR ends_at > \(bind: now))"
        }
        let finalCondition = condition
        return try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM games WHERE \(finalCondition)").first())
            let items = try await db.raw(
                """
                SELECT \(unsafeRaw: GameRows.columns) FROM games WHERE \(finalCondition)
                ORDER BY is_featured DESC, id DESC LIMIT \(literal: page.perPage) OFFSET \(literal: page.offset)
                """
            ).all().map(GameRows.game)
            return Page(items: items, request: page, total: total)
        }
    }

    public func activity(partnerID: Int64, gameIDs: [Int64]) async throws -> [Int64: GameActivity] {
        guard !gameIDs.isEmpty else { return [:] }
        let list = gameIDs.map(String.init).joined(separator: ", ")
        let now = clock.nowMillis()
        return try await database.read { db in
            var out: [Int64: GameActivity] = [:]
            for r in try await db.raw(
                """
                SELECT game_id, COUNT(DISTINCT customer_id) AS players,
                  COALESCE(SUM(CASE WHEN claimed_at IS NULL AND expires_at > \(bind: now) THEN 1 ELSE 0 END), 0) AS open,
                  COALESCE(SUM(CASE WHEN claimed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS done
                FROM game_sessions WHERE partner_id = \(bind: partnerID) AND game_id IN (\(unsafeRaw: list)) GROUP BY game_id
                """
            ).all() {
                let id = try r.decode(column: "game_id", as: Int64.self)
                out[id] = GameActivity(
                    players: try r.decode(column: "players", as: Int64.self),
                    activeSessions: try r.decode(column: "open", as: Int64.self),
                    completedSessions: try r.decode(column: "done", as: Int64.self)
                )
            }
            for r in try await db.raw(
                """
                SELECT game_id, COUNT(DISTINCT customer_id) AS players FROM stamp_cards
                WHERE partner_id = \(bind: partnerID) AND game_id IN (\(unsafeRaw: list)) GROUP BY game_id
                """
            ).all() {
                let id = try r.decode(column: "game_id", as: Int64.self)
                out[id, default: GameActivity()].players += try r.decode(column: "players", as: Int64.self)
            }
            return out
        }
    }

    public func statistics(partnerID: Int64, gameID: Int64, period: Activity.Period) async throws -> GameStatistics {
        let now = clock.nowMillis()
        let programs = programs
        return try await database.read { db in
            guard let game = try await Self.load(db, partnerID: partnerID, id: gameID) else { throw GameError.gameNotFound }
            let program = try await programs.current(db, partnerID: partnerID)
            let moment = LocalMoment(epochMillis: now, timeZone: program.timeZone)
            let since = moment.periodStart(period)
            let s = try await db.raw(
                """
                SELECT COUNT(*) AS plays, COUNT(DISTINCT customer_id) AS players,
                  COALESCE(SUM(CASE WHEN claimed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS done,
                  CAST(COALESCE(SUM(points_cost), 0) AS BIGINT) AS spent
                FROM game_sessions WHERE partner_id = \(bind: partnerID) AND game_id = \(bind: gameID) AND started_at >= \(bind: since)
                """
            ).first().required("a statistics row")
            let st = try await db.raw(
                """
                SELECT CAST(COALESCE(SUM(CASE WHEN action = 'stamp_added' THEN value ELSE 0 END), 0) AS BIGINT) AS stamps,
                  COALESCE(SUM(CASE WHEN action = 'game_completed' THEN 1 ELSE 0 END), 0) AS done
                FROM stamp_events WHERE partner_id = \(bind: partnerID) AND game_id = \(bind: gameID) AND created_at >= \(bind: since)
                """
            ).first().required("a statistics row")
            // Every prize is a game_reward transaction referring to the game.
            let prizes = try await db.raw(
                """
                SELECT CAST(COALESCE(SUM(points_awarded), 0) AS BIGINT) AS points, COUNT(*) AS n FROM transactions
                WHERE partner_id = \(bind: partnerID) AND type = 'game_reward' AND order_id LIKE \(bind: "g\(gameID)-%")
                  AND created_at >= \(bind: since)
                """
            ).first().required("a statistics row")
            let coupons = try await db.raw(
                """
                SELECT COUNT(*) AS n FROM coupons WHERE partner_id = \(bind: partnerID) AND game_id = \(bind: gameID) AND created_at >= \(bind: since)
                """
            ).first()
            var budgetStart: Int64?
            var bp: Int64 = 0
            var bc: Int64 = 0
            if let b = game.budget {
                let start = moment.periodStart(b.period)
                budgetStart = start
                if let row = try await db.raw(
                    """
                    SELECT points_used, coupons_used FROM game_budgets WHERE partner_id = \(bind: partnerID) AND game_id = \(bind: gameID)
                      AND period_start = \(bind: start)
                    """
                ).first() {
                    bp = try row.decode(column: "points_used", as: Int64.self)
                    bc = try row.decode(column: "coupons_used", as: Int64.self)
                }
            }
            return GameStatistics(
                since: since,
                plays: try s.decode(column: "plays", as: Int64.self),
                players: try s.decode(column: "players", as: Int64.self),
                completions: try s.decode(column: "done", as: Int64.self) + (try st.decode(column: "done", as: Int64.self)),
                stampsAdded: try st.decode(column: "stamps", as: Int64.self),
                pointsSpent: try s.decode(column: "spent", as: Int64.self),
                pointsGiven: try prizes.decode(column: "points", as: Int64.self),
                couponsIssued: Int64(try Rows.count(coupons)),
                budgetPeriodStart: budgetStart,
                budgetPointsUsed: bp,
                budgetCouponsUsed: bc
            )
        }
    }

    public func challenge(partnerID: Int64, gameID: Int64, customerID: Int64) async throws -> ChallengeProgress? {
        try await database.read { db in
            try await GamePurchases.challengeProgress(db, partnerID: partnerID, gameID: gameID, customerID: customerID)
        }
    }

    public func setStampImage(partnerID: Int64, gameID: Int64, contentType: String, bytes: [UInt8]) async throws -> StampImage {
        let now = clock.nowMillis()
        let image = StampImage(contentType: contentType, bytes: Int64(bytes.count), sha256: GameCommitment.sha256Hex(bytes), createdAt: now)
        let encoded = Data(bytes).base64EncodedString()
        return try await database.write { db in
            guard
                try await db.raw(
                    """
                    UPDATE games SET stamp_image_type = \(bind: contentType), updated_at = \(bind: now)
                    WHERE partner_id = \(bind: partnerID) AND id = \(bind: gameID) AND deleted_at IS NULL RETURNING id
                    """
                ).first() != nil
            else { throw GameError.gameNotFound }
            try await db.raw("DELETE FROM game_images WHERE partner_id = \(bind: partnerID) AND game_id = \(bind: gameID)").run()
            try await db.raw(
                """
                INSERT INTO game_images (partner_id, game_id, content_type, data, bytes, sha256, created_at)
                VALUES (\(bind: partnerID), \(bind: gameID), \(bind: contentType), \(bind: encoded), \(bind: image.bytes), \(bind: image.sha256), \(bind: now))
                """
            ).run()
            return image
        }
    }

    public func stampImage(partnerID: Int64, gameID: Int64) async throws -> (StampImage, [UInt8])? {
        try await database.read { db in
            guard
                let r = try await db.raw(
                    """
                    SELECT i.content_type, i.data, i.bytes, i.sha256, i.created_at FROM game_images i
                    JOIN games g ON g.partner_id = i.partner_id AND g.id = i.game_id AND g.deleted_at IS NULL
                    WHERE i.partner_id = \(bind: partnerID) AND i.game_id = \(bind: gameID)
                    """
                ).first()
            else { return nil }
            let image = StampImage(
                contentType: try r.decode(column: "content_type", as: String.self),
                bytes: try r.decode(column: "bytes", as: Int64.self),
                sha256: try r.decode(column: "sha256", as: String.self),
                createdAt: try r.decode(column: "created_at", as: Int64.self)
            )
            let data = Data(base64Encoded: try r.decode(column: "data", as: String.self)) ?? Data()
            return (image, [UInt8](data))
        }
    }
}
