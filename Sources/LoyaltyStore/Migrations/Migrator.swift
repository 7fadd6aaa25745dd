import LoyaltyCore
import SQLKit

/// Applies the numbered schema steps that a database has not seen yet.
///
/// Each step runs in its own transaction and records its version in
/// `schema_migrations`, so `migrate` is safe to run on every start and from several
/// nodes (a second node finds the version row and skips). DDL is written once with
/// placeholders for the few types the dialects spell differently.
public struct Migrator: Sendable {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    /// Returns the versions applied by this call (empty when up to date).
    @discardableResult
    public func migrate() async throws -> [Int] {
        let kind = database.kind
        try await database.write { db in
            try await db.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)").run()
        }
        var applied: [Int] = []
        for step in Schema.steps {
            let didApply = try await database.write { db in
                if kind == .postgres {
                    // Serialises concurrent migrators on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.
                    try await db.raw("LOCK TABLE schema_migrations IN EXCLUSIVE MODE").run()
                }
                let existing = try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: step.version)").first()
                if existing != nil { return false }
                for statement in step.statements {
                    try await db.raw(SQLQueryString(Schema.render(statement, for: kind))).run()
                }
                try await db.raw("INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: step.version), \(bind: clock.nowMillis()))")
                    .run()
                return true
            }
            if didApply { applied.append(step.version) }
        }
        return applied
    }
}
