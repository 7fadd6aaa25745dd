import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Analytics (docs/ANALYTICS.md): partner-wide or per shop, over any range of UTC days,
/// answered from the rollups that ``AnalyticsRoller`` keeps, never from the ledger.
extension PartnerAPI {
    func registerAnalytics(_ routes: APIRoutes) {
        let read = routes.requiring(.role(.staff, credentials: true))
        read.get("analytics/overview", analyticsOverview)
        read.get("analytics/shops/comparison", analyticsShops)
    }

    /// The longest range a report covers, and the most buckets in its series.
    static let analyticsMaxDays: Int64 = 3_700
    static let analyticsMaxBuckets = 400

    struct AnalyticsQuery {
        var fromDay: Int64
        var toDay: Int64
        var interval: AnalyticsInterval
        var shopID: Int64?
    }

    /// `from`/`to` (YYYY-MM-DD, inclusive; default the 30 days to today), `interval`
    /// (day, week, month; default day up to 62 days, else week up to 400 days, else
    /// month) and `shop_id` (one of the partner's shops).
    func analyticsQuery(_ call: APICall, allowShop: Bool) async throws -> AnalyticsQuery {
        var f = call.fields
        let today = AnalyticsMetric.day(ofMillis: services.clock.nowMillis())
        let to = f.date("to").map { AnalyticsMetric.day(ofMillis: $0) } ?? today
        let from = f.date("from").map { AnalyticsMetric.day(ofMillis: $0) } ?? (to - 29)
        let interval = f.oneOf("interval", AnalyticsInterval.allCases.map(\.rawValue)).flatMap(AnalyticsInterval.init(rawValue:))
        let shopID = allowShop ? f.int("shop_id", min: 1, max: Int64.max) : nil
        if to < from { f.fail("to", "v_after", ["other": "from"]) }
        if to - from + 1 > Self.analyticsMaxDays { f.fail("to", "v_range_days", ["max": String(Self.analyticsMaxDays)]) }
        try f.throwIfInvalid()
        let days = to - from + 1
        let chosen = interval ?? (days <= 62 ? .day : days <= 400 ? .week : .month)
        let buckets = chosen == .day ? days : chosen == .week ? days / 7 + 2 : days / 28 + 2
        if Int(buckets) > Self.analyticsMaxBuckets {
            throw APIError.validation([("interval", [Messages.text("v_range_buckets", call.locale, ["max": String(Self.analyticsMaxBuckets)])])])
        }
        if let shopID, try await tenants.shop(partnerID: call.partnerID, id: shopID) == nil { throw LoyaltyError.shopNotFound }
        return AnalyticsQuery(fromDay: from, toDay: to, interval: chosen, shopID: shopID)
    }

