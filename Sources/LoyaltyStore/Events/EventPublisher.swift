import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Publishes committed outbox facts to the event feed and queues their webhook
/// deliveries, in one transaction per batch.
///
/// Why a separate step: on PostgreSQL an outbox id is taken at insert, not at commit,
/// so a lower id can become visible after a higher one and a feed keyed by it would
/// skip events. The publisher numbers facts (`outbox.seq`) while holding the single
/// `event_sequence` row, so numbers are handed out in commit order of the publishing
/// transactions: once a reader has seen `seq` N, every later fact has a larger one.
/// Several nodes may run it; the row lock (skipped, not waited for, on PostgreSQL)
/// lets one publish at a time.
///
/// Numbering is one in-place update per fact; facts are decoded and expanded into
/// public events (``EventPayload``) only for partners with active webhook endpoints,
/// and the feed expands them again when read (``EventIdentity`` keeps ids stable).
public struct EventPublisher: Sendable {
    public struct Report: Sendable {
        public var facts = 0
        public var events = 0
        public var deliveries = 0
        /// Deliveries queued already claimed for the caller (see `publish`).
        public var claims: [DeliveryQueue.Claim] = []

        public init() {}
    }

    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    /// Publishes up to `limit` outbox facts; each delivery gets `maxAttempts` attempts.
    ///
    /// With `claim`, up to `claim.limit` of the new deliveries are queued already
    /// claimed under a lease (their first attempt counted) and returned in
    /// ``Report/claims`` for the caller to send at once: one write per fresh delivery
    /// fewer than claiming them from the queue. If the caller dies, the lease runs out
    /// and any node picks them up.
    public func publish(limit: Int = 1000, maxAttempts: Int, claim: (limit: Int, leaseMillis: Int64)? = nil, now: Int64? = nil) async throws -> Report
    {
        let now = now ?? clock.nowMillis()
        let skipLocked = database.features.forUpdateSkipLocked
        // A read first: an idle cycle then takes no write lock (SQLite's single writer)
        // and dirties no row (PostgreSQL's row lock on the counter).
        guard try await database.read({ db in try await db.raw("SELECT id FROM outbox WHERE seq IS NULL LIMIT 1").first() != nil }) else {
            return Report()
        }
        return try await database.write { db in
            var report = Report()
            guard let counter = try await db.raw("SELECT last_seq, salt FROM event_sequence WHERE id = 1\(unsafeRaw: skipLocked)").first() else {
                return report
            }
            let base = try counter.decode(column: "last_seq", as: Int64.self)
            let salt = try counter.decode(column: "salt", as: String.self)
            let facts = try await db.raw(
                """
                UPDATE outbox SET seq = \(bind: base) + r.rn
                FROM (SELECT id AS rid, row_number() OVER (ORDER BY id) AS rn FROM outbox WHERE seq IS NULL ORDER BY id LIMIT \(literal: limit)) AS r
                WHERE outbox.id = r.rid
                RETURNING id, seq, partner_id
                """
            ).all().map {
                (
                    id: try $0.decode(column: "id", as: Int64.self), seq: try $0.decode(column: "seq", as: Int64.self),
                    partner: try $0.decode(column: "partner_id", as: Int64.self)
                )
            }
            guard let last = facts.map(\.seq).max() else { return report }
            try await db.raw("UPDATE event_sequence SET last_seq = \(bind: last) WHERE id = 1").run()
            report.facts = facts.count

            // Deliveries, for the partners that have active endpoints.
            struct Hook {
                var id: Int64
                var events: Set<Substring>
                var url: String
                var secret: String
            }
            var hooks: [Int64: [Hook]] = [:]
            for r in try await db.raw(
                """
                SELECT id, partner_id, events, url, secret FROM webhooks WHERE is_active = \(bind: true) AND partner_id IN
                  (\(binds: Array(Set(facts.map(\.partner)))))
                """
            ).all() {
                hooks[try r.decode(column: "partner_id", as: Int64.self), default: []].append(
                    Hook(
                        id: try r.decode(column: "id", as: Int64.self),
                        events: Set(try r.decode(column: "events", as: String.self).split(separator: ",")),
                        url: try r.decode(column: "url", as: String.self),
                        secret: try r.decode(column: "secret", as: String.self)
                    )
                )
            }
            let hooked = facts.filter { hooks[$0.partner] != nil }.map(\.id)
            guard !hooked.isEmpty else { return report }
            var pending: [(cursor: Int64, claim: DeliveryQueue.Claim)] = []
            for chunk in hooked.chunked(1000) {
                for row in try await db.raw(
                    "SELECT id, seq, partner_id, event_type, payload, created_at FROM outbox WHERE id IN (\(binds: Array(chunk))) ORDER BY seq"
                ).all() {
                    let fact = try Self.fact(row)
                    for (sub, event) in EventPayload.expand(type: fact.type, data: fact.data, createdAt: fact.createdAt).enumerated() {
                        report.events += 1
                        for hook in hooks[fact.partnerID] ?? [] where hook.events.contains(Substring(event.type)) {
                            let uuid = UUID().uuidString.lowercased()
                            let body = WebhookBody.render(
                                deliveryID: uuid,
                                eventID: EventIdentity.id(salt: salt, seq: fact.seq, sub: sub),
                                type: event.type,
                                createdAt: fact.createdAt,
                                partnerID: fact.partnerID,
                                shopID: event.shopID,
                                data: event.data
                            )
                            pending.append(
                                (
                                    EventIdentity.cursor(seq: fact.seq, sub: sub),
                                    DeliveryQueue.Claim(
                                        deliveryID: 0,
                                        uuid: uuid,
                                        partnerID: fact.partnerID,
                                        webhookID: hook.id,
                                        eventType: event.type,
                                        body: body,
                                        attempt: 0,
                                        maxAttempts: Int64(maxAttempts),
                                        url: hook.url,
                                        secret: hook.secret
                                    )
                                )
                            )
                        }
                    }
                }
            }
            let claimCount = min(pending.count, max(0, claim?.limit ?? 0))
            let leaseUntil = now + (claim?.leaseMillis ?? 0)
            for (offset, chunk) in Array(pending.enumerated()).chunked(400).map({ ($0.first?.offset ?? 0, $0) }) {
                let values: [SQLQueryString] = chunk.map { i, p in
                    let claimed = i < claimCount
                    let d = p.claim
                    return
                        """
                        (\(bind: d.uuid), \(bind: d.partnerID), \(bind: d.webhookID), \(bind: p.cursor), \(bind: d.eventType), \(bind: d.body),
                          'pending', \(bind: Int64(claimed ? 1 : 0)), \(bind: d.maxAttempts), \(bind: claimed ? leaseUntil : now), \(bind: now))
                        """
                }
                let rows = try await db.raw(
                    """
                    INSERT INTO webhook_deliveries (uuid, partner_id, webhook_id, event_seq, event_type, body, status, attempts, max_attempts,
                      next_attempt_at, created_at)
                    VALUES \(values.joined(", ")) RETURNING id, uuid, webhook_id, next_attempt_at
                    """
                ).all()
                try await DeliveryQueue.enqueue(
                    db,
                    try rows.map {
                        (
                            try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "webhook_id", as: Int64.self),
                            try $0.decode(column: "next_attempt_at", as: Int64.self)
                        )
                    }
                )
                guard offset < claimCount else { continue }
                var ids: [String: Int64] = [:]
                for r in rows { ids[try r.decode(column: "uuid", as: String.self)] = try r.decode(column: "id", as: Int64.self) }
                for (i, p) in chunk where i < claimCount {
                    guard let id = ids[p.claim.uuid] else { continue }
                    var c = p.claim
                    c.deliveryID = id
                    c.attempt = 1
                    report.claims.append(c)
                }
            }
            report.deliveries = pending.count
            return report
        }
    }
}

extension EventPublisher {
    struct Fact {
        var id: Int64
        var seq: Int64
        var partnerID: Int64
        var type: String
        var data: JSON
        var createdAt: Int64
    }

    /// An outbox row (`id, seq, partner_id, event_type, payload, created_at`) with its
    /// payload's `data` decoded.
    static func fact(_ row: any SQLRow) throws -> Fact {
        let payload = try row.decode(column: "payload", as: String.self)
        return Fact(
            id: try row.decode(column: "id", as: Int64.self),
            seq: try row.decode(column: "seq", as: Int64.self),
            partnerID: try row.decode(column: "partner_id", as: Int64.self),
            type: try row.decode(column: "event_type", as: String.self),
            data: (try? JSONDecoder().decode(JSON.self, from: Data(payload.utf8)))?["data"] ?? .object([]),
            createdAt: try row.decode(column: "created_at", as: Int64.self)
        )
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

extension Sequence<SQLQueryString> {
    func joined(_ separator: String) -> SQLQueryString {
        var out: SQLQueryString = ""
        for (i, part) in enumerated() {
            if i > 0 { out += "\(unsafeRaw: separator)" }
            out += part
        }
        return out
    }
}
