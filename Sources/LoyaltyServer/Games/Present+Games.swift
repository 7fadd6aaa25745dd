import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Games on the wire. The shop and partner pages spell a game with localised objects
/// and `game_type` (stamps, wheel, ...); the member API and the SDK models with plain
/// strings and `type` (wheel_of_fortune, ...). Each audience gets its own form; both
/// carry `game_type` and `type`. Quiz answers are never part of either.
extension Present {
    static func localized(_ t: LocalizedText) -> JSON { .object([("lt", .optional(t.lt)), ("en", .optional(t.en))]) }

    /// Slots as members may see them: what each pays and its odds (weight / total).
    static func prizes(_ g: Game, locale: APILocale) -> JSON {
        let total = g.prizes.reduce(Int64(0)) { $0 + max(0, $1.weight) }
        return .array(
            g.prizes.map { p in
                var kind = "none"
                var value = JSON.null
                var offer = JSON.null
                switch p.kind {
                case let .points(n):
                    kind = "points"
                    value = .int(n)
                case let .coupon(id):
                    kind = "coupon"
                    offer = .int(id)
                case .nothing: break
                }
                return .object([
                    ("position", .int(Int64(p.position))), ("type", .string(kind)), ("kind", .string(kind)), ("value", value),
                    ("points", value), ("offer_id", offer), ("weight", .int(p.weight)),
                    ("probability", g.type.isChance && total > 0 ? .double(Double(p.weight) / Double(total)) : .null),
                    ("min_score", .optional(p.minScore)), ("description", .optional(p.label.text(locale.rawValue))), ("label", localized(p.label)),
                ])
            }
        )
    }

    static func stampSettings(_ g: Game, imageURL: String?) -> JSON {
        let s = g.settings.stamps ?? StampSettings()
        return .object([
            ("stamps_required", .int(s.stampsRequired)), ("per_visit_limit", .optional(s.perVisitLimit)), ("per_day_limit", .optional(s.perDayLimit)),
            ("reset_on_complete", .bool(s.resetOnComplete)), ("reward_type", .string(s.rewardType)), ("product_name", .optional(s.productName)),
            ("points_amount", g.completionPrize.flatMap { if case let .points(n) = $0.kind { JSON.int(n) } else { nil } } ?? .null),
            ("expiration_days", .int(s.expirationDays)), ("layout", .string(s.layout)), ("rows", .int(s.rows)), ("columns", .int(s.columns)),
            ("background_color", .string(s.backgroundColor)), ("text_color", .string(s.textColor)), ("stamp_icon", .string(s.stampIcon)),
            ("stamp_icon_type", .string(g.stampImageType != nil ? "custom" : s.stampIconType)), ("stamp_image_url", .optional(imageURL)),
            ("punch_text", s.punchText.map(localized) ?? .null), ("reward_text", s.rewardText.map(localized) ?? .null),
        ])
    }

    /// Questions without their answers.
    static func questions(_ g: Game, locale: APILocale) -> JSON {
        .array(
            g.settings.questions.enumerated().map { i, q in
                .object([
                    ("id", .int(Int64(i + 1))), ("question", .optional(q.question.text(locale.rawValue))), ("translations", localized(q.question)),
                    ("choices", .array(q.choices.map { .optional($0.text(locale.rawValue)) })), ("points", .int(q.points)),
                ])
            }
        )
    }

    static func items(_ g: Game, locale: APILocale) -> JSON {
        .array(
            g.settings.items.map { i in
                .object([
                    ("key", .string(i.key)), ("name", .optional(i.name.text(locale.rawValue))), ("translations", localized(i.name)),
                    ("weight", .int(i.weight)), ("quantity", .int(i.quantity)),
                ])
            }
        )
    }

    static func goal(_ g: Game) -> JSON {
        guard let goal = g.settings.goal else { return .null }
        return .object([
            ("metric", .string(goal.metric.rawValue)), ("target", goal.metric == .spend ? .money(goal.target) : .int(goal.target)),
            ("window_days", .optional(goal.windowDays)), ("period", .optional(goal.period?.rawValue)),
            ("min_order_total", .money(goal.minOrderMinor)),
        ])
    }