    @Sendable func analyticsOverview(_ call: APICall) async throws -> APIResult {
        let q = try await analyticsQuery(call, allowShop: true)
        let partnerID = call.partnerID
        let a = services.analytics
        let scope = q.shopID ?? AnalyticsMetric.partnerScope
        let today = AnalyticsMetric.day(ofMillis: services.clock.nowMillis())
        let membersMetric = q.shopID == nil ? AnalyticsMetric.membersNew : AnalyticsMetric.membersFirst
        // Independent reads of small rollup slices, side by side.
        async let rangeTotals = a.totals(partnerID: partnerID, fromDay: q.fromDay, toDay: q.toDay, scope: scope)
        async let toDate = a.totals(partnerID: partnerID, fromDay: 0, toDay: q.toDay, scope: scope)
        async let seriesRows = a.series(
            partnerID: partnerID,
            fromDay: q.fromDay,
            toDay: q.toDay,
            scope: scope,
            interval: q.interval,
            membersMetric: membersMetric
        )
        async let active30 = a.activeMembers(partnerID: partnerID, scope: scope, sinceDay: today - 29)
        async let active90 = a.activeMembers(partnerID: partnerID, scope: scope, sinceDay: today - 89)
        async let tiers = tierDistribution(partnerID: partnerID)
        async let offers = topOffers(partnerID: partnerID, q)
        async let games = topGames(partnerID: partnerID, q)
        async let asOf = asOf()
        let totals = try await rangeTotals
        let cumulative = try await toDate
        let flows = PointFlows(byType: AnalyticsReport.byType(totals))
        let liability = try await liability(partnerID: partnerID, points: PointFlows(byType: AnalyticsReport.byType(cumulative)).net)
        let firsts = totals[AnalyticsMetric.firstRedemption] ?? AnalyticsSums()

        var members: [(String, JSON)] = [
            ("total", .int(cumulative[membersMetric]?.n ?? 0)), ("new", .int(totals[membersMetric]?.n ?? 0)),
            ("active_30d", .int(try await active30)), ("active_90d", .int(try await active90)),
        ]
        if q.shopID == nil { members.append(("with_activity", .int(cumulative[AnalyticsMetric.membersFirst]?.n ?? 0))) }

        let data: [(String, JSON)] = [
            ("period", period(q)), ("as_of", try await asOf), ("members", .object(members)),
            ("points", Self.present(flows)),
            (
                "by_type",
                .object(
                    AnalyticsReport.byType(totals).sorted { $0.key < $1.key }.map { type, s in
                        (type, .object([("in", .int(s.plus)), ("out", .int(-s.minus)), ("entries", .int(s.n))]))
                    }
                )
            ),
            ("liability", liability),
            (
                "rates",
                .object([
                    ("redemption_rate", flows.rate(flows.redeemed).map { .double(Self.round4($0)) } ?? .null),
                    ("breakage_rate", flows.rate(flows.expired).map { .double(Self.round4($0)) } ?? .null),
                ])
            ),
            ("tiers", try await tiers), ("top_offers", try await offers), ("top_games", try await games),
            (
                "first_redemption",
                .object([
                    ("members", .int(firsts.n)),
                    ("average_days", firsts.n > 0 ? .double(Self.round4(Double(firsts.plus) / Double(firsts.n) / 86_400_000)) : .null),
                ])
            ),
            (
                "series",
                .array(
                    AnalyticsReport.series(
                        try await seriesRows,
                        fromDay: q.fromDay,
                        toDay: q.toDay,
                        interval: q.interval,
                        membersMetric: membersMetric
                    )
                    .map { b in
                        .object(
                            [("period", .string(AnalyticsDay.string(b.start)))] + Self.presentFields(b.flows) + [("new_members", .int(b.newMembers))]
                        )
                    }
                )
            ),
        ]
        return APIResult(data: .object(data))
    }

    /// Key figures of every shop of the partner side by side over the range.
    @Sendable func analyticsShops(_ call: APICall) async throws -> APIResult {
        let q = try await analyticsQuery(call, allowShop: false)
        async let byShop = services.analytics.totalsByShop(partnerID: call.partnerID, fromDay: q.fromDay, toDay: q.toDay)
        let shops = try await tenants.shops(partnerID: call.partnerID, filter: ShopFilter(), page: PageRequest(page: 1, perPage: 1_000)).items
        let totals = try await byShop
        let out = shops.map { shop -> JSON in
            let metrics = totals[shop.id] ?? [:]
            let flows = PointFlows(byType: AnalyticsReport.byType(metrics))
            return .object(
                [("shop_id", .int(shop.id)), ("name", .string(shop.name))] + Self.presentFields(flows) + [
                    ("new_members", .int(metrics[AnalyticsMetric.membersFirst]?.n ?? 0)),
                    ("redemption_rate", flows.rate(flows.redeemed).map { .double(Self.round4($0)) } ?? .null),
                ]
            )
        }
        return APIResult(data: .object([("period", period(q)), ("as_of", try await asOf()), ("shops", .array(out))]))
    }

    func period(_ q: AnalyticsQuery) -> JSON {
        .object([
            ("from", .string(AnalyticsDay.string(q.fromDay))), ("to", .string(AnalyticsDay.string(q.toDay))), ("days", .int(q.toDay - q.fromDay + 1)),
            ("interval", .string(q.interval.rawValue)), ("shop_id", .optional(q.shopID)), ("time_zone", .string("UTC")),
        ])
    }

    func asOf() async throws -> JSON {
        let at = try await services.analytics.rolledAt()
        return at > 0 ? .string(Timestamp.iso8601(at)) : .null
    }

