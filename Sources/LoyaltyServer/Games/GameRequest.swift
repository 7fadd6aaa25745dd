import Foundation
import LoyaltyCore
import LoyaltyModels

/// `POST /partners/games` and `PUT /partners/games/{id}` (P12, P14): the platform's
/// fields plus this server's game rules (prize table, costs, limits, budget, stamp
/// settings, quiz questions, collection items, challenge goal), validated together.
/// Create needs a name and a type; update changes only the fields it names.
enum GameRequest {
    static func apply(_ fields: Fields, to base: Game, creating: Bool) throws -> Game {
        var f = fields
        var g = base
        if let t = f.string("game_type", required: creating && !f.has("type"), maxLength: 40) ?? f.string("type", maxLength: 40) {
            if let type = GameType(parsing: t) {
                g.type = type
            } else {
                f.fail(f.has("game_type") ? "game_type" : "type", "game_invalid_type")
            }
        }
        if let v = OfferRequest.localized(&f, "name", required: creating, maxLength: 255) { g.name = v }
        if let v = OfferRequest.localized(&f, "description", required: false, maxLength: 10_000) { g.description = v }
        if let v = OfferRequest.localized(&f, "reward_description", required: false, maxLength: 1000) { g.rewardDescription = v }
        if f.has("image_url") || f.has("image_path") { g.imageURL = f.string(f.has("image_url") ? "image_url" : "image_path", maxLength: 2048) }
        if f.has("category") { g.category = f.string("category", maxLength: 50) }
        if let v = f.bool("is_active") { g.isActive = v }
        if let v = f.bool("is_featured") { g.isFeatured = v }
        if f.has("start_date") || f.has("starts_at") { g.startsAt = f.dateTime(f.has("start_date") ? "start_date" : "starts_at") }
        if f.has("end_date") || f.has("ends_at") { g.endsAt = f.dateTime(f.has("end_date") ? "end_date" : "ends_at") }
        if let ids = OfferRequest.idList(&f, ["shop_ids"]) { g.shopIDs = ids }
        if let ids = OfferRequest.idList(&f, ["product_ids"]) { g.productIDs = ids }
        if let v = f.int("points_cost", min: 0, max: 1_000_000_000) { g.pointsCost = v }
        if f.has("daily_limit") { g.dailyLimit = f.int("daily_limit", min: 1, max: 1_000_000) }
        if f.has("total_limit") { g.totalLimit = f.int("total_limit", min: 1, max: 1_000_000_000) }
        if let v = f.int("session_ttl_seconds", min: 30, max: 86_400) { g.sessionTTLSeconds = v }
        if let v = f.bool("allow_multiple_active_coupons") { g.allowMultipleActiveCoupons = v }
        if f.has("coupon_validity_days") { g.couponValidityDays = f.int("coupon_validity_days", min: 1, max: 3650) }
        if let b = f.object("budget") { g.budget = budget(b, &f) } else if f.values["budget"]?.isNull == true { g.budget = nil }
        if let items = f.array("prizes", maxItems: PrizeTable.maxSlots) ?? f.array("rewards", maxItems: PrizeTable.maxSlots) {
            g.prizes = prizes(items, field: f.has("prizes") ? "prizes" : "rewards", &f)
        }
        if let s = f.object("stamp_settings") { g.settings.stamps = stampSettings(s, base: g.settings.stamps ?? StampSettings(), &f) }
        if let r = f.object("purchase_rule") {
            g.settings.purchaseRule = purchaseRule(r, &f)
        } else if f.values["purchase_rule"]?.isNull == true {
            g.settings.purchaseRule = nil
        }
        if let items = f.array("questions", maxItems: 50) { g.settings.questions = questions(items, &f) }
        if let items = f.array("items", maxItems: 50) { g.settings.items = collectionItems(items, &f) }
        if let goal = f.object("goal") { g.settings.goal = challengeGoal(goal, &f) }
        try f.throwIfInvalid()
        check(g, &f)
        try f.throwIfInvalid()
        return g
    }

    /// Rules across fields, once each is valid on its own.
    static func check(_ g: Game, _ f: inout Fields) {
        if let s = g.startsAt, let e = g.endsAt, e <= s { f.fail("end_date", "v_after", ["other": "start_date"]) }
        if g.type.isChance || !g.prizes.isEmpty {
            do {
                _ = try PrizeTable(g.prizes, chance: g.type.isChance)
            } catch {
                f.failMessage("prizes", prizeProblem(error, f.locale))
            }
        }
        switch g.type {
        case .stamps:
            if g.settings.stamps == nil { f.fail("stamp_settings", "v_required") }
        case .quiz:
            if g.settings.questions.isEmpty { f.fail("questions", "v_required") }
        case .collection:
            if g.settings.items.isEmpty { f.fail("items", "v_required") }
            if g.settings.items.allSatisfy({ $0.weight == 0 }) && !g.settings.items.isEmpty {
                f.failMessage(
                    "items",
                    f.locale == .lt ? "Bent vieno elemento svoris turi būti teigiamas." : "At least one item needs a positive weight."
                )
            }
        case .challenge:
            if g.settings.goal == nil { f.fail("goal", "v_required") }
        default:
            break
        }
    }