    /// What a type needs to be played, for either audience.
    static func config(_ g: Game, locale: APILocale, imageURL: String?) -> JSON {
        .object([
            ("stamp_settings", g.type == .stamps ? stampSettings(g, imageURL: imageURL) : .null),
            ("questions", g.type == .quiz ? questions(g, locale: locale) : .null),
            ("items", g.type == .collection ? items(g, locale: locale) : .null), ("goal", goal(g)),
            (
                "purchase_rule",
                g.settings.purchaseRule.map { .object([("min_order_total", .money($0.minOrderMinor)), ("stamps", .int($0.stamps))]) } ?? .null
            ),
        ])
    }

    /// The shop and partner form (S32, S33, P11-P14): localised objects, every rule.
    static func game(_ g: Game, partner: Partner?, locale: APILocale, imageURL: String?, activity: GameActivity? = nil) -> JSON {
        var members: [(String, JSON)] = [
            ("id", .int(g.id)), ("name", localized(g.name)), ("description", localized(g.description)), ("game_type", .string(g.type.shopName)),
            ("type", .string(g.type.sdkName)), ("title", .optional(g.name.text(locale.rawValue))),
            ("reward_description", localized(g.rewardDescription)), ("image", .optional(g.imageURL)), ("image_path", .optional(g.imageURL)),
            ("category", .optional(g.category)), ("categories", .array(g.category.map { [JSON.string($0)] } ?? [])),
            ("is_active", .bool(g.isActive)), ("is_featured", .bool(g.isFeatured)), ("start_date", time(g.startsAt)), ("end_date", time(g.endsAt)),
            ("shop_ids", .array(g.shopIDs.map(JSON.int))), ("product_ids", .array(g.productIDs.map(JSON.int))),
            ("points_cost", .int(g.pointsCost)), ("daily_limit", .optional(g.dailyLimit)), ("total_limit", .optional(g.totalLimit)),
            ("session_ttl_seconds", .int(g.sessionTTLSeconds)), ("allow_multiple_active_coupons", .bool(g.allowMultipleActiveCoupons)),
            ("coupon_validity_days", .optional(g.couponValidityDays)),
            ("stamps_required", g.type == .stamps ? .int(g.stampRules.stampsRequired) : .null),
            ("stamp_settings", g.type == .stamps ? stampSettings(g, imageURL: imageURL) : .null), ("prizes", prizes(g, locale: locale)),
            ("rewards", prizes(g, locale: locale)),
            (
                "budget",
                g.budget.map {
                    .object([("period", .string($0.period.rawValue)), ("points", .optional($0.points)), ("coupons", .optional($0.coupons))])
                }
                    ?? .null
            ),
            ("config", config(g, locale: locale, imageURL: imageURL)),
            ("partner_name", .optional(partner?.name)),
            (
                "partner_info",
                partner.map { .object([("id", .int($0.id)), ("name", .string($0.name)), ("description", .null), ("logo", .null)]) } ?? .null
            ),
            ("created_at", time(g.createdAt)), ("updated_at", time(g.updatedAt)),
        ]
        if let a = activity {
            members += [
                ("total_players", .int(a.players)), ("active_sessions", .int(a.activeSessions)), ("completed_sessions", .int(a.completedSessions)),
            ]
        }
        return .object(members)
    }

    /// The member form (spec 4.10's Game, the SDK models): plain strings, `type`, and
    /// whether this member can play now.
    static func memberGame(_ g: Game, locale: APILocale, restriction: String?, imageURL: String?) -> JSON {
        let loc = locale.rawValue
        return .object([
            ("id", .int(g.id)), ("name", .optional(g.name.text(loc))), ("description", .optional(g.description.text(loc))),
            ("type", .string(g.type.sdkName)), ("game_type", .string(g.type.shopName)), ("image", .optional(g.imageURL)),
            ("is_active", .bool(g.isActive)), ("is_featured", .bool(g.isFeatured)),
            ("categories", .array(g.category.map { [JSON.string($0)] } ?? [])),
            ("points_cost", .int(g.pointsCost)), ("daily_limit", .optional(g.dailyLimit)), ("total_limit", .optional(g.totalLimit)),
            ("rewards", prizes(g, locale: locale)), ("config", config(g, locale: locale, imageURL: imageURL)),
            ("reward_description", .optional(g.rewardDescription.text(loc))), ("can_play", .bool(restriction == nil)),
            ("play_restriction", .optional(restriction)), ("start_date", time(g.startsAt)), ("end_date", time(g.endsAt)),
            ("created_at", time(g.createdAt)), ("updated_at", time(g.updatedAt)),
        ])
    }

