import LoyaltyCore
import SQLKit

/// Reads of the analytics rollups (never of the ledger). A range reads its whole
/// calendar months from the monthly rollup and only the days at its ends from the
/// daily one, so the rows read grow with the months of the range, not its entries.
///
/// `scope` is a shop id, or ``AnalyticsMetric/partnerScope`` for partner-wide figures.
public protocol AnalyticsRepository: Sendable {
    /// Per metric, the sums over the days `[fromDay, toDay]` in `scope` (all subjects).
    func totals(partnerID: Int64, fromDay: Int64, toDay: Int64, scope: Int64) async throws -> [String: AnalyticsSums]
    /// Per shop (every scope but the partner's), per metric, the sums over the days.
    func totalsByShop(partnerID: Int64, fromDay: Int64, toDay: Int64) async throws -> [Int64: [String: AnalyticsSums]]
    /// Sums per `interval` bucket (`day` is the bucket's first day) of the ledger metrics
    /// and `membersMetric`.
    func series(
        partnerID: Int64,
        fromDay: Int64,
        toDay: Int64,
        scope: Int64,
        interval: AnalyticsInterval,
        membersMetric: String
    ) async throws
        -> [AnalyticsRow]
    /// Members whose latest activity in the scope is on or after `sinceDay`.
    func activeMembers(partnerID: Int64, scope: Int64, sinceDay: Int64) async throws -> Int64
    /// Cards per latest recorded tier ("" = none recorded as a change) and all cards.
    func tiers(partnerID: Int64) async throws -> (cards: Int64, byTier: [String: Int64])
    /// The `limit` subjects of `metric` with most events in the range: `(subject, sums)`.
    func top(partnerID: Int64, metric: String, fromDay: Int64, toDay: Int64, limit: Int) async throws -> [(Int64, AnalyticsSums)]
    /// When every source was last rolled (the oldest), epoch ms; 0 before the first roll.
    func rolledAt() async throws -> Int64
    /// The partner's configured value of a point, in thousandths of a minor unit, and
    /// its currency; nil when not configured.
    func pointValue(partnerID: Int64) async throws -> (milli: Int64, currency: String)?
    func setPointValue(partnerID: Int64, milli: Int64?, currency: String?) async throws
}

