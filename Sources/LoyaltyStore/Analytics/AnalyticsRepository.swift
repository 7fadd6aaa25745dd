import LoyaltyCore
import SQLKit

/// Reads of the analytics rollups (never of the ledger): every method reads a few
/// hundred rows at most per day of range, whatever the ledger's size.
///
/// `shopID` nil is the partner-wide scope: ledger figures summed over every shop,
/// member figures from the partner scope. A shop id selects that shop's rows.
public protocol AnalyticsRepository: Sendable {
    /// Rows of `[fromDay, toDay]` in the scope, summed over shops, per day, metric and subject.
    func rows(partnerID: Int64, fromDay: Int64, toDay: Int64, shopID: Int64?) async throws -> [AnalyticsRow]
    /// Per metric, the sums of every day up to `throughDay` (ledger and member metrics).
    func cumulative(partnerID: Int64, throughDay: Int64, shopID: Int64?) async throws -> [String: AnalyticsSums]
    /// Members whose latest activity in the scope is on or after `sinceDay`.
    func activeMembers(partnerID: Int64, shopID: Int64?, sinceDay: Int64) async throws -> Int64
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

    static func scope(_ shopID: Int64?) -> SQLQueryString {
        guard let shopID else { return "(scope = -1 OR metric LIKE 'ledger:%')" }
        return "scope = \(bind: shopID)"
    }

    static func sums(_ r: any SQLRow) throws -> AnalyticsSums {
        AnalyticsSums(
            plus: try r.decode(column: "plus", as: Int64?.self) ?? 0,
            minus: try r.decode(column: "minus", as: Int64?.self) ?? 0,
            n: try r.decode(column: "n", as: Int64?.self) ?? 0
        )
    }

    public func rows(partnerID: Int64, fromDay: Int64, toDay: Int64, shopID: Int64?) async throws -> [AnalyticsRow] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT day, metric, subject_id, CAST(SUM(plus) AS BIGINT) AS plus, CAST(SUM(minus) AS BIGINT) AS minus, CAST(SUM(n) AS BIGINT) AS n
                FROM analytics_daily WHERE partner_id = \(bind: partnerID) AND day >= \(bind: fromDay) AND day <= \(bind: toDay)
                  AND \(Self.scope(shopID)) GROUP BY day, metric, subject_id
                """
            ).all().map { r in
                AnalyticsRow(
                    day: try r.decode(column: "day", as: Int64.self),
                    metric: try r.decode(column: "metric", as: String.self),
                    subject: try r.decode(column: "subject_id", as: Int64.self),
                    sums: try Self.sums(r)
                )
            }
        }
    }

    public func cumulative(partnerID: Int64, throughDay: Int64, shopID: Int64?) async throws -> [String: AnalyticsSums] {
        try await database.read { db in
            var out: [String: AnalyticsSums] = [:]
            for r in try await db.raw(
                """
                SELECT metric, CAST(SUM(plus) AS BIGINT) AS plus, CAST(SUM(minus) AS BIGINT) AS minus, CAST(SUM(n) AS BIGINT) AS n
                FROM analytics_daily WHERE partner_id = \(bind: partnerID) AND day >= 0 AND day <= \(bind: throughDay) AND \(Self.scope(shopID))
                  AND (metric LIKE 'ledger:%' OR metric IN ('members_new', 'members_first', 'cards_new')) GROUP BY metric
                """
            ).all() {
                out[try r.decode(column: "metric", as: String.self)] = try Self.sums(r)
            }
            return out
        }
    }

    public func activeMembers(partnerID: Int64, shopID: Int64?, sinceDay: Int64) async throws -> Int64 {
        try await database.read { db in
            try await db.raw(
                """
                SELECT CAST(SUM(n) AS BIGINT) AS n FROM analytics_daily WHERE partner_id = \(bind: partnerID) AND metric = 'last_active'
                  AND scope = \(bind: shopID ?? AnalyticsMetric.partnerScope) AND day >= \(bind: sinceDay)
                """
            ).first()?.decode(column: "n", as: Int64?.self) ?? 0
        }
    }

    public func tiers(partnerID: Int64) async throws -> (cards: Int64, byTier: [String: Int64]) {
        try await database.read { db in
            var byTier: [String: Int64] = [:]
            var cards: Int64 = 0
            for r in try await db.raw(
                """
                SELECT metric, CAST(SUM(n) AS BIGINT) AS n FROM analytics_daily WHERE partner_id = \(bind: partnerID) AND scope = -1
                  AND (metric LIKE 'tier:%' OR metric = 'cards_new') GROUP BY metric
                """
            ).all() {
                let metric = try r.decode(column: "metric", as: String.self)
                let n = try r.decode(column: "n", as: Int64?.self) ?? 0
                if metric == AnalyticsMetric.cardsNew {
                    cards = n
                } else if n != 0 {
                    byTier[String(metric.dropFirst(AnalyticsMetric.tierPrefix.count))] = n
                }
            }
            return (cards, byTier)
        }
    }

    public func top(partnerID: Int64, metric: String, fromDay: Int64, toDay: Int64, limit: Int) async throws -> [(Int64, AnalyticsSums)] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT subject_id, CAST(SUM(plus) AS BIGINT) AS plus, CAST(SUM(minus) AS BIGINT) AS minus, CAST(SUM(n) AS BIGINT) AS n
                FROM analytics_daily WHERE partner_id = \(bind: partnerID) AND day >= \(bind: fromDay) AND day <= \(bind: toDay)
                  AND metric = \(bind: metric) AND scope = -1
                GROUP BY subject_id ORDER BY n DESC, subject_id LIMIT \(bind: limit)
                """
            ).all().map { r in (try r.decode(column: "subject_id", as: Int64.self), try Self.sums(r)) }
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