    static func prizeProblem(_ p: PrizeTableProblem, _ locale: APILocale) -> String {
        let en: String
        switch p {
        case .empty: en = "The prize table needs at least one slot."
        case let .tooManySlots(max): en = "The prize table may have at most \(max) slots."
        case let .negativeWeight(position): en = "Prize \(position) has a negative weight."
        case let .nonPositivePoints(position): en = "Prize \(position) must give at least 1 point."
        case .allWeightsZero: en = "The weights of a chance game's prizes must not sum to 0."
        case .totalWeightTooLarge: en = "The prize weights are too large."
        }
        return en
    }

    static func budget(_ json: JSON, _ f: inout Fields) -> PrizeBudget? {
        var b = Fields(json, locale: f.locale)
        let period = b.oneOf("period", Activity.Period.allCases.map(\.rawValue), required: true).flatMap(Activity.Period.init(rawValue:))
        let points = b.int("points", min: 0, max: 1_000_000_000_000)
        let coupons = b.int("coupons", min: 0, max: 1_000_000_000)
        for (name, messages) in b.errors { for m in messages { f.failMessage("budget.\(name)", m) } }
        guard let period else { return nil }
        return PrizeBudget(period: period, points: points, coupons: coupons)
    }

    static func prizes(_ items: [JSON], field: String, _ f: inout Fields) -> [Prize] {
        var out: [Prize] = []
        for (i, item) in items.enumerated() {
            var p = Fields(item, locale: f.locale)
            let kind = p.oneOf("kind", ["points", "coupon", "none"]) ?? p.oneOf("type", ["points", "coupon", "none"]) ?? "none"
            let weight =
                p.int("weight", min: Int64.min / 2, max: PrizeTable.maxTotalWeight) ?? p.int("probability", min: Int64.min / 2, max: 1_000_000) ?? 0
            let minScore = p.int("min_score", min: 0, max: 1_000_000)
            let label =
                OfferRequest.localized(&p, "label", required: false, maxLength: 255)
                ?? OfferRequest.localized(&p, "description", required: false, maxLength: 255)
            var prizeKind = PrizeKind.nothing
            switch kind {
            case "points":
                let n = p.int("points", min: Int64.min / 2, max: 1_000_000_000) ?? p.int("value", min: Int64.min / 2, max: 1_000_000_000)
                prizeKind = .points(n ?? 0)
                if n == nil { p.fail("points", "v_required") }
            case "coupon":
                if let id = p.int("offer_id", required: true, min: 1, max: Int64.max) { prizeKind = .coupon(offerID: id) }
            default:
                break
            }
            for (name, messages) in p.errors { for m in messages { f.failMessage("\(field).\(i).\(name)", m) } }
            out.append(Prize(position: i, kind: prizeKind, weight: weight, minScore: minScore, label: label ?? LocalizedText(lt: nil, en: nil)))
        }
        return out
    }

    static func stampSettings(_ json: JSON, base: StampSettings, _ f: inout Fields) -> StampSettings {
        var s = base
        var x = Fields(json, locale: f.locale)
        if let v = x.int("stamps_required", min: 1, max: 100) { s.stampsRequired = v }
        if x.has("per_visit_limit") { s.perVisitLimit = x.int("per_visit_limit", min: 1, max: 100) }
        if x.has("per_day_limit") { s.perDayLimit = x.int("per_day_limit", min: 1, max: 1000) }
        if let v = x.bool("reset_on_complete") { s.resetOnComplete = v }
        if let v = x.string("reward_type", maxLength: 40) { s.rewardType = v }
        if x.has("product_name") { s.productName = x.string("product_name", maxLength: 255) }
        if let v = x.int("expiration_days", min: 1, max: 3650) { s.expirationDays = v }
        if let v = x.oneOf("layout", ["grid", "linear", "circle"]) { s.layout = v }
        if let v = x.int("rows", min: 1, max: 20) { s.rows = v }
        if let v = x.int("columns", min: 1, max: 20) { s.columns = v }
        if let v = x.string("background_color", maxLength: 32) { s.backgroundColor = v }
        if let v = x.string("text_color", maxLength: 32) { s.textColor = v }
        if let v = x.string("stamp_icon", maxLength: 64) { s.stampIcon = v }
        if let v = x.string("stamp_icon_type", maxLength: 32) { s.stampIconType = v }
        if let v = OfferRequest.localized(&x, "punch_text", required: false, maxLength: 255) { s.punchText = v }
        if let v = OfferRequest.localized(&x, "reward_text", required: false, maxLength: 255) { s.rewardText = v }
        for (name, messages) in x.errors { for m in messages { f.failMessage("stamp_settings.\(name)", m) } }
        return s
    }

