import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import SQLKit
import Testing

/// Analytics against a brute-force recomputation: a random week of purchases at two
/// shops (and without one), redemptions, refunds, adjustments, transfers, expiry, tier
/// changes and offer claims, rolled up incrementally in small batches while it happens;
/// then every figure of the report, for several ranges and scopes, equals the same
/// figure computed by plain SQL over the ledger and the source tables, on both databases.
@Suite("Partner analytics", .databases)
struct AnalyticsTests {
    static let day: Int64 = 86_400_000
    /// 2026-10-27 09:00 UTC: the week runs into November, so ranges read whole months
    /// from the monthly rollup and the days around them from the daily one.
    static let start: Int64 = AnalyticsDay.parse("2026-10-27")! * day + 9 * 3_600_000

    @Test(arguments: Backend.allCases)
    func figuresEqualABruteForceRecomputation(_ backend: Backend) async throws {
        let clock = ManualWallClock(Self.start)
        try await TestApp.with(backend, configure: { $0.analyticsIntervalSeconds = 0 }, clock: clock) { app in
            try await app.setProgram(
                #"{"expiry": {"policy": "days", "days": 3}, "tiers": {"levels": [{"name": "Bronze", "threshold": 0}, {"name": "Silver", "threshold": 150}, {"name": "Gold", "threshold": 400}]}}"#
            )
            let owner = try await app.partnerToken("owner@example.com")
            let shopA = app.shop.shop.id
            let shopB = try #require(try await app.asUser(owner, .post, "/en/partners/shops", json: #"{"name":"B"}"#).int("data", "id"))
            let offer = try await app.offer(#"{"title":"Mug","type":"free_item","points_required":20}"#)
            // Small batches: the roll is incremental many times over, as in production.
            let roller = AnalyticsRoller(database: app.services.database, clock: clock, batchSize: 7)
            var rng = SeededGenerator(state: backend == .sqlite ? 5 : 6)
            var users: [Int64] = []
            var orders: [(id: String, user: Int64)] = []
            var wrote = 0
            for step in 0..<160 {
                if step % 8 == 0 {
                    users.append(try await app.customer("a\(step)@example.com"))
                    clock.advance(byMillis: Int64.random(in: Self.day / 4...Self.day, using: &rng))
                    _ = try await app.services.sweeper.expire(now: clock.nowMillis())
                    _ = try await app.services.sweeper.tiers(now: clock.nowMillis())
                }
                if step % 25 == 24 { try await roller.rollAll() }
                let user = users[Int.random(in: 0..<users.count, using: &rng)]
                let shop = [shopA, shopB, nil][Int.random(in: 0..<3, using: &rng)]
                let shopField = shop.map { #","shop_id":\#($0)"# } ?? ""
                var reply: TestApp.Reply
                switch Int.random(in: 0..<9, using: &rng) {
                case 0, 1, 2:
                    let order = "O\(step)"
                    let amount = Double(Int.random(in: 100...15_000, using: &rng)) / 100
                    reply = try await app.post(
                        "/en/shop/transactions/create",
                        #"{"order_id":"\#(order)","user_id":\#(user),"order_total":\#(amount)\#(shopField)}"#
                    )
                    if reply.status == .created { orders.append((order, user)) }
                case 3:
                    let points = Int.random(in: 1...60, using: &rng)
                    reply = try await app.post(
                        "/en/shop/transactions/create",
                        #"{"order_id":"R\#(step)","user_id":\#(user),"order_total":1.00,"points_redeemed":\#(points)\#(shopField)}"#
                    )
                case 4 where !orders.isEmpty:
                    let o = orders.remove(at: Int.random(in: 0..<orders.count, using: &rng))
                    reply = try await app.post("/en/shop/transactions/create", #"{"order_id":"\#(o.id)","user_id":\#(o.user)","type":"refund"}"#)
                case 5:
                    let points = [-15, -5, 10, 30][Int.random(in: 0..<4, using: &rng)]
                    reply = try await app.post("/en/shop/points/adjust", #"{"customer_id":\#(user),"points":\#(points),"reason":"t"}"#)
                case 6:
                    reply = try await app.claim(offer, for: user)
                case 7:
                    let other = users[Int.random(in: 0..<users.count, using: &rng)]
                    reply = try await app.post(
                        "/en/shop/points/transfer",
                        #"{"from_customer_id":\#(user),"to_customer_id":\#(other),"points":5,"reason":"t"}"#
                    )
                default:
                    reply = try await app.post("/en/shop/points/award", #"{"customer_id":\#(user),"points":\#(Int.random(in: 1...90, using: &rng))}"#)
                }
                #expect(reply.status.code < 500, "\(reply.json.serializedString())")
                if reply.status.code < 300 { wrote += 1 }
            }
            #expect(wrote >= 80, "the sequence must write, not bounce off validation: \(wrote)")
            try await roller.rollAll()
            try await app.expectLedgerConsistent()

            let today = AnalyticsMetric.day(ofMillis: clock.nowMillis())
            let first = AnalyticsMetric.day(ofMillis: Self.start)
            #expect(today - first >= 5, "the data must span days")
            let expiredRows = try await app.scalar("SELECT COUNT(*) AS n FROM ledger_entries WHERE type = 'expired'")
            let tierRows = try await app.scalar("SELECT COUNT(*) AS n FROM tier_changes")
            let claims = try await app.scalar("SELECT COUNT(*) AS n FROM coupons")
            #expect(expiredRows > 0 && tierRows > 0 && claims > 0, "expiry \(expiredRows), tiers \(tierRows), claims \(claims)")

            let october = AnalyticsDay.parse("2026-10-01")!
            let november = AnalyticsDay.parse("2026-11-01")!
            let ranges: [(Int64, Int64)] = [
                (first, today), (first + 1, first + 3), (today, today), (first - 10, first - 1), (october, november - 1),
                (november, november + 29), (october + 14, november + 60),
            ]
            for (from, to) in ranges {
                for shop in [nil, shopA, shopB] {
                    try await Self.compare(app, owner: owner, from: from, to: to, shop: shop, today: today)
                }
            }
            // Shops side by side: each shop's figures are its overview's.
            let comparison = try await app.asUser(
                owner,
                .get,
                "/en/partners/analytics/shops/comparison?from=\(AnalyticsDay.string(first))&to=\(AnalyticsDay.string(today))"
            )
            #expect(comparison.status == .ok)
            for row in comparison.json["data"]?["shops"]?.array ?? [] {
                let id = try #require(row["shop_id"]?.int)
                let issued = try await app.ledgerSum(
                    "CASE WHEN type IN ('earned', 'bonus', 'activity', 'adjusted') AND points > 0 THEN points ELSE 0 END",
                    from: first,
                    to: today,
                    shop: id
                )
                #expect(row["issued"]?.int == issued, "shop \(id)")
            }
        }
    }

    /// One report against plain SQL over the source tables.
    static func compare(_ app: TestApp, owner: String, from: Int64, to: Int64, shop: Int64?, today: Int64) async throws {
        let query = "from=\(AnalyticsDay.string(from))&to=\(AnalyticsDay.string(to))" + (shop.map { "&shop_id=\($0)" } ?? "")
        let r = try await app.asUser(owner, .get, "/en/partners/analytics/overview?\(query)")
        try #require(r.status == .ok, "\(r.json.serializedString())")
        let data = try #require(r.json["data"])
        let label = "\(query)"

        // Points by entry type.
        let lo = from * day
        let hi = (to + 1) * day
        let shopFilter = shop.map { " AND COALESCE(shop_id, 0) = \($0)" } ?? ""
        for type in LedgerEntryType.allCases.map(\.rawValue) {
            let where_ = "partner_id = \(app.partnerID) AND type = '\(type)' AND created_at >= \(lo) AND created_at < \(hi)\(shopFilter)"
            let plus = try await app.scalar(
                "SELECT CAST(COALESCE(SUM(CASE WHEN points > 0 THEN points ELSE 0 END), 0) AS BIGINT) AS n FROM ledger_entries WHERE \(where_)"
            )
            let minus = try await app.scalar(
                "SELECT CAST(COALESCE(SUM(CASE WHEN points < 0 THEN -points ELSE 0 END), 0) AS BIGINT) AS n FROM ledger_entries WHERE \(where_)"
            )
            let entries = try await app.scalar("SELECT COUNT(*) AS n FROM ledger_entries WHERE \(where_)")
            let got = data["by_type"]?[type]
            #expect((got?["in"]?.int ?? 0) == plus && (got?["out"]?.int ?? 0) == minus && (got?["entries"]?.int ?? 0) == entries, "\(label) \(type)")
        }
        let issued = try await app.ledgerSum(
            "CASE WHEN type IN ('earned', 'bonus', 'activity', 'adjusted') AND points > 0 THEN points ELSE 0 END",
            from: from,
            to: to,
            shop: shop
        )
        let redeemed = try await app.ledgerSum(
            "CASE WHEN type = 'redeemed' THEN -points WHEN type IN ('returned', 'refund') AND points > 0 THEN -points ELSE 0 END",
            from: from,
            to: to,
            shop: shop
        )
        let expired = try await app.ledgerSum("CASE WHEN type = 'expired' THEN -points ELSE 0 END", from: from, to: to, shop: shop)
        #expect(data["points"]?["issued"]?.int == issued && data["points"]?["redeemed"]?.int == redeemed, "\(label)")
        #expect(data["points"]?["expired"]?.int == expired, "\(label)")
        let seriesIssued = (data["series"]?.array ?? []).compactMap { $0["issued"]?.int }.reduce(0, +)
        #expect(seriesIssued == issued, "\(label): the series adds up")
        if issued > 0 {
            #expect(data["rates"]?["redemption_rate"]?.double.map { abs($0 - Double(redeemed) / Double(issued)) < 0.0001 } == true, "\(label)")
        }

        // Liability: every entry up to the end of the range.
        let liability = try await app.scalar(
            "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) AS n FROM ledger_entries WHERE partner_id = \(app.partnerID) AND created_at < \(hi)\(shopFilter)"
        )
        #expect(data["liability"]?["points"]?.int == liability, "\(label) liability")
        if shop == nil && to == today {
            let balances = try await app.scalar("SELECT CAST(SUM(balance) AS BIGINT) AS n FROM loyalty_cards WHERE partner_id = \(app.partnerID)")
            #expect(liability == balances, "liability equals the sum of balances")
        }

        // Members.
        let activity = "type IN ('earned', 'redeemed', 'activity')"
        let cardJoin =
            "FROM ledger_entries e JOIN loyalty_cards c ON c.id = e.card_id WHERE e.partner_id = \(app.partnerID)\(shop.map { " AND COALESCE(e.shop_id, 0) = \($0)" } ?? "")"
        if let shop {
            _ = shop
            let firsts = "SELECT c.customer_id, MIN(e.created_at) AS at \(cardJoin) AND e.\(activity) GROUP BY c.customer_id"
            #expect(data["members"]?["total"]?.int == (try await app.scalar("SELECT COUNT(*) AS n FROM (\(firsts)) f WHERE at < \(hi)")), "\(label)")
            #expect(
                data["members"]?["new"]?.int == (try await app.scalar("SELECT COUNT(*) AS n FROM (\(firsts)) f WHERE at >= \(lo) AND at < \(hi)")),
                "\(label)"
            )
        } else {
            let customers = "FROM customers WHERE partner_id = \(app.partnerID)"
            #expect(data["members"]?["total"]?.int == (try await app.scalar("SELECT COUNT(*) AS n \(customers) AND created_at < \(hi)")), "\(label)")
            #expect(
                data["members"]?["new"]?.int
                    == (try await app.scalar("SELECT COUNT(*) AS n \(customers) AND created_at >= \(lo) AND created_at < \(hi)")),
                "\(label)"
            )
        }
        for window: Int64 in [30, 90] {
            let since = (today - window + 1) * day
            let active = try await app.scalar("SELECT COUNT(DISTINCT c.customer_id) AS n \(cardJoin) AND e.\(activity) AND e.created_at >= \(since)")
            #expect(data["members"]?["active_\(window)d"]?.int == active, "\(label) active \(window)")
        }

        // Time to first redemption: each member's first redemption (in the scope) in the range.
        let firstRedemptions = try await app.services.database.read { db in
            try await db.raw(
                """
                SELECT f.at - cu.created_at AS delay FROM (SELECT c.customer_id, MIN(e.created_at) AS at \(unsafeRaw: cardJoin) AND e.type = 'redeemed'
                  GROUP BY c.customer_id) f JOIN customers cu ON cu.id = f.customer_id WHERE f.at >= \(bind: lo) AND f.at < \(bind: hi)
                """
            ).all().map { try $0.decode(column: "delay", as: Int64.self) }
        }
        #expect(data["first_redemption"]?["members"]?.int == Int64(firstRedemptions.count), "\(label)")
        if !firstRedemptions.isEmpty {
            let average = Double(firstRedemptions.reduce(0, +)) / Double(firstRedemptions.count) / Double(day)
            #expect(data["first_redemption"]?["average_days"]?.double.map { abs($0 - average) < 0.0001 } == true, "\(label)")
        }

        // Tiers (partner-wide): each card's latest change; cards never changed are Bronze.
        var tiers: [String: Int64] = [:]
        for r in try await app.services.database.read({ db in
            try await db.raw(
                """
                SELECT t.to_tier FROM tier_changes t WHERE t.partner_id = \(bind: app.partnerID)
                  AND t.id = (SELECT MAX(id) FROM tier_changes x WHERE x.card_id = t.card_id)
                """
            ).all()
        }) {
            tiers[try r.decode(column: "to_tier", as: String?.self) ?? "", default: 0] += 1
        }
        let cards = try await app.scalar("SELECT COUNT(*) AS n FROM loyalty_cards WHERE partner_id = \(app.partnerID)")
        tiers["Bronze", default: 0] += cards - tiers.values.reduce(0, +)
        var reported: [String: Int64] = [:]
        for t in data["tiers"]?.array ?? [] { reported[t["tier"]?.string ?? ""] = t["cards"]?.int }
        #expect(reported == tiers.filter { $0.value != 0 }, "\(label) tiers")

        // Offers claimed in the range.
        let claims = try await app.scalar(
            "SELECT COUNT(*) AS n FROM coupons WHERE partner_id = \(app.partnerID) AND created_at >= \(lo) AND created_at < \(hi)"
        )
        let reportedClaims = (data["top_offers"]?.array ?? []).compactMap { $0["claims"]?.int }.reduce(0, +)
        #expect(reportedClaims == claims, "\(label) claims")
    }

    /// PostgreSQL may commit a later id first: the roller waits for the earlier one
    /// (still in flight), and steps over a hole left by a rollback once the grace passed.
    @Test func holesInTheIdSequenceAreWaitedForThenSteppedOver() async throws {
        try await TestApp.with(.postgres, configure: { $0.analyticsIntervalSeconds = 0 }) { app in
            let roller = AnalyticsRoller(database: app.services.database, gapGraceMillis: 3_600_000)
            try await roller.rollAll()
            let members = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM analytics_daily WHERE metric = 'members_new'"
            let before = try await app.scalar(members)
            let (inserted, insertedSignal) = AsyncStream<Void>.makeStream()
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            let held = Task {
                try await app.services.database.write { db in
                    try await db.raw(
                        "INSERT INTO customers (partner_id, email, created_at, updated_at) VALUES (\(bind: app.partnerID), 'held@example.com', 1, 1)"
                    ).run()
                    insertedSignal.yield()
                    for await _ in release { break }
                }
            }
            for await _ in inserted { break }
            _ = try await app.customer("after@example.com")
            try await roller.rollAll()
            #expect(try await app.scalar(members) == before, "the committed later id waits for the one in flight")
            releaseSignal.yield()
            try await held.value
            try await roller.rollAll()
            #expect(try await app.scalar(members) == before + 2)

            // A rolled-back insert leaves a hole for good: stepped over once the grace passed.
            struct Rollback: Error {}
            _ = try? await app.services.database.write { db in
                try await db.raw(
                    "INSERT INTO customers (partner_id, email, created_at, updated_at) VALUES (\(bind: app.partnerID), 'gone@example.com', 1, 1)"
                ).run()
                throw Rollback()
            }
            _ = try await app.customer("later@example.com")
            try await roller.rollAll()
            #expect(try await app.scalar(members) == before + 2, "within the grace the hole is waited for")
            let impatient = AnalyticsRoller(database: app.services.database, gapGraceMillis: 0)
            try await impatient.rollAll()
            try await impatient.rollAll()
            #expect(try await app.scalar(members) == before + 3)
        }
    }

    @Test(arguments: Backend.allCases)
    func refusesBadRangesAndForeignShops(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let owner = try await app.partnerToken("owner@example.com")
            for (query, field) in [
                ("from=2026-12-10&to=2026-12-01", "to"), ("from=2000-01-01&to=2026-12-01", "to"), ("from=2026-13-01", "from"),
                ("from=2020-01-01&to=2026-12-01&interval=day", "interval"), ("interval=hour", "interval"), ("shop_id=abc", "shop_id"),
            ] {
                let r = try await app.asUser(owner, .get, "/en/partners/analytics/overview?\(query)")
                #expect(r.status == .unprocessableContent && r.json["errors"]?[field] != nil, "\(query): \(r.json.serializedString())")
            }
            let other = try await app.services.provisionShop(name: "Other")
            let foreign = try await app.asUser(owner, .get, "/en/partners/analytics/overview?shop_id=\(other.shop.id)")
            #expect(foreign.status == .notFound, "\(foreign.json.serializedString())")
            // The shop's API credentials read analytics too (as a manager).
            #expect(try await app.get("/en/partners/analytics/overview").status == .ok)
        }
    }

    @Test(arguments: Backend.allCases)
    func liabilityUsesTheConfiguredPointValue(_ backend: Backend) async throws {
        try await TestApp.with(backend, configure: { $0.analyticsIntervalSeconds = 0 }) { app in
            let owner = try await app.partnerToken("owner@example.com")
            let user = try await app.customer("l@example.com")
            try await app.post("/en/shop/points/award", #"{"customer_id":\#(user),"points":1234}"#)
            try await app.services.analyticsRoller.rollAll()
            var r = try await app.asUser(owner, .get, "/en/partners/analytics/overview")
            // The default template: 100 points buy 1.00 EUR.
            #expect(
                r.json["data"]?["liability"]?["value_minor"]?.int == 1234 && r.string("data", "liability", "point_value_source") == "card_template"
            )
            let set = try await app.asUser(owner, .put, "/en/partners/settings", json: #"{"point_value_minor":0.5,"liability_currency":"USD"}"#)
            #expect(set.status == .ok && set.json["data"]?["point_value_minor"]?.double == 0.5, "\(set.json.serializedString())")
            r = try await app.asUser(owner, .get, "/en/partners/analytics/overview")
            #expect(r.json["data"]?["liability"]?["value_minor"]?.int == 617 && r.string("data", "liability", "currency") == "USD")
            let bad = try await app.asUser(owner, .put, "/en/partners/settings", json: #"{"point_value_minor":-1,"liability_currency":"usd"}"#)
            #expect(
                bad.status == .unprocessableContent && bad.json["errors"]?["point_value_minor"] != nil
                    && bad.json["errors"]?["liability_currency"] != nil
            )
            let cleared = try await app.asUser(owner, .put, "/en/partners/settings", json: #"{"point_value_minor":null}"#)
            #expect(cleared.status == .ok && cleared.json["data"]?["point_value_minor"] == .null)
        }
    }
}

extension TestApp {
    /// One integer from `sql` (column `n`).
    func scalar(_ sql: String) async throws -> Int64 {
        try await services.database.read { db in
            try await db.raw("\(unsafeRaw: sql)").first()?.decode(column: "n", as: Int64?.self) ?? 0
        }
    }

    /// `SUM(expression)` over this partner's ledger entries in the days `[from, to]`.
    func ledgerSum(_ expression: String, from: Int64, to: Int64, shop: Int64?) async throws -> Int64 {
        let day: Int64 = 86_400_000
        return try await scalar(
            """
            SELECT CAST(COALESCE(SUM(\(expression)), 0) AS BIGINT) AS n FROM ledger_entries WHERE partner_id = \(partnerID)
              AND created_at >= \(from * day) AND created_at < \((to + 1) * day)\(shop.map { " AND COALESCE(shop_id, 0) = \($0)" } ?? "")
            """
        )
    }
}

extension JSON {
    /// A number as a double (integers too).
    var double: Double? {
        switch self {
        case let .double(d): d
        case let .int(i): Double(i)
        default: nil
        }
    }
}
