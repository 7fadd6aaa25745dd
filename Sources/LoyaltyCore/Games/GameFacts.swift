import LoyaltyModels

/// The outbox facts (webhook and feed payloads) of games: `game.session_started`,
/// `game.completed`, `game.reward_claimed` and `stamp.added`.
public enum GameFacts {
    /// A session's fact; its outcome stays out until the claim reveals it.
    public static func session(_ s: GameSession, game: Game, reveal: Bool = false) -> JSON {
        var members: [(String, JSON)] = [
            ("game_id", .int(game.id)), ("game_type", .string(game.type.shopName)), ("session_key", .string(s.key)),
            ("user_id", .int(s.customerID)), ("loyalty_card_id", .int(s.cardID)), ("commitment", .string(s.commitment)),
            ("points_cost", .int(s.pointsCost)), ("score", .optional(s.score)),
            ("expires_at", .string(Timestamp.iso8601(s.expiresAt))),
        ]
        if reveal {
            members += [
                ("outcome", .string(s.outcome)), ("salt", .string(s.salt)), ("points_earned", .int(s.pointsEarned)),
                ("coupon_id", .optional(s.couponID)),
            ]
        }
        return .object(members)
    }

    /// `stamp.added`: the card's progress after the stamps.
    public static func stamps(game: Game, cardID: Int64, customerID: Int64, added: Int64, step: Int64, round: Int64, shopID: Int64?) -> JSON {
        .object([
            ("game_id", .int(game.id)), ("user_id", .int(customerID)), ("loyalty_card_id", .int(cardID)), ("shop_id", .optional(shopID)),
            ("stamps_added", .int(added)), ("current_step", .int(step)), ("stamps_required", .int(game.stampRules.stampsRequired)),
            ("round", .int(round)),
        ])
    }

    /// `game.completed` of a stamp card, collection or challenge (sessions use ``session``).
    public static func completion(game: Game, customerID: Int64, cardID: Int64, round: Int64, shopID: Int64?) -> JSON {
        .object([
            ("game_id", .int(game.id)), ("game_type", .string(game.type.shopName)), ("user_id", .int(customerID)),
            ("loyalty_card_id", .int(cardID)), ("shop_id", .optional(shopID)), ("round", .int(round)),
        ])
    }

    /// `game.reward_claimed`: what the prize was.
    public static func reward(
        game: Game,
        customerID: Int64,
        cardID: Int64,
        points: Int64,
        couponID: Int64?,
        transactionID: Int64?,
        shopID: Int64?
    )
        -> JSON
    {
        .object([
            ("game_id", .int(game.id)), ("game_type", .string(game.type.shopName)), ("user_id", .int(customerID)),
            ("loyalty_card_id", .int(cardID)), ("shop_id", .optional(shopID)), ("reward_type", .string(couponID != nil ? "coupon" : "points")),
            ("points", .int(points)), ("coupon_id", .optional(couponID)), ("transaction_id", .optional(transactionID)),
        ])
    }
}