    static func purchaseRule(_ json: JSON, _ f: inout Fields) -> PurchaseRule? {
        var x = Fields(json, locale: f.locale)
        let minimum = x.money("min_order_total") ?? 0
        let stamps = x.int("stamps", min: 1, max: 100) ?? 1
        for (name, messages) in x.errors { for m in messages { f.failMessage("purchase_rule.\(name)", m) } }
        return PurchaseRule(minOrderMinor: minimum, stamps: stamps)
    }

    static func questions(_ items: [JSON], _ f: inout Fields) -> [QuizQuestion] {
        var out: [QuizQuestion] = []
        for (i, item) in items.enumerated() {
            var q = Fields(item, locale: f.locale)
            let text = OfferRequest.localized(&q, "question", required: true, maxLength: 1000)
            var choices: [LocalizedText] = []
            if let list = q.array("choices", required: true, maxItems: 10) {
                for (j, c) in list.enumerated() {
                    var one = Fields(.object([("choice", c)]), locale: f.locale)
                    if let t = OfferRequest.localized(&one, "choice", required: true, maxLength: 255) {
                        choices.append(t)
                    } else {
                        q.fail("choices.\(j)", "v_required")
                    }
                }
                if list.count < 2 { q.fail("choices", "v_min", ["min": "2"]) }
            }
            let correct = q.int("correct_index", required: true, min: 0, max: 9)
            if let correct, correct >= Int64(max(choices.count, 1)) { q.fail("correct_index", "v_max", ["max": String(max(choices.count - 1, 0))]) }
            let points = q.int("points", min: 0, max: 1_000_000) ?? 1
            for (name, messages) in q.errors { for m in messages { f.failMessage("questions.\(i).\(name)", m) } }
            if let text, let correct {
                out.append(QuizQuestion(question: text, choices: choices, correct: Int(correct), points: points))
            }
        }
        return out
    }

    static func collectionItems(_ items: [JSON], _ f: inout Fields) -> [CollectionItem] {
        var out: [CollectionItem] = []
        var keys: Set<String> = []
        for (i, item) in items.enumerated() {
            var x = Fields(item, locale: f.locale)
            let key = x.string("key", required: true, maxLength: 64)
            let name = OfferRequest.localized(&x, "name", required: false, maxLength: 255)
            let weight = x.int("weight", min: 0, max: 1_000_000) ?? 1
            let quantity = x.int("quantity", min: 1, max: 1000) ?? 1
            if let key, !keys.insert(key).inserted || key.hasPrefix("#") { x.fail("key", "v_unique") }
            for (n, messages) in x.errors { for m in messages { f.failMessage("items.\(i).\(n)", m) } }
            if let key { out.append(CollectionItem(key: key, name: name ?? LocalizedText(lt: nil, en: key), weight: weight, quantity: quantity)) }
        }
        return out
    }

    static func challengeGoal(_ json: JSON, _ f: inout Fields) -> ChallengeGoal? {
        var x = Fields(json, locale: f.locale)
        let metric = x.oneOf("metric", ChallengeGoal.Metric.allCases.map(\.rawValue), required: true).flatMap(ChallengeGoal.Metric.init(rawValue:))
        var target: Int64?
        if metric == .spend { target = x.money("target") } else { target = x.int("target", required: true, min: 1, max: 1000) }
        if metric == .spend, target == nil || target! <= 0 { x.fail("target", "v_min", ["min": "0.01"]) }
        let windowDays = x.int("window_days", min: 1, max: 3650)
        let period = x.oneOf("period", ["day", "week", "month", "year"]).flatMap(Activity.Period.init(rawValue:))
        let minimum = x.money("min_order_total") ?? 0
        for (n, messages) in x.errors { for m in messages { f.failMessage("goal.\(n)", m) } }
        guard let metric, let target, target > 0 else { return nil }
        return ChallengeGoal(metric: metric, target: target, windowDays: windowDays, period: period, minOrderMinor: minimum)
    }
}
