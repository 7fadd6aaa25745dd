import LoyaltyCore
import SQLKit

/// One batch of source rows folded into rollup deltas, then written in the roll's
/// transaction (see ``AnalyticsRoller``).
struct AnalyticsFold {
    struct DailyKey: Hashable, Comparable {
        var partnerID: Int64
        var day: Int64
        var metric: String
        var scope: Int64
        var subject: Int64

        static func < (a: Self, b: Self) -> Bool {
            (a.partnerID, a.scope, a.day, a.metric, a.subject) < (b.partnerID, b.scope, b.day, b.metric, b.subject)
        }
    }

    struct Delta {
        var plus: Int64 = 0
        var minus: Int64 = 0
        var n: Int64 = 0
    }

    struct MemberKey: Hashable, Comparable {
        var partnerID: Int64
        var scope: Int64
        var customerID: Int64

        static func < (a: Self, b: Self) -> Bool { (a.partnerID, a.scope, a.customerID) < (b.partnerID, b.scope, b.customerID) }
    }

    /// What this batch saw of one member in one scope.
    struct Seen {
        var firstDay: Int64
        var lastDay: Int64
        var firstRedeemAt: Int64?
        var joinedAt: Int64
    }

    struct CardKey: Hashable, Comparable {
        var partnerID: Int64
        var cardID: Int64

        static func < (a: Self, b: Self) -> Bool { (a.partnerID, a.cardID) < (b.partnerID, b.cardID) }
    }

    var daily: [DailyKey: Delta] = [:]
    var members: [MemberKey: Seen] = [:]
    /// Each card's latest tier in this batch ("" = none).
    var tiers: [CardKey: String] = [:]

    mutating func bump(
        _ partnerID: Int64,
        day: Int64,
        _ metric: String,
        scope: Int64 = AnalyticsMetric.partnerScope,
        subject: Int64 = 0,
        points: Int64 = 0,
        n: Int64 = 1
    ) {
        let key = DailyKey(partnerID: partnerID, day: day, metric: metric, scope: scope, subject: subject)
        var d = daily[key] ?? Delta()
        if points > 0 { d.plus += points } else { d.minus += points }
        d.n += n
        daily[key] = d
    }

    mutating func add(_ row: SourceRow, source: AnalyticsSource) {
        let day = AnalyticsMetric.day(ofMillis: row.createdAt)
        switch source {
        case .ledger:
            let type = row.text ?? "unknown"
            let shop = row.shopID ?? 0
            // Per shop, and partner-wide (so a partner-wide report reads one scope).
            bump(row.partnerID, day: day, AnalyticsMetric.ledger(type), scope: shop, points: row.points)
            bump(row.partnerID, day: day, AnalyticsMetric.ledger(type), points: row.points)
            guard AnalyticsMetric.activityTypes.contains(type), let customer = row.customerID else { return }
            for scope in [AnalyticsMetric.partnerScope, shop] {
                let key = MemberKey(partnerID: row.partnerID, scope: scope, customerID: customer)
                var seen = members[key] ?? Seen(firstDay: day, lastDay: day, firstRedeemAt: nil, joinedAt: row.joinedAt ?? row.createdAt)
                seen.firstDay = min(seen.firstDay, day)
                seen.lastDay = max(seen.lastDay, day)
                if type == "redeemed", seen.firstRedeemAt == nil { seen.firstRedeemAt = row.createdAt }
                members[key] = seen
            }
        case .customers:
            bump(row.partnerID, day: day, AnalyticsMetric.membersNew)
        case .cards:
            bump(row.partnerID, day: day, AnalyticsMetric.cardsNew)
        case .tierChanges:
            tiers[CardKey(partnerID: row.partnerID, cardID: row.subjectID)] = row.text ?? ""
        case .coupons:
            bump(row.partnerID, day: day, AnalyticsMetric.offerClaim, subject: row.subjectID, points: row.points)
        case .gameSessions:
            bump(row.partnerID, day: day, AnalyticsMetric.gamePlay, subject: row.subjectID)
        case .stampEvents:
            if row.text == "stamp_added" { bump(row.partnerID, day: day, AnalyticsMetric.gamePlay, subject: row.subjectID) }
        }
    }

