import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Moves committed outbox facts into the event feed and queues their webhook
/// deliveries, in one transaction per batch.
///
/// Why a separate step: on PostgreSQL an outbox id is taken at insert, not at commit,
/// so a lower id can become visible after a higher one and a feed keyed by it would
/// skip events. The publisher numbers events (`seq`) while holding the single
/// `event_sequence` row, so numbers are handed out in commit order of the publishing
/// transactions: once a reader has seen `seq` N, every later event has a larger one.
/// Several nodes may run it; the row lock (skipped, not waited for, on PostgreSQL)
/// lets one publish at a time.
public struct EventPublisher: Sendable {
    public struct Report: Sendable, Equatable {
        public var facts = 0
        public var events = 0
        public var deliveries = 0

        public init() {}
    }

    let database: any DatabaseClient

    public init(database: any DatabaseClient) {
        self.database = database
    }

    /// Publishes up to `limit` outbox facts; each delivery gets `maxAttempts` attempts.
    public func publish(limit: Int = 1000, maxAttempts: Int, now: Int64 = Clock.nowMillis()) async throws -> Report {
        let skipLocked = database.kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.write { db in
            var report = Report()
            guard let counter = try await db.raw("SELECT last_seq FROM event_sequence WHERE id = 1\(unsafeRaw: skipLocked)").first() else { return report }
            var seq = try counter.decode(column: "last_seq", as: Int64.self)
            let facts = try await db.raw("SELECT id, partner_id, event_type, payload, created_at FROM outbox ORDER BY id LIMIT \(literal: limit)").all()
            guard !facts.isEmpty else { return report }
            report.facts = facts.count

            var ids: [Int64] = []
            var events: [(seq: Int64, uuid: String, partnerID: Int64, event: EventExpansion.Event, createdAt: Int64)] = []
            for row in facts {
                ids.append(try row.decode(column: "id", as: Int64.self))
                let partnerID = try row.decode(column: "partner_id", as: Int64.self)
                let type = try row.decode(column: "event_type", as: String.self)
                let createdAt = try row.decode(column: "created_at", as: Int64.self)
                let payload = try row.decode(column: "payload", as: String.self)
                let data = (try? JSONDecoder().decode(JSON.self, from: Data(payload.utf8)))?["data"] ?? .object([])
                for event in EventExpansion.expand(type: type, data: data, createdAt: createdAt) {
                    seq += 1
                    events.append((seq, UUID().uuidString.lowercased(), partnerID, event, createdAt))
                }
            }

            let partners = Array(Set(events.map(\.partnerID)))
            var hooks: [Int64: [(id: Int64, events: Set<Substring>)]] = [:]
            for r in try await db.raw("SELECT id, partner_id, events FROM webhooks WHERE is_active = \(bind: true) AND partner_id IN (\(binds: partners))").all() {
                hooks[try r.decode(column: "partner_id", as: Int64.self), default: []].append((try r.decode(column: "id", as: Int64.self), Set(try r.decode(column: "events", as: String.self).split(separator: ","))))
            }

            var deliveries: [SQLQueryString] = []
            for chunk in events.chunked(400) {
                var values: [SQLQueryString] = []
                for e in chunk {
                    let data = e.event.data.serializedString()
                    values.append("(\(bind: e.seq), \(bind: e.uuid), \(bind: e.partnerID), \(bind: e.event.shopID), \(bind: e.event.type), \(bind: data), \(bind: e.createdAt), \(bind: now))")
                    for hook in hooks[e.partnerID] ?? [] where hook.events.contains(Substring(e.event.type)) {
                        let uuid = UUID().uuidString.lowercased()
                        let body = WebhookBody.render(deliveryID: uuid, eventID: e.uuid, type: e.event.type, createdAt: e.createdAt, partnerID: e.partnerID, shopID: e.event.shopID, data: e.event.data)
                        deliveries.append("(\(bind: uuid), \(bind: e.partnerID), \(bind: hook.id), \(bind: e.seq), \(bind: e.event.type), \(bind: body), 'pending', 0, \(bind: Int64(maxAttempts)), \(bind: now), \(bind: now))")
                    }
                }
                try await db.raw("INSERT INTO events (seq, uuid, partner_id, shop_id, event_type, data, created_at, published_at) VALUES \(values.joined(", "))").run()
            }
            for chunk in deliveries.chunked(400) {
                try await db.raw("""
                    INSERT INTO webhook_deliveries (uuid, partner_id, webhook_id, event_seq, event_type, body, status, attempts, max_attempts, next_attempt_at, created_at)
                    VALUES \(chunk.joined(", "))
                    """).run()
            }
            try await db.raw("DELETE FROM outbox WHERE id IN (\(binds: ids))").run()
            try await db.raw("UPDATE event_sequence SET last_seq = \(bind: seq) WHERE id = 1").run()
            report.events = events.count
            report.deliveries = deliveries.count
            return report
        }
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
