import Foundation
import LoyaltyCore
import SQLKit

/// Maintains the analytics rollups incrementally, so that no analytics question
/// scans the ledger (docs/ANALYTICS.md).
///
/// Each source table (``AnalyticsSource``) is read after its watermark (the last id
/// rolled), in id order, and folded into `analytics_daily` (additive per partner, day,
/// metric, scope and subject), `member_activity` and `analytics_card_tiers` in one
/// transaction with the new watermark. So a figure is never counted twice or lost: a
/// roll either commits with its watermark or not at all.
///
/// Contract:
/// - Any node may roll: the source's state row is taken `FOR UPDATE SKIP LOCKED`, so
///   two nodes never fold the same rows; the loser skips that source for the tick.
/// - PostgreSQL may commit identity values out of order. The roller advances only over
///   a contiguous run of ids; a hole is waited for until `gapGraceMillis` has passed
///   since this node first saw it (far beyond the database deadline, so the insert
///   that held it has rolled back), and then stepped over. SQLite has one writer and
///   commits in id order, so it never waits.
public final class AnalyticsRoller: Sendable {
    let database: any DatabaseClient
    let clock: any WallClock
    let gapGraceMillis: Int64
    let batchSize: Int
    /// Holes seen per source: `(first missing id, when first seen)`.
    private let gaps = LockedDictionary<AnalyticsSource, (id: Int64, seenAt: Int64)>()

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock(), gapGraceMillis: Int64 = 60_000, batchSize: Int = 5_000) {
        self.database = database
        self.clock = clock
        self.gapGraceMillis = gapGraceMillis
        self.batchSize = batchSize
    }

    /// Rolls every source until each is caught up (or `maxBatches` per source ran);
    /// returns the rows folded.
    @discardableResult
    public func rollAll(maxBatches: Int = 100) async throws -> Int {
        var total = 0
        for source in AnalyticsSource.allCases {
            for _ in 0..<maxBatches {
                let n = try await roll(source)
                total += n.folded
                if !n.more { break }
            }
        }
        return total
    }

    /// Folds one batch of `source`; `more` when a full batch was read.
    func roll(_ source: AnalyticsSource) async throws -> (folded: Int, more: Bool) {
        let now = clock.nowMillis()
        let waitsForGaps = database.features.concurrentWriters
        return try await database.write { db in
            guard
                let state = try await db.raw(
                    "SELECT watermark FROM analytics_state WHERE source = \(bind: source.rawValue)\(unsafeRaw: self.database.features.forUpdateSkipLocked)"
                ).first()
            else { return (0, false) }
            let watermark = try state.decode(column: "watermark", as: Int64.self)
            let rows = try await source.fetch(db, after: watermark, limit: self.batchSize)
            let accepted = self.contiguousPrefix(rows, after: watermark, source: source, waitsForGaps: waitsForGaps, now: now)
            guard let last = accepted.last else { return (0, false) }
            var fold = AnalyticsFold()
            for row in accepted { fold.add(row, source: source) }
            try await fold.write(db, unnest: self.database.features.unnestArrays)
            try await db.raw(
                "UPDATE analytics_state SET watermark = \(bind: last.id), updated_at = \(bind: now) WHERE source = \(bind: source.rawValue)"
            ).run()
            return (accepted.count, rows.count == self.batchSize && accepted.count == rows.count)
        }
    }

    /// The rows that may be folded now: ids continue from `watermark` without a hole,
    /// or across a hole older than the grace period.
    func contiguousPrefix(_ rows: [SourceRow], after watermark: Int64, source: AnalyticsSource, waitsForGaps: Bool, now: Int64) -> [SourceRow] {
        guard waitsForGaps else { return rows }
        var expected = watermark + 1
        for (i, row) in rows.enumerated() {
            if row.id != expected {
                let seen = gaps.value(source)
                if let seen, seen.id == expected {
                    if now - seen.seenAt < gapGraceMillis { return Array(rows[..<i]) }
                } else {
                    gaps.set(source, (expected, now))
                    return Array(rows[..<i])
                }
            }
            expected = row.id + 1
        }
        return rows
    }
}

/// A dictionary behind a lock, for the roller's small per-node memory.
final class LockedDictionary<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    private var storage: [Key: Value] = [:]
    private let lock = NSLock()

    func value(_ key: Key) -> Value? { lock.withLock { storage[key] } }
    func set(_ key: Key, _ value: Value) { lock.withLock { storage[key] = value } }
}
