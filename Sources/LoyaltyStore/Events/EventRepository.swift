import LoyaltyCore
import LoyaltyModels
import SQLKit

/// The replayable event feed.
public protocol EventRepository: Sendable {
    /// A partner's events after cursor `after` (exclusive), oldest first, optionally
    /// only of `types`. Throws ``LoyaltyError/cursorExpired`` when events after the
    /// cursor have already been pruned by retention.
    func events(partnerID: Int64, after: Int64, types: [String], limit: Int) async throws -> [PublishedEvent]
    /// Deletes events published before `cutoff` (up to `limit`) and remembers the
    /// highest number deleted, so an older cursor is refused rather than silently
    /// skipping events.
    func prune(before cutoff: Int64, limit: Int) async throws -> Int
}

public struct SQLEventRepository: EventRepository {
    let database: any DatabaseClient

    public init(database: any DatabaseClient) {
        self.database = database
    }

    public func events(partnerID: Int64, after: Int64, types: [String], limit: Int) async throws -> [PublishedEvent] {
        try await database.read { db in
            if after > 0, let row = try await db.raw("SELECT pruned_through FROM event_sequence WHERE id = 1").first(),
               after < (try row.decode(column: "pruned_through", as: Int64.self)) {
                throw LoyaltyError.cursorExpired
            }
            var sql: SQLQueryString = "SELECT seq, uuid, partner_id, shop_id, event_type, data, created_at FROM events WHERE partner_id = \(bind: partnerID) AND seq > \(bind: after)"
            if !types.isEmpty { sql += " AND event_type IN (\(binds: types))" }
            sql += " ORDER BY seq LIMIT \(literal: limit)"
            return try await db.raw(sql).all().map { r in
                PublishedEvent(
                    seq: try r.decode(column: "seq", as: Int64.self), uuid: try r.decode(column: "uuid", as: String.self),
                    partnerID: try r.decode(column: "partner_id", as: Int64.self), shopID: try r.decode(column: "shop_id", as: Int64?.self),
                    type: try r.decode(column: "event_type", as: String.self), data: try r.decode(column: "data", as: String.self),
                    createdAt: try r.decode(column: "created_at", as: Int64.self))
            }
        }
    }

    public func prune(before cutoff: Int64, limit: Int = 5000) async throws -> Int {
        try await database.write { db in
            // Events are numbered in publication order, so the expired ones are a prefix
            // of the primary key: walk it from the last prune (no index on time needed).
            guard let mark = try await db.raw("SELECT pruned_through FROM event_sequence WHERE id = 1").first() else { return 0 }
            let from = try mark.decode(column: "pruned_through", as: Int64.self)
            let rows = try await db.raw("SELECT seq, published_at FROM events WHERE seq > \(bind: from) ORDER BY seq LIMIT \(literal: limit)").all()
            var highest: Int64?
            var count = 0
            for r in rows {
                guard try r.decode(column: "published_at", as: Int64.self) < cutoff else { break }
                highest = try r.decode(column: "seq", as: Int64.self)
                count += 1
            }
            guard let highest else { return 0 }
            try await db.raw("DELETE FROM events WHERE seq > \(bind: from) AND seq <= \(bind: highest)").run()
            try await db.raw("UPDATE event_sequence SET pruned_through = \(bind: highest) WHERE id = 1").run()
            return count
        }
    }
}