    /// Applies the batch: member and tier state first (their changes add daily deltas),
    /// then every daily delta. With `unnest` (PostgreSQL) each table is read and written
    /// by one statement binding arrays; a VALUES list of thousands of parameters cost
    /// more to plan than to run. SQLite takes VALUES lists in chunks.
    func write(_ db: any SQLDatabase, unnest: Bool) async throws {
        var out = self
        try await out.foldMembers(db, unnest: unnest)
        try await out.foldTiers(db, unnest: unnest)
        try await Self.upsertDaily(db, out.daily, unnest: unnest)
    }

    private mutating func foldMembers(_ db: any SQLDatabase, unnest: Bool) async throws {
        guard !members.isEmpty else { return }
        struct Stored {
            var lastDay: Int64
            var firstRedeemedAt: Int64?
        }
        var stored: [MemberKey: Stored] = [:]
        let byPartner = Dictionary(grouping: members.keys, by: \.partnerID)
        for (partnerID, keys) in byPartner {
            let customers = Array(Set(keys.map(\.customerID))).sorted()
            for chunk in customers.chunked(unnest ? customers.count : 500) {
                let list: SQLQueryString =
                    unnest ? "= ANY(\(bind: Array(chunk)))" : "IN (\(chunk.map { "\(bind: $0)" as SQLQueryString }.joined(", ")))"
                let rows = try await db.raw(
                    "SELECT scope, customer_id, last_day, first_redeemed_at FROM member_activity WHERE partner_id = \(bind: partnerID) AND customer_id \(list)"
                ).all()
                for r in rows {
                    let key = MemberKey(
                        partnerID: partnerID,
                        scope: try r.decode(column: "scope", as: Int64.self),
                        customerID: try r.decode(column: "customer_id", as: Int64.self)
                    )
                    stored[key] = Stored(
                        lastDay: try r.decode(column: "last_day", as: Int64.self),
                        firstRedeemedAt: try r.decode(column: "first_redeemed_at", as: Int64?.self)
                    )
                }
            }
        }
        var writes: [(MemberKey, Stored)] = []
        for (key, seen) in members.sorted(by: { $0.key < $1.key }) {
            let old = stored[key]
            var new = old ?? Stored(lastDay: seen.lastDay, firstRedeemedAt: nil)
            if let old {
                if seen.lastDay > old.lastDay {
                    bump(key.partnerID, day: old.lastDay, AnalyticsMetric.lastActive, scope: key.scope, n: -1)
                    bump(key.partnerID, day: seen.lastDay, AnalyticsMetric.lastActive, scope: key.scope)
                    new.lastDay = seen.lastDay
                }
            } else {
                bump(key.partnerID, day: seen.firstDay, AnalyticsMetric.membersFirst, scope: key.scope)
                bump(key.partnerID, day: seen.lastDay, AnalyticsMetric.lastActive, scope: key.scope)
            }
            if new.firstRedeemedAt == nil, let at = seen.firstRedeemAt {
                new.firstRedeemedAt = at
                bump(
                    key.partnerID,
                    day: AnalyticsMetric.day(ofMillis: at),
                    AnalyticsMetric.firstRedemption,
                    scope: key.scope,
                    points: max(0, at - seen.joinedAt)
                )
            }
            if old == nil || old!.lastDay != new.lastDay || old!.firstRedeemedAt != new.firstRedeemedAt { writes.append((key, new)) }
        }
        guard !writes.isEmpty else { return }
        for chunk in writes.chunked(unnest ? writes.count : 400) {
            let source: SQLQueryString
            if unnest {
                source = """
                    SELECT p, s, c, d, NULLIF(f, -1) FROM unnest(\(bind: chunk.map(\.0.partnerID)), \(bind: chunk.map(\.0.scope)),
                      \(bind: chunk.map(\.0.customerID)), \(bind: chunk.map(\.1.lastDay)), \(bind: chunk.map { $0.1.firstRedeemedAt ?? -1 })) AS v(p, s, c, d, f)
                    """
            } else {
                source =
                    "VALUES "
                    + chunk.map { k, s in
                        "(\(bind: k.partnerID), \(bind: k.scope), \(bind: k.customerID), \(bind: s.lastDay), \(bind: s.firstRedeemedAt))"
                            as SQLQueryString
                    }.joined(", ")
            }
            try await db.raw(
                """
                INSERT INTO member_activity (partner_id, scope, customer_id, last_day, first_redeemed_at) \(source)
                ON CONFLICT (partner_id, scope, customer_id) DO UPDATE SET last_day = excluded.last_day, first_redeemed_at = excluded.first_redeemed_at
                """
            ).run()
        }
    }

