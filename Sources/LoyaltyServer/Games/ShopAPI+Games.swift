import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Games at the shop (S32-S39): the game list and one game (also a member's view with a
/// customer token), a card's stamp progress, adding stamps, completing and restarting
/// a card, and a card's games and their history.
extension ShopAPI {
    func registerGames(credentials routes: APIRoutes, either: APIRoutes) {
        either.get("games", listGames)
        either.get("games/:id", getGame)
        routes.get("games/:id/progress", gameProgress)
        routes.post("games/:id/add-stamps", addStamps)
        routes.post("games/:id/complete", completeGame)
        routes.post("games/:id/restart", restartGame)
        routes.get("cards/:id/games", cardGames)
        routes.get("cards/:id/games/history", cardGameHistory)
    }

    func gameID(_ call: APICall) throws -> Int64 {
        guard let id = call.parameters["id"].flatMap(Int64.init), id > 0 else { throw GameError.gameNotFound }
        return id
    }

    func loadGame(_ call: APICall) async throws -> Game {
        guard let g = try await services.games.game(partnerID: call.partnerID, id: try gameID(call)) else { throw GameError.gameNotFound }
        return g
    }

    /// Where a game's uploaded stamp image is served (partner credentials).
    func stampImageURL(_ g: Game, call: APICall) -> String? {
        g.stampImageType.map { _ in "/\(call.locale.rawValue)/partners/games/\(g.id)/stamp-image" }
    }

    /// The partner's card named by `card_id` (another partner's is not found).
    func gameCard(_ id: Int64, call: APICall) async throws -> LoyaltyCard {
        guard let card = try await customers.card(partnerID: call.partnerID, id: id) else { throw LoyaltyError.cardNotFound }
        return card
    }

    /// The game a stamp write read (it always sets it; the read is a fallback).
    func gameOf(_ outcome: StampOutcome, _ call: APICall) async throws -> Game {
        if let g = outcome.game { return g }
        return try await loadGame(call)
    }

    /// Why `customerID` cannot start `g` now (`play_restriction`), or nil.
    func restriction(_ g: Game, plays: PlayCount?, now: Int64) -> String? {
        guard g.isSessionGame else { return ErrorMapping.playReason(.notSessionGame) }
        let p = plays ?? PlayCount(today: 0, total: 0)
        return g.limits.refusal(at: now, playsToday: p.today, playsTotal: p.total).map(ErrorMapping.playReason)
    }

    /// S32; with a customer token, the member's list (J-form, `data{data, meta}`).
    @Sendable func listGames(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        var filter = GameFilter()
        if let t = f.string("type", maxLength: 40) ?? f.string("game_type", maxLength: 40) {
            if let type = GameType(parsing: t) { filter.type = type } else { f.fail(f.has("type") ? "type" : "game_type", "game_invalid_type") }
        }
        filter.category = f.string("category", maxLength: 50)
        filter.isActive = f.bool("is_active")
        filter.isFeatured = f.bool("is_featured")
        filter.search = f.string("search", maxLength: 100)
        filter.shopID = f.int("shop_id", min: 1, max: Int64.max)
        let playableOnly = f.bool("playable_only") ?? false
        try f.throwIfInvalid()
        let now = services.clock.nowMillis()
        if playableOnly || call.principal.kind == .customer { filter.playableAt = now }
        let result = try await services.games.games(partnerID: call.partnerID, filter: filter, page: page)
        if call.principal.kind == .customer {
            let member = try await currentCustomer(call)
            let plays = try await services.games.plays(partnerID: call.partnerID, customerID: member.id, gameIDs: result.items.map(\.id))
            let items = result.items.map { g in
                Present.memberGame(
                    g,
                    locale: call.locale,
                    restriction: restriction(g, plays: plays[g.id], now: now),
                    imageURL: stampImageURL(g, call: call)
                )
            }
            return APIResult(messageKey: "games_listed", data: .object([("data", .array(items)), ("meta", Envelope.meta(result))]))
        }
        let p = try await tenants.partner(id: call.partnerID)
        return APIResult(
            messageKey: "games_listed",
            data: .array(result.items.map { Present.game($0, partner: p, locale: call.locale, imageURL: stampImageURL($0, call: call)) }),
            meta: Envelope.meta(result)
        )
    }

    /// S33; `card_id` adds the card's progress. With a customer token, the member's view
    /// with their recent sessions and today's plays.
    @Sendable func getGame(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let cardID = f.int("card_id", min: 1, max: Int64.max)
        try f.throwIfInvalid()
        let g = try await loadGame(call)
        let now = services.clock.nowMillis()
        if call.principal.kind == .customer {
            let member = try await currentCustomer(call)
            let plays = try await services.games.plays(partnerID: call.partnerID, customerID: member.id, gameIDs: [g.id])[g.id]
            let history = try await services.games.sessions(
                partnerID: call.partnerID,
                customerID: member.id,
                filter: SessionFilter(gameID: g.id),
                page: PageRequest(page: 1, perPage: 10)
            )
            guard
                case var .object(members) = Present.memberGame(
                    g,
                    locale: call.locale,
                    restriction: restriction(g, plays: plays, now: now),
                    imageURL: stampImageURL(g, call: call)
                )
            else { throw GameError.gameNotFound }
            members += [
                (
                    "user_history",
                    .array(
                        history.items.map {
                            .object([
                                ("id", .int($0.id)), ("status", .string($0.status(at: now).rawValue)), ("score", .optional($0.score)),
                                ("reward_claimed", .bool($0.rewardClaimed)), ("created_at", Present.time($0.startedAt)),
                            ])
                        }
                    )
                ),
                ("today_play_count", .int(plays?.today ?? 0)),
            ]
            if g.type == .stamps, let card = try await customers.primaryCard(partnerID: call.partnerID, customerID: member.id) {
                let p = try await services.games.progress(partnerID: call.partnerID, gameID: g.id, cardID: card.id)
                members.append(("user_progress", Present.stampProgress(p, game: g)))
            }
            if g.type == .challenge, let goal = g.settings.goal {
                let p = try await services.games.challenge(partnerID: call.partnerID, gameID: g.id, customerID: member.id)
                members.append(
                    (
                        "challenge_progress",
                        .object([
                            ("value", goal.metric == .spend ? .money(p?.value ?? 0) : .int(p?.value ?? 0)),
                            ("target", goal.metric == .spend ? .money(goal.target) : .int(goal.target)),
                            ("window_start", Present.time(p?.windowStart)), ("completed_at", Present.time(p?.completedAt)),
                        ])
                    )
                )
            }
            if g.type == .collection {
                let held = try await services.games.collection(partnerID: call.partnerID, gameID: g.id, customerID: member.id)
                members.append(("collected", .object(held.sorted { $0.key < $1.key }.map { ($0.key, JSON.int($0.value)) })))
            }
            return APIResult(messageKey: "game_retrieved", data: .object(members))
        }
        guard
            case var .object(members) = Present.game(g, partner: try await partner(call), locale: call.locale, imageURL: stampImageURL(g, call: call))
        else { throw GameError.gameNotFound }
        if let cardID {
            _ = try await gameCard(cardID, call: call)
            if g.type == .stamps {
                let p = try await services.games.progress(partnerID: call.partnerID, gameID: g.id, cardID: cardID)
                members.append(("user_progress", Present.stampProgress(p, game: g)))
            }
        }
        return APIResult(messageKey: "game_retrieved", data: .object(members))
    }

    /// S34.
    @Sendable func gameProgress(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let cardID = f.int("card_id", required: true, min: 1, max: Int64.max)
        try f.throwIfInvalid()
        let g = try await loadGame(call)
        let card = try await gameCard(try f.required(cardID, "card_id"), call: call)
        let p = try await services.games.progress(partnerID: call.partnerID, gameID: g.id, cardID: card.id)
        return APIResult(
            messageKey: "game_progress",
            data: .object([
                ("game", .object([("id", .int(g.id)), ("name", Present.localized(g.name)), ("game_type", .string(g.type.shopName))])),
                ("progress", Present.stampProgress(p, game: g)),
                ("stamps_required", g.type == .stamps ? .int(g.stampRules.stampsRequired) : .null),
                ("stamp_settings", g.type == .stamps ? Present.stampSettings(g, imageURL: stampImageURL(g, call: call)) : .null),
            ])
        )
    }

    /// S35: `card_id`, `shop_id`, `stamps_count` (1-100, default 1).
    @Sendable func addStamps(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let cardID = f.int("card_id", required: true, min: 1, max: Int64.max)
        let shopID = f.int("shop_id", required: true, min: 1, max: Int64.max)
        let count = f.int("stamps_count", min: 1, max: 100) ?? 1
        try f.throwIfInvalid()
        let id = try gameID(call)
        let outcome = try await services.games.addStamps(
            StampCommand(partnerID: call.partnerID, gameID: id, cardID: try f.required(cardID, "card_id"), shopID: shopID, count: count)
        )
        let g = try await gameOf(outcome, call)
        let p = outcome.progress
        let completed = outcome.completedRounds > 0
        var data: [(String, JSON)] = [
            ("current_step", .int(p.waiting ? outcome.stampsRequired : p.step)), ("stamps_required", .int(outcome.stampsRequired)),
            ("is_completed", .bool(p.waiting || completed)), ("was_already_completed", .bool(outcome.wasAlreadyCompleted)),
            ("remaining", .int(p.waiting ? 0 : outcome.stampsRequired - p.step)), ("stamps_added", .int(outcome.added)),
            ("round", .int(p.round)), ("completions", .int(p.completions)),
        ]
        if let r = outcome.rewards.last { data.append(("reward_generated", Present.reward(r, game: g, locale: call.locale))) }
        if outcome.rewards.count > 1 {
            data.append(("rewards_generated", .array(outcome.rewards.map { Present.reward($0, game: g, locale: call.locale) })))
        }
        return APIResult(messageKey: completed ? "game_completed_now" : "stamps_added", data: .object(data))
    }

    /// S36: completes the card's current round now; `card_id`, `shop_id` optional.
    @Sendable func completeGame(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let cardID = f.int("card_id", required: true, min: 1, max: Int64.max)
        let shopID = f.int("shop_id", min: 1, max: Int64.max)
        try f.throwIfInvalid()
        let id = try gameID(call)
        let outcome = try await services.games.forceComplete(
            partnerID: call.partnerID,
            gameID: id,
            cardID: try f.required(cardID, "card_id"),
            shopID: shopID
        )
        let g = try await gameOf(outcome, call)
        let r = outcome.rewards.last
        let coupon: JSON =
            r?.coupon.map {
                .object([
                    ("id", .int($0.id)), ("code", .string(CouponCode.display($0.code))), ("status", .string($0.status.rawValue)),
                    ("expires_at", Present.time($0.expiresAt)),
                ])
            } ?? .null
        return APIResult(
            messageKey: "game_completed",
            data: .object([
                ("completed", .bool(true)), ("reward", r.map { Present.reward($0, game: g, locale: call.locale) } ?? .null), ("coupon", coupon),
                ("progress", Present.stampProgress(outcome.progress, game: g)),
            ])
        )
    }

    /// S37: `card_id`, `shop_id`.
    @Sendable func restartGame(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let cardID = f.int("card_id", required: true, min: 1, max: Int64.max)
        let shopID = f.int("shop_id", required: true, min: 1, max: Int64.max)
        try f.throwIfInvalid()
        let id = try gameID(call)
        let p = try await services.games.restart(partnerID: call.partnerID, gameID: id, cardID: try f.required(cardID, "card_id"), shopID: shopID)
        return APIResult(
            messageKey: "game_restarted",
            data: .object([
                (
                    "progress",
                    .object([("current_step", .int(0)), ("completed", .bool(false)), ("completed_at", .null), ("round", .int(p.round))])
                ),
                ("message", .string(Messages.text("game_restarted", call.locale))),
            ])
        )
    }

    /// One entry of S38/S39: the game with this card's status and progress.
    func cardGame(_ g: Game, progress: StampProgress?, call: APICall) -> JSON {
        let status: String
        if let p = progress {
            status = p.waiting ? "completed" : (p.step > 0 || p.completions > 0 ? "active" : "available")
        } else {
            status = "available"
        }
        var members: [(String, JSON)] = [
            ("id", .int(g.id)), ("name", Present.localized(g.name)), ("game_type", .string(g.type.shopName)), ("type", .string(g.type.sdkName)),
            ("is_active", .bool(g.isActive)), ("status", .string(status)),
            ("stamps_required", g.type == .stamps ? .int(g.stampRules.stampsRequired) : .null),
            ("user_progress", progress.map { Present.stampProgress($0, game: g) } ?? .null),
            ("stamp_settings", g.type == .stamps ? Present.stampSettings(g, imageURL: stampImageURL(g, call: call)) : .null),
        ]
        if let last = progress?.history.last(where: { $0.action == "game_completed" }), let couponID = last.couponID {
            members.append(
                ("reward_claimed", .object([("type", .string("coupon")), ("coupon_id", .int(couponID)), ("claimed_at", Present.time(last.at))]))
            )
        } else if let last = progress?.history.last(where: { $0.action == "game_completed" }), last.transactionID != nil {
            members.append(
                (
                    "reward_claimed",
                    .object([("type", .string("points")), ("transaction_id", .optional(last.transactionID)), ("claimed_at", Present.time(last.at))])
                )
            )
        }
        return .object(members)
    }

    /// S38: the partner's running games (at `shop_id`, if named) with this card's progress.
    @Sendable func cardGames(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let shopID = f.int("shop_id", min: 1, max: Int64.max)
        try f.throwIfInvalid()
        guard let cardID = call.parameters["id"].flatMap(Int64.init) else { throw LoyaltyError.cardNotFound }
        let card = try await gameCard(cardID, call: call)
        let now = services.clock.nowMillis()
        let games = try await services.games.games(
            partnerID: call.partnerID,
            filter: GameFilter(shopID: shopID, playableAt: now),
            page: PageRequest(page: 1, perPage: 100)
        )
        let progress = try await services.games.cardProgress(partnerID: call.partnerID, cardID: card.id)
        return APIResult(messageKey: "card_games", data: .array(games.items.map { cardGame($0, progress: progress[$0.id], call: call) }))
    }

    /// S39: the games this card has played (stamp cards it touched), by `status`, paged.
    @Sendable func cardGameHistory(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let shopID = f.int("shop_id", min: 1, max: Int64.max)
        let status = f.oneOf("status", ["available", "active", "completed"])
        let page = f.page(maxPerPage: 100)
        try f.throwIfInvalid()
        guard let cardID = call.parameters["id"].flatMap(Int64.init) else { throw LoyaltyError.cardNotFound }
        let card = try await gameCard(cardID, call: call)
        let progress = try await services.games.cardProgress(partnerID: call.partnerID, cardID: card.id)
        // The partner's games in one read (a partner has few), then this card's among them.
        let games = try await services.games.games(
            partnerID: call.partnerID,
            filter: GameFilter(type: .stamps, shopID: shopID),
            page: PageRequest(page: 1, perPage: 10_000)
        ).items
        var entries: [JSON] = []
        for g in games.sorted(by: { $0.id > $1.id }) {
            guard let p = progress[g.id] else { continue }
            let entry = cardGame(g, progress: p, call: call)
            if let status, entry["status"] != .string(status) { continue }
            entries.append(entry)
        }
        let slice = Array(entries.dropFirst(page.offset).prefix(page.perPage))
        let result = Page(items: slice, request: page, total: entries.count)
        return APIResult(messageKey: "card_game_history", data: .array(slice), meta: Envelope.meta(result))
    }
}
