import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// A member's game sessions (J30-J34), with the member's own token.
extension ShopAPI {
    func registerGameSessions(customer: APIRoutes) {
        customer.post("games/:id/start-session", startSession)
        customer.get("game-sessions/history", sessionHistory)
        customer.get("game-sessions/:key", getSession)
        customer.put("game-sessions/:key/progress", reportProgress)
        customer.post("game-sessions/:key/claim-reward", claimReward)
    }

    func sessionKey(_ call: APICall) throws -> String {
        guard let key = call.parameters["key"], GameSessionKey.isWellFormed(key) else { throw GameError.sessionNotFound }
        return key
    }

    /// J30: starts a session; the answer carries the commitment to its outcome.
    @Sendable func startSession(_ call: APICall) async throws -> APIResult {
        let member = try await currentCustomer(call)
        let start = try await services.games.start(partnerID: call.partnerID, gameID: try gameID(call), customerID: member.id)
        let g = start.game
        let now = services.clock.nowMillis()
        let game = Present.memberGame(
            g,
            locale: call.locale,
            restriction: restriction(g, plays: start.plays, now: now),
            imageURL: stampImageURL(g, call: call)
        )
        return APIResult(
            messageKey: "game_session_started",
            data: .object([
                ("session_key", .string(start.session.key)), ("game", game), ("expires_at", Present.time(start.session.expiresAt)),
                ("points_deducted", .int(start.session.pointsCost)), ("points_balance", .int(start.balance)),
                ("commitment", .string(start.session.commitment)), ("commitment_scheme", .string("sha256(outcome + \":\" + salt)")),
                ("session", Present.session(start.session, now: now)),
            ])
        )
    }

    /// J31.
    @Sendable func getSession(_ call: APICall) async throws -> APIResult {
        let member = try await currentCustomer(call)
        guard let s = try await services.games.session(partnerID: call.partnerID, customerID: member.id, key: try sessionKey(call)) else {
            throw GameError.sessionNotFound
        }
        let now = services.clock.nowMillis()
        let game = try await services.games.game(partnerID: call.partnerID, id: s.gameID)
        return APIResult(
            data: Present.session(
                s,
                now: now,
                game: game.map { Present.memberGame($0, locale: call.locale, restriction: nil, imageURL: stampImageURL($0, call: call)) }
            )
        )
    }

    /// J32: `score`, `level`, `progress_data`; a quiz takes `answers`
    /// (`[{question_id, answer_index}]`, also inside `progress_data`) and scores them itself.
    @Sendable func reportProgress(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let score = f.int("score", min: 0, max: 1_000_000)
        let level = f.int("level", min: 0, max: 1_000_000)
        var progress: String?
        var answerItems: [JSON] = []
        if f.has("progress_data"), let value = f.values["progress_data"] {
            switch value {
            case .object, .array:
                let text = value.serializedString()
                if text.utf8.count > 16_384 { f.fail("progress_data", "v_max_length", ["max": "16384"]) } else { progress = text }
                if case let .array(list)? = value["answers"] { answerItems = list }
            default:
                f.fail("progress_data", "v_object")
            }
        }
        if let list = f.array("answers", maxItems: 50) { answerItems = list }
        var answers: [(question: Int64, choice: Int64)] = []
        for (i, item) in answerItems.enumerated() {
            var a = Fields(item, locale: call.locale)
            let q = a.int("question_id", required: true, min: 1, max: 50)
            let c = a.int("answer_index", required: true, min: 0, max: 9)
            for (n, messages) in a.errors { for m in messages { f.failMessage("answers.\(i).\(n)", m) } }
            if let q, let c { answers.append((q, c)) }
        }
        try f.throwIfInvalid()
        let member = try await currentCustomer(call)
        let s = try await services.games.report(
            partnerID: call.partnerID,
            customerID: member.id,
            key: try sessionKey(call),
            report: SessionReport(score: score, level: level, progressData: progress, answers: answers)
        )
        return APIResult(messageKey: "game_session_updated", data: Present.session(s, now: services.clock.nowMillis()))
    }

    /// J33: the prize, once; reveals the outcome and salt behind the commitment.
    @Sendable func claimReward(_ call: APICall) async throws -> APIResult {
        let member = try await currentCustomer(call)
        let c = try await services.games.claim(partnerID: call.partnerID, customerID: member.id, key: try sessionKey(call))
        let now = services.clock.nowMillis()
        let reward: JSON
        if let granted = c.granted {
            reward = Present.reward(granted, game: c.game, locale: call.locale)
        } else {
            reward = .object([
                ("type", .string("none")), ("value", .int(0)),
                ("description", .string(c.budgetExhausted ? "No prize: the game's prize budget for this period is spent" : "No prize")),
            ])
        }
        var data: [(String, JSON)] = [
            ("reward", reward), ("points_earned", .int(c.session.pointsEarned)), ("coupon_created", .optional(c.session.couponID)),
            (
                "coupon",
                c.granted?.coupon.map {
                    .object([("id", .int($0.id)), ("code", .string(CouponCode.display($0.code))), ("expires_at", Present.time($0.expiresAt))])
                } ?? .null
            ),
            ("outcome", .string(c.session.outcome)), ("salt", .string(c.session.salt)), ("commitment", .string(c.session.commitment)),
            ("session", Present.session(c.session, now: now, reveal: true)),
        ]
        if let item = c.item {
            data.append(("item", .object([("key", .string(item.key)), ("name", .optional(item.name.text(call.locale.rawValue)))])))
        }
        return APIResult(messageKey: "game_reward_granted", data: .object(data))
    }

    /// J34: `game_id`, `status`, `date_from`, `date_to` (inclusive), paged; `data{data, meta}`.
    @Sendable func sessionHistory(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        var filter = SessionFilter()
        filter.gameID = f.int("game_id", min: 1, max: Int64.max)
        filter.status = f.oneOf("status", GameSession.Status.allCases.map(\.rawValue)).flatMap(GameSession.Status.init(rawValue:))
        filter.from = f.date("date_from")
        filter.until = f.date("date_to").map { $0 + 86_400_000 }
        try f.throwIfInvalid()
        let member = try await currentCustomer(call)
        let result = try await services.games.sessions(partnerID: call.partnerID, customerID: member.id, filter: filter, page: page)
        let now = services.clock.nowMillis()
        var games: [Int64: JSON] = [:]
        for id in Set(result.items.map(\.gameID)) {
            if let g = try await services.games.game(partnerID: call.partnerID, id: id) {
                games[id] = Present.memberGame(g, locale: call.locale, restriction: nil, imageURL: stampImageURL(g, call: call))
            }
        }
        let items = result.items.map { Present.session($0, now: now, game: games[$0.gameID] ?? .null) }
        return APIResult(data: .object([("data", .array(items)), ("meta", Envelope.meta(result))]))
    }
}