public struct SQLAnalyticsRepository: AnalyticsRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    static func sums(_ r: any SQLRow) throws -> AnalyticsSums {
        AnalyticsSums(
            plus: try r.decode(column: "plus", as: Int64?.self) ?? 0,
            minus: try r.decode(column: "minus", as: Int64?.self) ?? 0,
            n: try r.decode(column: "n", as: Int64?.self) ?? 0
        )
    }

    /// `SELECT <group>, sums FROM (daily and monthly pieces of the range) GROUP BY <group>`;
    /// `bucket` gives each piece's `bucket` column. Nil when the range is empty.
    static func rangeQuery(
        partnerID: Int64,
        fromDay: Int64,
        toDay: Int64,
        pieces: [(monthly: Bool, lo: Int64, hi: Int64)]? = nil,
        scope: SQLQueryString,
        metrics: SQLQueryString = "1 = 1",
        bucket: ((monthly: Bool, lo: Int64, hi: Int64)) -> SQLQueryString = { _ in "0" },
        group: String,
        tail: String = ""
    ) -> SQLQueryString? {
        let parts = pieces ?? AnalyticsReport.pieces(from: fromDay, to: toDay)
        guard !parts.isEmpty else { return nil }
        let selects = parts.map { piece -> SQLQueryString in
            let (table, column) = piece.monthly ? ("analytics_monthly", "month") : ("analytics_daily", "day")
            return """
                SELECT \(bucket(piece)) AS bucket, scope, metric, subject_id, plus, minus, n FROM \(unsafeRaw: table)
                WHERE partner_id = \(bind: partnerID) AND \(scope) AND \(unsafeRaw: column) >= \(bind: piece.lo)
                  AND \(unsafeRaw: column) <= \(bind: piece.hi) AND \(metrics)
                """
        }.joined(" UNION ALL ")
        return """
            SELECT \(unsafeRaw: group), CAST(SUM(plus) AS BIGINT) AS plus, CAST(SUM(minus) AS BIGINT) AS minus, CAST(SUM(n) AS BIGINT) AS n
            FROM (\(selects)) x GROUP BY \(unsafeRaw: group)\(unsafeRaw: tail)
            """
    }

    public func totals(partnerID: Int64, fromDay: Int64, toDay: Int64, scope: Int64) async throws -> [String: AnalyticsSums] {
        guard let sql = Self.rangeQuery(partnerID: partnerID, fromDay: fromDay, toDay: toDay, scope: "scope = \(bind: scope)", group: "metric")
        else { return [:] }
        return try await database.read { db in
            var out: [String: AnalyticsSums] = [:]
            for r in try await db.raw(sql).all() { out[try r.decode(column: "metric", as: String.self)] = try Self.sums(r) }
            return out
        }
    }

    public func totalsByShop(partnerID: Int64, fromDay: Int64, toDay: Int64) async throws -> [Int64: [String: AnalyticsSums]] {
        guard let sql = Self.rangeQuery(partnerID: partnerID, fromDay: fromDay, toDay: toDay, scope: "scope >= 0", group: "scope, metric")
        else { return [:] }
        return try await database.read { db in
            var out: [Int64: [String: AnalyticsSums]] = [:]
            for r in try await db.raw(sql).all() {
                out[try r.decode(column: "scope", as: Int64.self), default: [:]][try r.decode(column: "metric", as: String.self)] = try Self.sums(r)
            }
            return out
        }
    }

    public func series(
        partnerID: Int64,
        fromDay: Int64,
        toDay: Int64,
        scope: Int64,
        interval: AnalyticsInterval,
        membersMetric: String
    ) async throws
        -> [AnalyticsRow]
    {
        // Days and weeks need days; months read whole months and the days at the ends.
        let pieces: [(monthly: Bool, lo: Int64, hi: Int64)] =
            interval == .month ? AnalyticsReport.pieces(from: fromDay, to: toDay) : fromDay <= toDay ? [(false, fromDay, toDay)] : []
        let bucket: ((monthly: Bool, lo: Int64, hi: Int64)) -> SQLQueryString = { piece in
            switch interval {
            case .day: return "day"
            case .week: return "day - ((day + 3) % 7)"
            case .month: return piece.monthly ? "month" : "\(unsafeRaw: String(AnalyticsInterval.month.bucket(piece.lo)))"
            }
        }
        guard
            let sql = Self.rangeQuery(
                partnerID: partnerID,
                fromDay: fromDay,
                toDay: toDay,
                pieces: pieces,
                scope: "scope = \(bind: scope)",
                metrics: "(metric LIKE 'ledger:%' OR metric = \(bind: membersMetric))",
                bucket: bucket,
                group: "bucket, metric"
            )
        else { return [] }
        return try await database.read { db in
            try await db.raw(sql).all().map { r in
                AnalyticsRow(
                    day: try r.decode(column: "bucket", as: Int64.self),
                    metric: try r.decode(column: "metric", as: String.self),
                    subject: 0,
                    sums: try Self.sums(r)
                )
            }
        }
    }

    public func activeMembers(partnerID: Int64, scope: Int64, sinceDay: Int64) async throws -> Int64 {
        try await database.read { db in
            try await db.raw(
                """
                SELECT CAST(SUM(n) AS BIGINT) AS n FROM analytics_daily WHERE partner_id = \(bind: partnerID) AND metric = 'last_active'
                  AND scope = \(bind: scope) AND day >= \(bind: sinceDay)
                """
            ).first()?.decode(column: "n", as: Int64?.self) ?? 0
        }
    }

    public func tiers(partnerID: Int64) async throws -> (cards: Int64, byTier: [String: Int64]) {
        try await database.read { db in
            var byTier: [String: Int64] = [:]
            for r in try await db.raw(
                """
                SELECT metric, n FROM analytics_daily WHERE partner_id = \(bind: partnerID) AND scope = -1
                  AND day = \(bind: AnalyticsMetric.stateDay) AND metric LIKE 'tier:%'
                """
            ).all() {
                let n = try r.decode(column: "n", as: Int64.self)
                if n != 0 { byTier[String(try r.decode(column: "metric", as: String.self).dropFirst(AnalyticsMetric.tierPrefix.count))] = n }
            }
            let cards =
                try await db.raw(
                    """
                    SELECT CAST(SUM(n) AS BIGINT) AS n FROM analytics_monthly WHERE partner_id = \(bind: partnerID) AND scope = -1
                      AND metric = \(bind: AnalyticsMetric.cardsNew)
                    """
                ).first()?.decode(column: "n", as: Int64?.self) ?? 0
            return (cards, byTier)
        }
    }

    public func top(partnerID: Int64, metric: String, fromDay: Int64, toDay: Int64, limit: Int) async throws -> [(Int64, AnalyticsSums)] {
        guard
            let sql = Self.rangeQuery(
                partnerID: partnerID,
                fromDay: fromDay,
                toDay: toDay,
                scope: "scope = -1",
                metrics: "metric = \(bind: metric)",
                group: "subject_id",
                tail: " ORDER BY n DESC, subject_id LIMIT \(max(1, limit))"
            )
        else { return [] }
        return try await database.read { db in
            try await db.raw(sql).all().map { r in (try r.decode(column: "subject_id", as: Int64.self), try Self.sums(r)) }
        }
    }

    public func rolledAt() async throws -> Int64 {
        try await database.read { db in
            try await db.raw("SELECT MIN(updated_at) AS n FROM analytics_state").first()?.decode(column: "n", as: Int64?.self) ?? 0
        }
    }

    public func pointValue(partnerID: Int64) async throws -> (milli: Int64, currency: String)? {
        try await database.read { db in
            guard
                let r = try await db.raw(
                    "SELECT point_value_milli, liability_currency FROM partner_settings WHERE partner_id = \(bind: partnerID)"
                ).first(),
                let milli = try r.decode(column: "point_value_milli", as: Int64?.self)
            else { return nil }
            return (milli, try r.decode(column: "liability_currency", as: String?.self) ?? "EUR")
        }
    }

    public func setPointValue(partnerID: Int64, milli: Int64?, currency: String?) async throws {
        let now = clock.nowMillis()
        try await database.write { db in
            try await db.raw(
                """
                INSERT INTO partner_settings (partner_id, updated_at, point_value_milli, liability_currency)
                VALUES (\(bind: partnerID), \(bind: now), \(bind: milli), \(bind: currency))
                ON CONFLICT (partner_id) DO UPDATE SET point_value_milli = excluded.point_value_milli,
                  liability_currency = excluded.liability_currency, updated_at = excluded.updated_at
                """
            ).run()
        }
    }
}
