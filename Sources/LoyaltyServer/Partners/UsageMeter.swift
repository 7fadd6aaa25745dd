import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import Synchronization

/// Counts API calls per partner, month and family in memory, writes them to
/// ``UsageRepository`` every few seconds (``UsageFlushService``), and enforces a plan's
/// hard stops before a request runs.
///
/// Each node sees the others' calls once they are flushed, so with N nodes a quota can
/// be overrun by what they serve in one flush interval; a plan's limit is a business
/// quota, not a security boundary (that is the rate limit's job).
final class UsageMeter: Sendable {
    let repository: any UsageRepository
    let clock: any WallClock
    /// How long a partner's plan and persisted usage are trusted before a reload.
    let cacheMillis: Int64

    private struct Snapshot {
        var plan: PartnerPlan
        var month: String
        var calls: [String: Int64]
        var activeCustomers: Int64
        var loadedAt: Int64
    }

    private let pending = Mutex<[UsageKey: Int64]>([:])
    /// The current month's key and bounds, so a call does not format a date.
    private let currentMonth = Mutex<(key: String, from: Int64, to: Int64)?>(nil)
    private let snapshots = Mutex<[Int64: Snapshot]>([:])

    init(repository: any UsageRepository, clock: any WallClock, cacheSeconds: Double = 10) {
        self.repository = repository
        self.clock = clock
        self.cacheMillis = Int64(cacheSeconds * 1000)
    }

    /// `YYYY-MM` (UTC) of `millis`.
    static func month(_ millis: Int64) -> String { String(Timestamp.iso8601(millis).prefix(7)) }

    /// The first millisecond of `month` and of the month after.
    static func bounds(_ month: String) -> (Int64, Int64) {
        let parts = month.split(separator: "-").compactMap { Int($0) }
        let (y, m) = (parts.first ?? 1970, parts.count > 1 ? parts[1] : 1)
        return (
            Timestamp.epochMillis(year: y, month: m, day: 1), Timestamp.epochMillis(year: m == 12 ? y + 1 : y, month: m == 12 ? 1 : m + 1, day: 1)
        )
    }

    /// The `YYYY-MM` key of `now`, from the cached bounds while `now` is inside them.
    func monthKey(_ now: Int64) -> String {
        if let m = currentMonth.withLock({ $0 }), now >= m.from, now < m.to { return m.key }
        let key = Self.month(now)
        let (from, to) = Self.bounds(key)
        currentMonth.withLock { $0 = (key, from, to) }
        return key
    }

    /// Refuses (402) a call that would go over a hard-stopped monthly quota, else counts it.
    func admitCall(partnerID: Int64, family: String) async throws {
        guard partnerID > 0 else { return }
        let now = clock.nowMillis()
        let month = monthKey(now)
        let snapshot = try await self.snapshot(partnerID: partnerID, now: now)
        let limit = snapshot.plan.callsLimit(family)
        let key = UsageKey(partnerID: partnerID, month: month, family: family)
        if snapshot.plan.hardStop, limit > 0 {
            let used = (snapshot.month == month ? snapshot.calls[family] ?? 0 : 0) + pending.withLock { $0[key] ?? 0 }
            if used >= limit { throw Self.quotaExceeded(metric: "api_calls_\(family)", used: used, quota: limit) }
        }
        pending.withLock { $0[key, default: 0] += 1 }
    }

    /// Refuses (402) a new customer while a hard-stopped plan's active customers are at its limit.
    func admitNewCustomer(partnerID: Int64) async throws {
        let snapshot = try await self.snapshot(partnerID: partnerID, now: clock.nowMillis())
        let limit = snapshot.plan.activeCustomerLimit
        guard snapshot.plan.hardStop, limit > 0, snapshot.activeCustomers >= limit else { return }
        throw Self.quotaExceeded(metric: "active_customers", used: snapshot.activeCustomers, quota: limit)
    }

    static func quotaExceeded(metric: String, used: Int64, quota: Int64) -> APIError {
        APIError(
            status: HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"),
            code: 1322,
            stringCode: .quotaExceeded,
            messageKey: "quota_exceeded",
            args: ["metric": metric, "quota": String(quota)],
            details: [
                ("metric", .string(metric)), ("used", .int(used)), ("quota", .int(quota)), ("requested", .int(1)), ("projected", .int(used + 1)),
                ("reason", .string("hard_stop")),
                (
                    "how_to_resolve",
                    .string("Ask the platform operator to raise the plan's limit or lift its hard stop; the quota resets on the 1st (UTC).")
                ),
            ]
        )
    }

    /// Writes the counted calls; on failure they are kept for the next flush.
    func flush() async throws {
        let taken = pending.withLock { p -> [UsageKey: Int64] in
            let out = p
            p.removeAll()
            return out
        }
        do {
            try await repository.add(taken)
        } catch {
            pending.withLock { p in for (k, n) in taken { p[k, default: 0] += n } }
            throw error
        }
        snapshots.withLock { s in
            for (k, n) in taken where s[k.partnerID]?.month == k.month { s[k.partnerID]?.calls[k.family, default: 0] += n }
        }
    }

    /// This month's usage against the plan, persisted plus this node's unflushed calls.
    func usage(partnerID: Int64) async throws -> (plan: PartnerPlan, month: String, calls: [String: Int64], activeCustomers: Int64) {
        let now = clock.nowMillis()
        let month = Self.month(now)
        let (from, to) = Self.bounds(month)
        var calls = try await repository.calls(partnerID: partnerID, month: month)
        pending.withLock { p in for (k, n) in p where k.partnerID == partnerID && k.month == month { calls[k.family, default: 0] += n } }
        return (
            try await repository.plan(partnerID: partnerID), month, calls,
            try await repository.activeCustomers(partnerID: partnerID, from: from, to: to)
        )
    }

    /// Forgets the cached plan (after an operator changed it on this node).
    func invalidate(partnerID: Int64) { _ = snapshots.withLock { $0.removeValue(forKey: partnerID) } }

    private func snapshot(partnerID: Int64, now: Int64) async throws -> Snapshot {
        let month = monthKey(now)
        if let s = snapshots.withLock({ $0[partnerID] }), s.month == month, now - s.loadedAt < cacheMillis { return s }
        let plan = try await repository.plan(partnerID: partnerID)
        var calls: [String: Int64] = [:]
        var active: Int64 = 0
        // Only what a hard stop needs is read: a plan without one costs one small query per interval.
        if plan.hardStop {
            calls = try await repository.calls(partnerID: partnerID, month: month)
            if plan.activeCustomerLimit > 0 {
                let (from, to) = Self.bounds(month)
                active = try await repository.activeCustomers(partnerID: partnerID, from: from, to: to)
            }
        }
        let s = Snapshot(plan: plan, month: month, calls: calls, activeCustomers: active, loadedAt: now)
        snapshots.withLock { $0[partnerID] = s }
        return s
    }
}
