import LoyaltyCore
import LoyaltyModels
import SQLKit

/// One page of the event feed.
public struct EventPage: Sendable {
    public var events: [PublishedEvent]
    /// Where to continue: the last event's cursor, or how far the scan got when a type
    /// filter left the page short; the given cursor when nothing new was published.
    public var nextCursor: Int64
    public var hasMore: Bool
}

/// The replayable event feed.
public protocol EventRepository: Sendable {
    /// A partner's events after cursor `after` (exclusive), oldest first, optionally
    /// only of `types`. Throws ``LoyaltyError/cursorExpired`` when events after the
    /// cursor have already been pruned by retention.
    func events(partnerID: Int64, after: Int64, types: [String], limit: Int) async throws -> EventPage
    /// Deletes published facts created before `cutoff` (up to `limit`) and remembers
    /// the highest number deleted, so an older cursor is refused rather than silently
    /// skipping events. Returns how many facts were deleted.
    func prune(before cutoff: Int64, limit: Int) async throws -> Int
}

public struct SQLEventRepository: EventRepository {
    let database: any DatabaseClient
    /// Facts read per round while a type filter leaves the page short, and the rounds
    /// one call may take.
    static let batch = 500
    static let rounds = 20

    public init(database: any DatabaseClient) {
        self.database = database
    }

    public func events(partnerID: Int64, after: Int64, types: [String], limit: Int) async throws -> EventPage {
        try await database.read { db in
            guard let row = try await db.raw("SELECT pruned_through, salt FROM event_sequence WHERE id = 1").first() else {
                return EventPage(events: [], nextCursor: after, hasMore: false)
            }
            let (fromSeq, fromSub) = EventIdentity.split(after)
            if after > 0, fromSeq < (try row.decode(column: "pruned_through", as: Int64.self)) { throw LoyaltyError.cursorExpired }
            let salt = try row.decode(column: "salt", as: String.self)
            let wanted = Set(types)
            var out: [PublishedEvent] = []
            var scannedTo = after
            var seq = fromSeq
            var first = true
            for _ in 0..<Self.rounds {
                let rows = try await db.raw(
                    """
                    SELECT id, seq, partner_id, event_type, payload, created_at FROM outbox
                    WHERE partner_id = \(bind: partnerID) AND seq \(unsafeRaw: first ? ">=" : ">") \(bind: seq) ORDER BY seq LIMIT
                      \(literal: Self.batch)
                    """
                ).all()
                first = false
                for r in rows {
                    let fact = try EventPublisher.fact(r)
                    for (sub, event) in EventPayload.expand(type: fact.type, data: fact.data, createdAt: fact.createdAt).enumerated() {
                        let cursor = EventIdentity.cursor(seq: fact.seq, sub: sub)
                        if cursor <= after { continue }
                        if !wanted.isEmpty && !wanted.contains(event.type) {
                            scannedTo = cursor
                            continue
                        }
                        if out.count == limit { return EventPage(events: out, nextCursor: out.last?.seq ?? cursor, hasMore: true) }
                        out.append(
                            PublishedEvent(
                                seq: cursor,
                                uuid: EventIdentity.id(salt: salt, seq: fact.seq, sub: sub),
                                partnerID: fact.partnerID,
                                shopID: event.shopID,
                                type: event.type,
                                data: event.data.serializedString(),
                                createdAt: fact.createdAt
                            )
                        )
                        scannedTo = cursor
                    }
                    seq = fact.seq
                }
                if rows.count < Self.batch { return EventPage(events: out, nextCursor: max(after, scannedTo), hasMore: false) }
            }
            return EventPage(events: out, nextCursor: max(after, scannedTo), hasMore: true)
        }
    }

    public func prune(before cutoff: Int64, limit: Int = 5000) async throws -> Int {
        try await database.write { db in
            // Facts are published roughly in id order: delete the published prefix that
            // is older than the cutoff.
            let rows = try await db.raw("SELECT id, seq, created_at FROM outbox ORDER BY id LIMIT \(literal: limit)").all()
            var ids: [Int64] = []
            var highest: Int64 = 0
            for r in rows {
                guard let seq = try r.decode(column: "seq", as: Int64?.self), try r.decode(column: "created_at", as: Int64.self) < cutoff else {
                    break
                }
                ids.append(try r.decode(column: "id", as: Int64.self))
                highest = max(highest, seq)
            }
            guard !ids.isEmpty else { return 0 }
            for chunk in ids.chunked(1000) { try await db.raw("DELETE FROM outbox WHERE id IN (\(binds: Array(chunk)))").run() }
            try await db.raw("UPDATE event_sequence SET pruned_through = \(bind: highest) WHERE id = 1 AND pruned_through < \(bind: highest)").run()
            return ids.count
        }
    }
}
