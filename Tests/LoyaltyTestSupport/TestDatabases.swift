import Foundation
import Logging
import LoyaltyStore

/// Fresh, migrated databases for tests, without migrating each one: the schema is
/// migrated once per process into a template, and every test gets a copy of it
/// (`CREATE DATABASE ... TEMPLATE` on PostgreSQL, a file copy on SQLite).
public actor TestDatabases {
    public static let shared = TestDatabases()

    private var postgresTemplate: String?
    private var sqliteTemplate: String?

    /// Starts the cluster and migrates both templates, once; later calls return at once.
    public func prepare() async throws {
        try await preparePostgresTemplate()
        try await prepareSQLiteTemplate()
    }

    // Tasks, not values: callers that arrive while a template is being made wait for
    // that one instead of making another (the actor is re-entrant across awaits).
    private var postgresTask: Task<String, any Error>?
    private var sqliteTask: Task<String, any Error>?

    private func preparePostgresTemplate() async throws {
        let task =
            postgresTask
            ?? Task {
                let url = try await PostgresCluster.shared.createDatabase()
                let database = try PostgresDatabaseClient(url: url, maximumConnections: 2, logger: Self.quietLogger)
                try await Self.migrate(database)
                return String(url.split(separator: "/").last ?? "")
            }
        postgresTask = task
        postgresTemplate = try await task.value
    }

    private func prepareSQLiteTemplate() async throws {
        let task =
            sqliteTask
            ?? Task {
                let dir = NSTemporaryDirectory() + "loyalty-template-\(getpid())-\(UUID().uuidString)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                let database = try await SQLiteClient.open(path: dir + "/loyalty.sqlite", logger: Self.quietLogger)
                try await Self.migrate(database)
                return dir
            }
        sqliteTask = task
        sqliteTemplate = try await task.value
    }

    /// A PostgreSQL database on the shared cluster with the current schema.
    public func newPostgresURL() async throws -> String {
        let cluster = PostgresCluster.shared
        try await preparePostgresTemplate()
        // A copy can still fail while another copy of the same template is starting.
        var attempt = 0
        while true {
            do {
                return try await cluster.createDatabase(template: postgresTemplate)
            } catch  where attempt < 10 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// A directory holding a migrated `loyalty.sqlite`.
    public func newSQLiteDirectory() async throws -> String {
        try await prepareSQLiteTemplate()
        guard let template = sqliteTemplate else { throw Shell.Failure(description: "no SQLite template") }
        let dir = NSTemporaryDirectory() + "loyalty-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: template + "/loyalty.sqlite" + suffix) {
            try FileManager.default.copyItem(atPath: template + "/loyalty.sqlite" + suffix, toPath: dir + "/loyalty.sqlite" + suffix)
        }
        return dir
    }

    /// Migrates `database` and closes it: its pool has stopped when this returns.
    static func migrate(_ database: any DatabaseClient) async throws {
        let runner = Task { await database.run() }
        var failure: (any Error)?
        do { try await Migrator(database: database).migrate() } catch { failure = error }
        await database.shutdown()
        runner.cancel()
        await runner.value
        if let failure { throw failure }
    }

    public static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }
}
