import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// A background export or import of one partner (`data_jobs`).
public struct DataJob: Sendable, Hashable {
    public enum Kind: String, Sendable { case export, `import` }
    public enum Status: String, Sendable { case queued, running, completed, failed, expired }

    public var id: Int64
    public var partnerID: Int64
    public var kind: Kind
    /// What is exported or imported (`customers`, `transactions`, `ledger`, `coupons`).
    public var type: String
    /// `csv`, `ndjson` or `xlsx`.
    public var format: String
    /// The filters as sent, a JSON object.
    public var filters: String
    public var status: Status
    public var rowsDone: Int64
    public var rowsTotal: Int64?
    public var rowsFailed: Int64
    public var bytes: Int64
    public var chunks: Int64
    public var error: String?
    /// Imports: `[{row, field, message}]` (the first 1,000), a JSON array.
    public var rowErrors: String
    public var actor: String
    public var attempts: Int64
    public var createdAt: Int64
    public var startedAt: Int64?
    public var completedAt: Int64?
    public var expiresAt: Int64?
}

/// Jobs and their files, stored in chunks so that any node can run a job or serve its
/// download, and memory holds one chunk at a time.
///
/// Contract: ``claim(now:leaseMillis:)`` hands a queued job (or one whose node stopped
/// renewing its lease) to exactly one caller, deleting any output of an earlier attempt;
/// the runner renews the lease with ``progress(id:rowsDone:rowsTotal:rowsFailed:leaseUntil:)``
/// and ends with ``complete(id:rowsDone:rowsFailed:rowErrors:bytes:expiresAt:now:)`` or
/// ``fail(id:error:now:)``. `bytes` nil keeps the size the output chunks added up to.
public protocol DataJobRepository: Sendable {
    /// A queued job; `input` (an import's upload, in chunks) is stored with it, so no
    /// worker sees the job before its input.
    func create(
        partnerID: Int64,
        kind: DataJob.Kind,
        type: String,
        format: String,
        filters: String,
        actor: String,
        input: [Data]
    ) async throws
        -> DataJob
    func job(partnerID: Int64, id: Int64) async throws -> DataJob?
    func jobs(partnerID: Int64, kind: DataJob.Kind, page: PageRequest) async throws -> Page<DataJob>
    func claim(now: Int64, leaseMillis: Int64) async throws -> DataJob?
    /// Whether ``claim(now:leaseMillis:)`` would find a job (a read, for idle polling).
    func hasClaimable(now: Int64) async throws -> Bool
    func progress(id: Int64, rowsDone: Int64, rowsTotal: Int64?, rowsFailed: Int64, leaseUntil: Int64) async throws
    func appendChunk(id: Int64, part: String, seq: Int64, data: Data) async throws
    func chunk(id: Int64, part: String, seq: Int64) async throws -> Data?
    func complete(id: Int64, rowsDone: Int64, rowsFailed: Int64, rowErrors: String, bytes: Int64?, expiresAt: Int64?, now: Int64) async throws
    func fail(id: Int64, error: String, now: Int64) async throws
    /// Removes the job and its chunks; false when it is not the partner's.
    func delete(partnerID: Int64, id: Int64) async throws -> Bool
    /// Completed exports past their expiry lose their file and become `expired`.
    func expire(now: Int64) async throws -> Int
}

