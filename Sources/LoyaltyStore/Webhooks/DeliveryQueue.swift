import LoyaltyCore
import LoyaltyModels
import SQLKit

/// The webhook delivery queue: claims due deliveries under a lease and records what
/// each attempt did.
///
/// A claim counts the attempt and moves `next_attempt_at` to the end of the lease in
/// the claiming transaction; on PostgreSQL `FOR UPDATE SKIP LOCKED` keeps two nodes
/// off the same rows. A node that dies mid-attempt leaves the delivery due again
/// when the lease ends (at-least-once), and the lost attempt counts as a failure.
public struct DeliveryQueue: Sendable {
    /// A claimed attempt, with what is needed to send it.
    public struct Claim: Sendable {
        public var deliveryID: Int64
        public var uuid: String
        public var partnerID: Int64
        public var webhookID: Int64
        public var eventType: String
        public var body: String
        public var attempt: Int64
        public var maxAttempts: Int64
        public var url: String
        public var secret: String
    }

    /// What one attempt did.
    public struct Outcome: Sendable {
        public var claim: Claim
        public var statusCode: Int64?
        public var error: String?
        public var durationMillis: Int64
        public var responseExcerpt: String?
        public var finishedAt: Int64

        public init(claim: Claim, statusCode: Int64?, error: String?, durationMillis: Int64, responseExcerpt: String?, finishedAt: Int64) {
            self.claim = claim
            self.statusCode = statusCode
            self.error = error
            self.durationMillis = durationMillis
            self.responseExcerpt = responseExcerpt
            self.finishedAt = finishedAt
        }

        public var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }

