import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Plans and metered usage (issue 14, plans): the operator's limits per partner, API
/// calls counted per month and family, and active customers.
public protocol UsageRepository: Sendable {
    func plan(partnerID: Int64) async throws -> PartnerPlan
    func setPlan(partnerID: Int64, _ plan: PartnerPlan) async throws
    /// Adds counted calls: `(partner, month, family) -> calls`.
    func add(_ counts: [UsageKey: Int64]) async throws
    /// Calls per family in `month` (`YYYY-MM`).
    func calls(partnerID: Int64, month: String) async throws -> [String: Int64]
    /// Distinct customers with a transaction in `[from, to)`.
    func activeCustomers(partnerID: Int64, from: Int64, to: Int64) async throws -> Int64
}

public struct UsageKey: Hashable, Sendable {
    public var partnerID: Int64
    public var month: String
    public var family: String

    public init(partnerID: Int64, month: String, family: String) {
        self.partnerID = partnerID
        self.month = month
        self.family = family
    }
}

public struct SQLUsageRepository: UsageRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    public func plan(partnerID: Int64) async throws -> PartnerPlan {
        try await database.read { db in
            guard
                let r = try await db.raw(
                    """
                    SELECT name, active_customer_limit, shop_calls_limit, partner_calls_limit, member_calls_limit, hard_stop
                    FROM partner_plans WHERE partner_id = \(bind: partnerID)
                    """
                ).first()
            else { return .unlimited }
            return PartnerPlan(
                name: try r.decode(column: "name", as: String.self),
                activeCustomerLimit: try r.decode(column: "active_customer_limit", as: Int64.self),
                shopCallsLimit: try r.decode(column: "shop_calls_limit", as: Int64.self),
                partnerCallsLimit: try r.decode(column: "partner_calls_limit", as: Int64.self),
                memberCallsLimit: try r.decode(column: "member_calls_limit", as: Int64.self),
                hardStop: try r.decode(column: "hard_stop", as: Bool.self)
            )
        }
    }

    public func setPlan(partnerID: Int64, _ p: PartnerPlan) async throws {
        let now = clock.nowMillis()
        try await database.write { db in
            try await db.raw(
                """
                INSERT INTO partner_plans (partner_id, name, active_customer_limit, shop_calls_limit, partner_calls_limit, member_calls_limit,
                  hard_stop, updated_at)
                VALUES (\(bind: partnerID), \(bind: p.name), \(bind: p.activeCustomerLimit), \(bind: p.shopCallsLimit), \(bind: p.partnerCallsLimit),
                  \(bind: p.memberCallsLimit), \(bind: p.hardStop), \(bind: now))
                ON CONFLICT (partner_id) DO UPDATE SET name = excluded.name, active_customer_limit = excluded.active_customer_limit,
                  shop_calls_limit = excluded.shop_calls_limit, partner_calls_limit = excluded.partner_calls_limit,
                  member_calls_limit = excluded.member_calls_limit, hard_stop = excluded.hard_stop, updated_at = excluded.updated_at
                """
            ).run()
        }
    }

    public func add(_ counts: [UsageKey: Int64]) async throws {
        guard !counts.isEmpty else { return }
        try await database.write { db in
            for (k, n) in counts.sorted(by: { ($0.key.partnerID, $0.key.family) < ($1.key.partnerID, $1.key.family) }) {
                try await db.raw(
                    """
                    INSERT INTO usage_counters (partner_id, month, family, calls) VALUES (\(bind: k.partnerID), \(bind: k.month), \(bind: k.family), \(bind: n))
                    ON CONFLICT (partner_id, month, family) DO UPDATE SET calls = usage_counters.calls + excluded.calls
                    """
                ).run()
            }
        }
    }

    public func calls(partnerID: Int64, month: String) async throws -> [String: Int64] {
        try await database.read { db in
            var out: [String: Int64] = [:]
            for r in try await db.raw("SELECT family, calls FROM usage_counters WHERE partner_id = \(bind: partnerID) AND month = \(bind: month)")
                .all()
            {
                out[try r.decode(column: "family", as: String.self)] = try r.decode(column: "calls", as: Int64.self)
            }
            return out
        }
    }

    public func activeCustomers(partnerID: Int64, from: Int64, to: Int64) async throws -> Int64 {
        try await database.read { db in
            let r = try await db.raw(
                """
                SELECT COUNT(DISTINCT customer_id) AS n FROM transactions WHERE partner_id = \(bind: partnerID) AND created_at >= \(bind: from)
                  AND created_at < \(bind: to)
                """
            ).first()
            return Int64(try Rows.count(r))
        }
    }
}