public struct SQLDataJobRepository: DataJobRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    static let columns = """
        id, partner_id, kind, type, format, filters, status, rows_done, rows_total, rows_failed, bytes, chunks, error, row_errors, actor, \
        attempts, created_at, started_at, completed_at, expires_at
        """

    static func job(_ r: any SQLRow) throws -> DataJob {
        DataJob(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            kind: DataJob.Kind(rawValue: try r.decode(column: "kind", as: String.self)) ?? .export,
            type: try r.decode(column: "type", as: String.self),
            format: try r.decode(column: "format", as: String.self),
            filters: try r.decode(column: "filters", as: String.self),
            status: DataJob.Status(rawValue: try r.decode(column: "status", as: String.self)) ?? .failed,
            rowsDone: try r.decode(column: "rows_done", as: Int64.self),
            rowsTotal: try r.decode(column: "rows_total", as: Int64?.self),
            rowsFailed: try r.decode(column: "rows_failed", as: Int64.self),
            bytes: try r.decode(column: "bytes", as: Int64.self),
            chunks: try r.decode(column: "chunks", as: Int64.self),
            error: try r.decode(column: "error", as: String?.self),
            rowErrors: try r.decode(column: "row_errors", as: String.self),
            actor: try r.decode(column: "actor", as: String.self),
            attempts: try r.decode(column: "attempts", as: Int64.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            startedAt: try r.decode(column: "started_at", as: Int64?.self),
            completedAt: try r.decode(column: "completed_at", as: Int64?.self),
            expiresAt: try r.decode(column: "expires_at", as: Int64?.self)
        )
    }

    public func create(
        partnerID: Int64,
        kind: DataJob.Kind,
        type: String,
        format: String,
        filters: String,
        actor: String,
        input: [Data]
    ) async throws
        -> DataJob
    {
        let now = clock.nowMillis()
        return try await database.write { db in
            let row = try await db.raw(
                """
                INSERT INTO data_jobs (partner_id, kind, type, format, filters, status, actor, created_at)
                VALUES (\(bind: partnerID), \(bind: kind.rawValue), \(bind: type), \(bind: format), \(bind: filters), 'queued', \(bind: actor), \(bind: now))
                RETURNING \(unsafeRaw: Self.columns)
                """
            ).first()
            let job = try Self.job(try row.required("data job insert"))
            for (seq, data) in input.enumerated() {
                try await db.raw(
                    "INSERT INTO data_job_chunks (job_id, part, seq, data) VALUES (\(bind: job.id), 'input', \(bind: Int64(seq)), \(bind: data))"
                ).run()
            }
            return job
        }
    }

    public func job(partnerID: Int64, id: Int64) async throws -> DataJob? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM data_jobs WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)").first()
                .map(Self.job)
        }
    }

    public func jobs(partnerID: Int64, kind: DataJob.Kind, page: PageRequest) async throws -> Page<DataJob> {
        try await database.read { db in
            let total = try Rows.count(
                try await db.raw("SELECT COUNT(*) AS n FROM data_jobs WHERE partner_id = \(bind: partnerID) AND kind = \(bind: kind.rawValue)")
                    .first()
            )
            let items = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.columns) FROM data_jobs WHERE partner_id = \(bind: partnerID) AND kind = \(bind: kind.rawValue)
                ORDER BY id DESC LIMIT \(bind: page.perPage) OFFSET \(bind: page.offset)
                """
            ).all().map(Self.job)
            return Page(items: items, request: page, total: total)
        }
    }

    /// Queued, or running on a node whose lease lapsed.
    static func claimable(now: Int64) -> SQLQueryString {
        "status = 'queued' OR (status = 'running' AND lease_until < \(bind: now))"
    }

    public func hasClaimable(now: Int64) async throws -> Bool {
        try await database.read { db in
            try await db.raw(
                "SELECT id FROM data_jobs WHERE \(Self.claimable(now: now)) LIMIT 1"
            ).first() != nil
        }
    }

    public func claim(now: Int64, leaseMillis: Int64) async throws -> DataJob? {
        try await database.write { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT id FROM data_jobs WHERE \(Self.claimable(now: now))
                    ORDER BY id LIMIT 1\(unsafeRaw: database.features.forUpdateSkipLocked)
                    """
                ).first()
            else { return nil }
            let id = try row.decode(column: "id", as: Int64.self)
            // An earlier attempt's output (its node stopped) is discarded: the job starts over.
            try await db.raw("DELETE FROM data_job_chunks WHERE job_id = \(bind: id) AND part = 'output'").run()
            return try await db.raw(
                """
                UPDATE data_jobs SET status = 'running', attempts = attempts + 1, lease_until = \(bind: now + leaseMillis), started_at = \(bind: now),
                  rows_done = 0, rows_failed = 0, bytes = 0, chunks = 0 WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.columns)
                """
            ).first().map(Self.job)
        }
    }

    public func progress(id: Int64, rowsDone: Int64, rowsTotal: Int64?, rowsFailed: Int64, leaseUntil: Int64) async throws {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE data_jobs SET rows_done = \(bind: rowsDone), rows_total = COALESCE(\(bind: rowsTotal), rows_total),
                  rows_failed = \(bind: rowsFailed), lease_until = \(bind: leaseUntil) WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    public func appendChunk(id: Int64, part: String, seq: Int64, data: Data) async throws {
        try await database.write { db in
            try await db.raw("INSERT INTO data_job_chunks (job_id, part, seq, data) VALUES (\(bind: id), \(bind: part), \(bind: seq), \(bind: data))")
                .run()
            if part == "output" {
                try await db.raw("UPDATE data_jobs SET chunks = chunks + 1, bytes = bytes + \(bind: Int64(data.count)) WHERE id = \(bind: id)").run()
            }
        }
    }

    public func chunk(id: Int64, part: String, seq: Int64) async throws -> Data? {
        try await database.read { db in
            try await db.raw("SELECT data FROM data_job_chunks WHERE job_id = \(bind: id) AND part = \(bind: part) AND seq = \(bind: seq)").first()?
                .decode(column: "data", as: Data.self)
        }
    }

    public func complete(id: Int64, rowsDone: Int64, rowsFailed: Int64, rowErrors: String, bytes: Int64?, expiresAt: Int64?, now: Int64) async throws
    {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE data_jobs SET status = 'completed', rows_done = \(bind: rowsDone), rows_failed = \(bind: rowsFailed),
                  row_errors = \(bind: rowErrors), bytes = COALESCE(\(bind: bytes), bytes), completed_at = \(bind: now), expires_at = \(bind: expiresAt), lease_until = NULL
                WHERE id = \(bind: id)
                """
            ).run()
            // An import's upload is not kept once it ran.
            try await db.raw("DELETE FROM data_job_chunks WHERE job_id = \(bind: id) AND part = 'input'").run()
        }
    }

    public func fail(id: Int64, error: String, now: Int64) async throws {
        try await database.write { db in
            try await db.raw(
                "UPDATE data_jobs SET status = 'failed', error = \(bind: error), completed_at = \(bind: now), lease_until = NULL WHERE id = \(bind: id)"
            ).run()
            try await db.raw("DELETE FROM data_job_chunks WHERE job_id = \(bind: id)").run()
        }
    }

    public func delete(partnerID: Int64, id: Int64) async throws -> Bool {
        try await database.write { db in
            guard try await db.raw("SELECT id FROM data_jobs WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)").first() != nil else {
                return false
            }
            try await db.raw("DELETE FROM data_job_chunks WHERE job_id = \(bind: id)").run()
            try await db.raw("DELETE FROM data_jobs WHERE id = \(bind: id)").run()
            return true
        }
    }

    public func expire(now: Int64) async throws -> Int {
        try await database.write { db in
            let ids = try await db.raw(
                "SELECT id FROM data_jobs WHERE status = 'completed' AND expires_at IS NOT NULL AND expires_at < \(bind: now) LIMIT 100"
            ).all().map { try $0.decode(column: "id", as: Int64.self) }
            for id in ids {
                try await db.raw("DELETE FROM data_job_chunks WHERE job_id = \(bind: id)").run()
                try await db.raw("UPDATE data_jobs SET status = 'expired' WHERE id = \(bind: id)").run()
            }
            return ids.count
        }
    }
}