    private mutating func foldTiers(_ db: any SQLDatabase, unnest: Bool) async throws {
        guard !tiers.isEmpty else { return }
        var stored: [CardKey: String] = [:]
        for (partnerID, keys) in Dictionary(grouping: tiers.keys, by: \.partnerID) {
            for chunk in keys.map(\.cardID).sorted().chunked(500) {
                let list = chunk.map { "\(bind: $0)" as SQLQueryString }.joined(", ")
                for r in try await db.raw(
                    "SELECT card_id, tier FROM analytics_card_tiers WHERE partner_id = \(bind: partnerID) AND card_id IN (\(list))"
                ).all() {
                    stored[CardKey(partnerID: partnerID, cardID: try r.decode(column: "card_id", as: Int64.self))] = try r.decode(
                        column: "tier",
                        as: String.self
                    )
                }
            }
        }
        var writes: [(CardKey, String)] = []
        for (key, tier) in tiers.sorted(by: { $0.key < $1.key }) {
            let old = stored[key]
            guard old != tier else { continue }
            if let old { bump(key.partnerID, day: AnalyticsMetric.stateDay, AnalyticsMetric.tier(old), n: -1) }
            bump(key.partnerID, day: AnalyticsMetric.stateDay, AnalyticsMetric.tier(tier))
            writes.append((key, tier))
        }
        for chunk in writes.chunked(400) {
            let values = chunk.map { k, t in "(\(bind: k.partnerID), \(bind: k.cardID), \(bind: t))" as SQLQueryString }.joined(", ")
            try await db.raw(
                """
                INSERT INTO analytics_card_tiers (partner_id, card_id, tier) VALUES \(values)
                ON CONFLICT (partner_id, card_id) DO UPDATE SET tier = excluded.tier
                """
            ).run()
        }
    }

    private static func upsertDaily(_ db: any SQLDatabase, _ daily: [DailyKey: Delta], unnest: Bool) async throws {
        let rows = daily.filter { $0.value.plus != 0 || $0.value.minus != 0 || $0.value.n != 0 }
        // The flows again per month; states (tiers, latest activity) are per day only.
        var monthly: [DailyKey: Delta] = [:]
        for (k, d) in rows where k.day != AnalyticsMetric.stateDay && k.metric != AnalyticsMetric.lastActive {
            var m = k
            m.day = AnalyticsInterval.month.bucket(k.day)
            var sum = monthly[m] ?? Delta()
            sum.plus += d.plus
            sum.minus += d.minus
            sum.n += d.n
            monthly[m] = sum
        }
        try await upsert(db, table: "analytics_daily", column: "day", rows, unnest: unnest)
        try await upsert(db, table: "analytics_monthly", column: "month", monthly, unnest: unnest)
    }

    private static func upsert(_ db: any SQLDatabase, table: String, column: String, _ rows: [DailyKey: Delta], unnest: Bool) async throws {
        guard !rows.isEmpty else { return }
        // Sorted: two transactions touching the same rows lock them in the same order.
        let sorted = rows.sorted(by: { $0.key < $1.key })
        for chunk in sorted.chunked(unnest ? sorted.count : 400) {
            let values: SQLQueryString
            if unnest {
                values = """
                    SELECT * FROM unnest(\(bind: chunk.map(\.key.partnerID)), \(bind: chunk.map(\.key.scope)), \(bind: chunk.map(\.key.day)),
                      \(bind: chunk.map(\.key.metric)), \(bind: chunk.map(\.key.subject)), \(bind: chunk.map(\.value.plus)), \(bind: chunk.map(\.value.minus)),
                      \(bind: chunk.map(\.value.n)))
                    """
            } else {
                values =
                    "VALUES "
                    + chunk.map { k, d in
                        "(\(bind: k.partnerID), \(bind: k.scope), \(bind: k.day), \(bind: k.metric), \(bind: k.subject), \(bind: d.plus), \(bind: d.minus), \(bind: d.n))"
                            as SQLQueryString
                    }.joined(", ")
            }
            try await db.raw(
                """
                INSERT INTO \(unsafeRaw: table) (partner_id, scope, \(unsafeRaw: column), metric, subject_id, plus, minus, n) \(values)
                ON CONFLICT (partner_id, scope, \(unsafeRaw: column), metric, subject_id) DO UPDATE SET plus = \(unsafeRaw: table).plus + excluded.plus,
                  minus = \(unsafeRaw: table).minus + excluded.minus, n = \(unsafeRaw: table).n + excluded.n
                """
            ).run()
        }
    }
}