        /// The attempt as ``DeliveryTally`` counts it.
        var tallied: DeliveryTally.Attempt {
            DeliveryTally.Attempt(
                deliveryID: claim.deliveryID,
                webhookID: claim.webhookID,
                eventType: claim.eventType,
                attempt: claim.attempt,
                maxAttempts: claim.maxAttempts,
                succeeded: succeeded,
                finishedAt: finishedAt
            )
        }
    }

    /// Retry and auto-disable policy.
    public typealias Policy = DeliveryPolicy

    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    /// Claims up to `limit` due deliveries of active endpoints (pending deliveries of a
    /// disabled endpoint are dropped, not claimed). No join in the claim: with one,
    /// PostgreSQL sorted the whole backlog per claim instead of reading the due index
    /// in order (25 ms per claim at 40k queued).
    public func claim(limit: Int, leaseMillis: Int64, now: Int64? = nil) async throws -> [Claim] {
        let now = now ?? clock.nowMillis()
        let lock = database.features.forUpdateSkipLocked
        guard limit > 0,
            try await database.read({ db in
                try await db.raw("SELECT delivery_id FROM webhook_queue WHERE due_at <= \(bind: now) LIMIT 1").first() != nil
            })
        else { return [] }
        return try await database.write { db in
            let due = try await db.raw(
                """
                UPDATE webhook_queue SET due_at = \(bind: now + leaseMillis)
                WHERE delivery_id IN (SELECT delivery_id FROM webhook_queue WHERE due_at <= \(bind: now) ORDER BY due_at LIMIT
                  \(literal: limit)\(unsafeRaw: lock))
                RETURNING delivery_id
                """
            ).all().map { try $0.decode(column: "delivery_id", as: Int64.self) }
            guard !due.isEmpty else { return [] }
            let rows = try await db.raw(
                """
                UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = \(bind: now + leaseMillis)
                WHERE id IN (\(binds: due)) AND status = 'pending'
                RETURNING id, uuid, partner_id, webhook_id, event_type, body, attempts, max_attempts
                """
            ).all()
            guard !rows.isEmpty else { return [] }
            let hookIDs = Array(Set(try rows.map { try $0.decode(column: "webhook_id", as: Int64.self) }))
            var targets: [Int64: (url: String, secret: String)] = [:]
            for r in try await db.raw("SELECT id, url, secret FROM webhooks WHERE id IN (\(binds: hookIDs)) AND is_active = \(bind: true)").all() {
                targets[try r.decode(column: "id", as: Int64.self)] = (
                    try r.decode(column: "url", as: String.self), try r.decode(column: "secret", as: String.self)
                )
            }
            // Disabling drops an endpoint's queue, but a publisher that read the
            // endpoint just before may still have queued one: drop it here.
            let orphans = Set(hookIDs).subtracting(targets.keys)
            for orphan in orphans { try await Self.dropPending(db, webhookID: orphan, now: now) }
            return try rows.compactMap { r in
                let hook = try r.decode(column: "webhook_id", as: Int64.self)
                guard let target = targets[hook] else { return nil }
                return Claim(
                    deliveryID: try r.decode(column: "id", as: Int64.self),
                    uuid: try r.decode(column: "uuid", as: String.self),
                    partnerID: try r.decode(column: "partner_id", as: Int64.self),
                    webhookID: hook,
                    eventType: try r.decode(column: "event_type", as: String.self),
                    body: try r.decode(column: "body", as: String.self),
                    attempt: try r.decode(column: "attempts", as: Int64.self),
                    maxAttempts: try r.decode(column: "max_attempts", as: Int64.self),
                    url: target.url,
                    secret: target.secret
                )
            }
        }
    }

    /// Records a batch of attempts as ``DeliveryTally`` decides: the log rows, each
    /// delivery's next state, the endpoints' consecutive-failure counters, and disables
    /// endpoints that reached `policy.disableAfter` (dropping their pending deliveries
    /// and emitting `webhook.disabled`). Returns the ids of endpoints disabled.
    ///
    /// An outcome whose claim is stale (the lease ran out and another attempt was
    /// claimed) is logged but does not move the delivery.
    @discardableResult
    public func complete(_ outcomes: [Outcome], policy: Policy, now: Int64? = nil) async throws -> [Int64] {
        guard !outcomes.isEmpty else { return [] }
        let now = now ?? clock.nowMillis()
        let unnest = database.features.unnestArrays
        let tally = DeliveryTally(outcomes.map(\.tallied), policy: policy, now: now)
        return try await database.write { db in
            // Failed attempts go to the log table; a successful one is kept on its
            // delivery row (the common case then writes no log row at all).
            for chunk in outcomes.filter({ !$0.succeeded }).chunked(500) {
                let values: [SQLQueryString] = chunk.map { o in
                    """
                    (\(bind: o.claim.deliveryID), \(bind: o.claim.partnerID), \(bind: o.claim.webhookID), \(bind: o.claim.attempt),
                      \(bind: o.statusCode), \(bind: o.error), \(bind: o.durationMillis), \(bind: o.responseExcerpt), \(bind: o.finishedAt))
                    """
                }
                try await db.raw(
                    """
                    INSERT INTO webhook_attempts (delivery_id, partner_id, webhook_id, attempt, status_code, error, duration_ms, response_excerpt,
                      created_at) VALUES \(values.joined(", "))
                    """
                ).run()
            }

            // Each move applies only while the delivery is still pending at that attempt; `moved` is what did.
            var moved = Set<Int64>()
            let successes = outcomes.filter(\.succeeded)
            if !successes.isEmpty {
                // PostgreSQL takes the per-row values as six arrays (a VALUES list of
                // hundreds of parameters cost more to plan than to run); SQLite a VALUES list.
                let source: SQLQueryString
                if unnest {
                    source = """
                        unnest(\(bind: successes.map(\.claim.deliveryID)), \(bind: successes.map(\.claim.attempt)),
                          \(bind: successes.map { $0.statusCode ?? 200 }),
                          \(bind: successes.map(\.durationMillis)), \(bind: successes.map { $0.responseExcerpt ?? "" }),
                            \(bind: successes.map(\.finishedAt)))
                          AS v(column1, column2, column3, column4, column5, column6)
                        """
                } else {
                    let values: [SQLQueryString] = successes.map { o in
                        """
                        (\(bind: o.claim.deliveryID), \(bind: o.claim.attempt), \(bind: o.statusCode ?? 200), \(bind: o.durationMillis),
                          \(bind: o.responseExcerpt ?? ""), \(bind: o.finishedAt))
                        """
                    }
                    source = "(VALUES \(values.joined(", "))) AS v"
                }
                for r in try await db.raw(
                    """
                    UPDATE webhook_deliveries SET status = 'delivered', completed_at = v.column6, success_status = v.column3,
                      success_duration_ms = v.column4, success_excerpt = v.column5
                    FROM \(source)
                    WHERE webhook_deliveries.id = v.column1 AND webhook_deliveries.status = 'pending' AND webhook_deliveries.attempts = v.column2
                    RETURNING webhook_deliveries.id
                    """
                ).all() {
                    moved.insert(try r.decode(column: "id", as: Int64.self))
                }
            }
            var finished = Array(moved)
            for retry in tally.retries {
                let updated = try await db.raw(
                    """
                    UPDATE webhook_deliveries SET next_attempt_at = \(bind: retry.dueAt)
                    WHERE id IN (\(binds: retry.deliveryIDs)) AND status = 'pending' AND attempts = \(bind: retry.attempt) RETURNING id
                    """
                ).all().map { try $0.decode(column: "id", as: Int64.self) }
                moved.formUnion(updated)
                if !updated.isEmpty {
                    try await db.raw("UPDATE webhook_queue SET due_at = \(bind: retry.dueAt) WHERE delivery_id IN (\(binds: updated))").run()
                }
            }
            for group in tally.exhausted {
                let updated = try await db.raw(
                    """
                    UPDATE webhook_deliveries SET status = 'failed', completed_at = \(bind: now)
                    WHERE id IN (\(binds: group.deliveryIDs)) AND status = 'pending' AND attempts = \(bind: group.attempt) RETURNING id
                    """
                ).all().map { try $0.decode(column: "id", as: Int64.self) }
                moved.formUnion(updated)
                finished += updated
            }
            for chunk in finished.chunked(1000) {
                try await db.raw("DELETE FROM webhook_queue WHERE delivery_id IN (\(binds: Array(chunk)))").run()
            }

            // The count is applied inside the UPDATE, against the stored count as other
            // nodes' batches left it (the same rule as ``DeliveryTally/disables(_:storedCount:)``).
            var disabled: [Int64] = []
            let reason = policy.disabledReason
            for change in tally.endpointChanges(moved: moved) {
                let count: SQLQueryString = change.resetsCount ? "\(bind: change.failures)" : "failure_count + \(bind: change.failures)"
                var set: SQLQueryString = "failure_count = \(count)"
                if let s = change.lastSuccessAt { set += ", last_success_at = \(bind: s)" }
                if let f = change.lastFailureAt { set += ", last_failure_at = \(bind: f)" }
                let row = try await db.raw(
                    """
                    UPDATE webhooks SET \(set),
                      disabled_reason = CASE WHEN is_active = \(bind: true) AND \(count) >= \(bind: policy.disableAfter) THEN \(bind: reason) ELSE
                        disabled_reason END,
                      disabled_at = CASE WHEN is_active = \(bind: true) AND \(count) >= \(bind: policy.disableAfter) THEN \(bind: now) ELSE
                        disabled_at END,
                      is_active = CASE WHEN \(count) >= \(bind: policy.disableAfter) THEN \(bind: false) ELSE is_active END
                    WHERE id = \(bind: change.webhookID)
                    RETURNING partner_id, url, failure_count, is_active, disabled_at
                    """
                ).first()
                guard let row, try !row.decode(column: "is_active", as: Bool.self), try row.decode(column: "disabled_at", as: Int64?.self) == now
                else { continue }
                disabled.append(change.webhookID)
                try await Self.dropPending(db, webhookID: change.webhookID, now: now)
                let partnerID = try row.decode(column: "partner_id", as: Int64.self)
                try await Outbox.append(
                    db,
                    partnerID: partnerID,
                    type: EventType.webhookDisabled,
                    data: EventFact.webhookDisabled(
                        webhookID: change.webhookID,
                        url: try row.decode(column: "url", as: String.self),
                        reason: reason,
                        failureCount: try row.decode(column: "failure_count", as: Int64.self)
                    ),
                    now: now
                )
            }
            return disabled
        }
    }

    /// Marks an endpoint's pending deliveries dropped (it was disabled) and empties its queue.
    static func dropPending(_ db: any SQLDatabase, webhookID: Int64, now: Int64) async throws {
        try await db.raw(
            """
            UPDATE webhook_deliveries SET status = 'dropped', completed_at = \(bind: now) WHERE webhook_id = \(bind: webhookID) AND status =
              'pending'
            """
        ).run()
        try await db.raw("DELETE FROM webhook_queue WHERE webhook_id = \(bind: webhookID)").run()
    }

    /// Deletes finished deliveries (and their attempts) created before `cutoff`, up to
    /// `limit` per call.
    public func prune(before cutoff: Int64, limit: Int = 5000) async throws -> Int {
        try await database.write { db in
            let ids = try await db.raw(
                "SELECT id FROM webhook_deliveries WHERE created_at < \(bind: cutoff) AND status <> 'pending' ORDER BY id LIMIT \(literal: limit)"
            ).all().map { try $0.decode(column: "id", as: Int64.self) }
            for chunk in ids.chunked(1000) {
                try await db.raw("DELETE FROM webhook_attempts WHERE delivery_id IN (\(binds: Array(chunk)))").run()
                try await db.raw("DELETE FROM webhook_deliveries WHERE id IN (\(binds: Array(chunk)))").run()
            }
            return ids.count
        }
    }

    /// Puts deliveries on the due queue.
    static func enqueue(_ db: any SQLDatabase, _ items: [(deliveryID: Int64, webhookID: Int64, dueAt: Int64)]) async throws {
        for chunk in items.chunked(1000) {
            let values: [SQLQueryString] = chunk.map { "(\(bind: $0.deliveryID), \(bind: $0.webhookID), \(bind: $0.dueAt))" }
            try await db.raw("INSERT INTO webhook_queue (delivery_id, webhook_id, due_at) VALUES \(values.joined(", "))").run()
        }
    }
}