    static func stampProgress(_ p: StampProgress, game: Game) -> JSON {
        .object([
            ("current_step", .int(p.waiting ? game.stampRules.stampsRequired : p.step)), ("completed", .bool(p.waiting)),
            ("completed_at", time(p.completedAt)), ("round", .int(p.round)), ("completions", .int(p.completions)),
            (
                "history",
                .array(
                    p.history.map { e in
                        .object([
                            ("timestamp", time(e.at)), ("action", .string(e.action)), ("value", .int(e.value)), ("shop_id", .optional(e.shopID)),
                            ("performed_by_staff", .null), ("round", .int(e.round)), ("coupon_id", .optional(e.couponID)),
                            ("transaction_id", .optional(e.transactionID)),
                        ])
                    }
                )
            ),
        ])
    }

    /// A granted prize as S35/S36/J33 name it.
    static func reward(_ r: GrantedPrize, game: Game, locale: APILocale) -> JSON {
        let s = game.settings.stamps
        if let c = r.coupon {
            return .object([
                ("type", .string("coupon")), ("coupon_id", .int(c.id)), ("coupon_code", .string(CouponCode.display(c.code))),
                ("reward_type", .string(s?.rewardType ?? "coupon")),
                ("product_name", .optional(s?.productName ?? r.offer?.title.text(locale.rawValue))),
                ("description", .optional(r.prize.label.text(locale.rawValue) ?? game.rewardDescription.text(locale.rawValue))),
                ("value", .null), ("expires_at", time(c.expiresAt)),
            ])
        }
        return .object([
            ("type", .string("points")), ("reward_type", .string("points")), ("value", .int(r.points)), ("points", .int(r.points)),
            ("description", .optional(r.prize.label.text(locale.rawValue) ?? game.rewardDescription.text(locale.rawValue))),
            ("transaction_id", .optional(r.transactionID)),
        ])
    }

    static func session(_ s: GameSession, now: Int64, game: JSON? = nil, reveal: Bool = false) -> JSON {
        var members: [(String, JSON)] = [
            ("id", .int(s.id)), ("user_id", .int(s.customerID)), ("game_id", .int(s.gameID)), ("session_key", .string(s.key)),
            ("status", .string(s.status(at: now).rawValue)), ("score", .optional(s.score)), ("level", .optional(s.level)),
            ("progress_data", progressData(s.progressData)), ("reward_claimed", .bool(s.rewardClaimed)), ("commitment", .string(s.commitment)),
            ("points_cost", .int(s.pointsCost)), ("points_earned", .int(s.pointsEarned)), ("coupon_id", .optional(s.couponID)),
            ("started_at", time(s.startedAt)), ("completed_at", time(s.completedAt)), ("expires_at", time(s.expiresAt)),
            ("created_at", time(s.startedAt)), ("updated_at", time(s.completedAt ?? s.startedAt)),
        ]
        // The outcome is only ever shown once claimed (it is the member's to verify then).
        if reveal || s.rewardClaimed {
            members += [("outcome", .string(s.outcome)), ("salt", .string(s.salt))]
        }
        if let game { members.append(("game", game)) }
        return .object(members)
    }

    /// The client's own progress document and the quiz answers given, as stored.
    static func progressData(_ text: String?) -> JSON {
        guard let text, let json = try? RequestBody.parse(Array(text.utf8)) else { return .object([]) }
        var out: [(String, JSON)] = []
        if case let .object(members)? = json["data"] { out = members }
        if let answers = json["answers"], case let .array(list) = answers, !list.isEmpty { out.append(("answers", answers)) }
        return .object(out)
    }
}
