import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Column lists, decoders and the stored JSON forms of the games tables.
enum GameRows {
    static let columns = """
        id, partner_id, game_type, name_lt, name_en, description_lt, description_en, reward_description_lt, reward_description_en, \
        image_url, category, is_active, is_featured, starts_at, ends_at, shop_ids, product_ids, points_cost, daily_limit, total_limit, \
        session_ttl_seconds, allow_multiple_active_coupons, coupon_validity_days, budget_period, budget_points, budget_coupons, prizes, \
        settings, stamp_image_type, created_at, updated_at
        """

    static func text(_ r: any SQLRow, _ column: String) throws -> LocalizedText {
        LocalizedText(lt: try r.decode(column: column + "_lt", as: String?.self), en: try r.decode(column: column + "_en", as: String?.self))
    }

    static func game(_ r: any SQLRow) throws -> Game {
        var g = Game(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            type: try GameType(parsing: r.decode(column: "game_type", as: String.self)).required("a known game type"),
            name: try text(r, "name")
        )
        g.description = try text(r, "description")
        g.rewardDescription = try text(r, "reward_description")
        g.imageURL = try r.decode(column: "image_url", as: String?.self)
        g.category = try r.decode(column: "category", as: String?.self)
        g.isActive = try r.decode(column: "is_active", as: Bool.self)
        g.isFeatured = try r.decode(column: "is_featured", as: Bool.self)
        g.startsAt = try r.decode(column: "starts_at", as: Int64?.self)
        g.endsAt = try r.decode(column: "ends_at", as: Int64?.self)
        g.shopIDs = OfferRows.intList(try r.decode(column: "shop_ids", as: String.self))
        g.productIDs = OfferRows.intList(try r.decode(column: "product_ids", as: String.self))
        g.pointsCost = try r.decode(column: "points_cost", as: Int64.self)
        g.dailyLimit = try r.decode(column: "daily_limit", as: Int64?.self)
        g.totalLimit = try r.decode(column: "total_limit", as: Int64?.self)
        g.sessionTTLSeconds = try r.decode(column: "session_ttl_seconds", as: Int64.self)
        g.allowMultipleActiveCoupons = try r.decode(column: "allow_multiple_active_coupons", as: Bool.self)
        g.couponValidityDays = try r.decode(column: "coupon_validity_days", as: Int64?.self)
        if let period = try r.decode(column: "budget_period", as: String?.self).flatMap(Activity.Period.init(rawValue:)) {
            g.budget = PrizeBudget(
                period: period,
                points: try r.decode(column: "budget_points", as: Int64?.self),
                coupons: try r.decode(column: "budget_coupons", as: Int64?.self)
            )
        }
        g.prizes = prizes(try r.decode(column: "prizes", as: String.self))
        g.settings = (try? JSONDecoder().decode(GameSettings.self, from: Data(r.decode(column: "settings", as: String.self).utf8))) ?? GameSettings()
        g.stampImageType = try r.decode(column: "stamp_image_type", as: String?.self)
        g.createdAt = try r.decode(column: "created_at", as: Int64.self)
        g.updatedAt = try r.decode(column: "updated_at", as: Int64.self)
        return g
    }

    static func settingsJSON(_ s: GameSettings) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? String(decoding: encoder.encode(s), as: UTF8.self)) ?? "{}"
    }

    /// The stored prize table: `[{position, kind, points, offer_id, weight, min_score, label_lt, label_en}]`.
    static func prizesJSON(_ prizes: [Prize]) -> String {
        JSON.array(
            prizes.map { p in
                var kind = "none"
                var points: Int64 = 0
                var offer: Int64?
                switch p.kind {
                case let .points(n):
                    kind = "points"
                    points = n
                case let .coupon(id):
                    kind = "coupon"
                    offer = id
                case .nothing: break
                }
                return .object([
                    ("position", .int(Int64(p.position))), ("kind", .string(kind)), ("points", .int(points)), ("offer_id", .optional(offer)),
                    ("weight", .int(p.weight)), ("min_score", .optional(p.minScore)), ("label_lt", .optional(p.label.lt)),
                    ("label_en", .optional(p.label.en)),
                ])
            }
        ).serializedString()
    }

    static func prizes(_ text: String) -> [Prize] {
        guard case let .array(items)? = try? JSONDecoder().decode(JSON.self, from: Data(text.utf8)) else { return [] }
        return items.compactMap { item in
            func int(_ k: String) -> Int64? { if case let .int(i)? = item[k] { i } else { nil } }
            func str(_ k: String) -> String? { if case let .string(s)? = item[k] { s } else { nil } }
            let kind: PrizeKind
            switch str("kind") {
            case "points": kind = .points(int("points") ?? 0)
            case "coupon": kind = .coupon(offerID: int("offer_id") ?? 0)
            default: kind = .nothing
            }
            return Prize(
                position: Int(int("position") ?? 0),
                kind: kind,
                weight: int("weight") ?? 0,
                minScore: int("min_score"),
                label: LocalizedText(lt: str("label_lt"), en: str("label_en"))
            )
        }
    }

    static let sessionColumns = """
        id, partner_id, game_id, customer_id, card_id, session_key, outcome, salt, commitment, prize_position, score, level, progress_data, \
        points_cost, points_earned, coupon_id, claimed_at, started_at, expires_at, completed_at
        """

    static func session(_ r: any SQLRow) throws -> GameSession {
        var s = GameSession(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            gameID: try r.decode(column: "game_id", as: Int64.self),
            customerID: try r.decode(column: "customer_id", as: Int64.self),
            cardID: try r.decode(column: "card_id", as: Int64.self),
            key: try r.decode(column: "session_key", as: String.self),
            outcome: try r.decode(column: "outcome", as: String.self),
            salt: try r.decode(column: "salt", as: String.self),
            commitment: try r.decode(column: "commitment", as: String.self),
            startedAt: try r.decode(column: "started_at", as: Int64.self),
            expiresAt: try r.decode(column: "expires_at", as: Int64.self)
        )
        s.prizePosition = try r.decode(column: "prize_position", as: Int64?.self).map(Int.init)
        s.score = try r.decode(column: "score", as: Int64?.self)
        s.level = try r.decode(column: "level", as: Int64?.self)
        s.progressData = try r.decode(column: "progress_data", as: String?.self)
        s.pointsCost = try r.decode(column: "points_cost", as: Int64.self)
        s.pointsEarned = try r.decode(column: "points_earned", as: Int64.self)
        s.couponID = try r.decode(column: "coupon_id", as: Int64?.self)
        s.claimedAt = try r.decode(column: "claimed_at", as: Int64?.self)
        s.completedAt = try r.decode(column: "completed_at", as: Int64?.self)
        return s
    }
}