    static func presentFields(_ f: PointFlows) -> [(String, JSON)] {
        [
            ("issued", .int(f.issued)), ("redeemed", .int(f.redeemed)), ("expired", .int(f.expired)), ("reversed", .int(f.reversed)),
            ("adjusted_out", .int(f.adjustedOut)), ("net", .int(f.net)),
        ]
    }

    static func present(_ f: PointFlows) -> JSON { .object(presentFields(f)) }

    static func round4(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }

    /// Outstanding points times the value of a point: the partner's setting, else what
    /// its first active card template pays out on redemption.
    func liability(partnerID: Int64, points: Int64) async throws -> JSON {
        var milli: Int64 = 1_000
        var currency = "EUR"
        var source = "default"
        if let configured = try await services.analytics.pointValue(partnerID: partnerID) {
            (milli, currency, source) = (configured.milli, configured.currency, "settings")
        } else if let t = try await tenants.templates(
            partnerID: partnerID,
            filter: TemplateFilter(isActive: true),
            page: PageRequest(page: 1, perPage: 1)
        )
        .items.first, t.redemption.pointsPerCurrency > 0 {
            milli = t.redemption.currencyAmountMinor * 1_000 / t.redemption.pointsPerCurrency
            currency = t.currency
            source = "card_template"
        }
        let (valueMilli, overflow) = points.multipliedReportingOverflow(by: milli)
        let minor = overflow ? Int64.max : (valueMilli >= 0 ? (valueMilli + 500) / 1_000 : (valueMilli - 500) / 1_000)
        return .object([
            ("points", .int(points)), ("value", .money(minor)), ("value_minor", .int(minor)), ("currency", .string(currency)),
            ("point_value_minor", .double(Double(milli) / 1_000)), ("point_value_source", .string(source)),
        ])
    }

    /// Cards per tier (partner-wide): each card's latest recorded tier; cards whose
    /// tier never changed are in the programme's first tier.
    func tierDistribution(partnerID: Int64) async throws -> JSON {
        let (cards, byTier) = try await services.analytics.tiers(partnerID: partnerID)
        let program = try await services.programs.program(partnerID: partnerID).config
        let base = program.tiers.enabled ? program.tiers.tiers.first?.name ?? "" : ""
        var counts = byTier
        counts[base, default: 0] += cards - byTier.values.reduce(0, +)
        let order = program.tiers.tiers.map(\.name)
        let sorted = counts.filter { $0.value != 0 }.sorted { a, b in
            let ia = order.firstIndex(of: a.key) ?? Int.max
            let ib = order.firstIndex(of: b.key) ?? Int.max
            return ia != ib ? ia < ib : a.key < b.key
        }
        return .array(sorted.map { .object([("tier", $0.key.isEmpty ? .null : .string($0.key)), ("cards", .int($0.value))]) })
    }

    func topOffers(partnerID: Int64, _ q: AnalyticsQuery) async throws -> JSON {
        var out: [JSON] = []
        for (id, s) in try await services.analytics.top(
            partnerID: partnerID,
            metric: AnalyticsMetric.offerClaim,
            fromDay: q.fromDay,
            toDay: q.toDay,
            limit: 10
        ) {
            let offer = try await services.offers.offer(partnerID: partnerID, id: id)
            out.append(
                .object([
                    ("offer_id", .int(id)), ("title", .optional(offer?.title.en ?? offer?.title.lt)), ("claims", .int(s.n)),
                    ("points_spent", .int(s.plus)),
                ])
            )
        }
        return .array(out)
    }

    func topGames(partnerID: Int64, _ q: AnalyticsQuery) async throws -> JSON {
        var out: [JSON] = []
        for (id, s) in try await services.analytics.top(
            partnerID: partnerID,
            metric: AnalyticsMetric.gamePlay,
            fromDay: q.fromDay,
            toDay: q.toDay,
            limit: 10
        ) {
            let game = try await services.games.game(partnerID: partnerID, id: id)
            out.append(.object([("game_id", .int(id)), ("name", .optional(game?.name.en ?? game?.name.lt)), ("plays", .int(s.n))]))
        }
        return .array(out)
    }
}
