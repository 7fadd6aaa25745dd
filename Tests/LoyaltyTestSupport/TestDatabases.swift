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

    /// A PostgreSQL database on the shared cluster with the current schema.
    public func newPostgresURL() async throws -> String {
        let cluster = PostgresCluster.shared
        if postgresTemplate == nil {
            let url = try await cluster.createDatabase()
            let database = try PostgresDatabaseClient(url: url, maximumConnections: 2, logger: Self.quietLogger)
            try await Self.migrate(database)
            postgresTemplate = String(url[url.index(after: url.range(of: "/", options: .backwards)!.lowerBound)...])
        }
        // The template's pool closes its connections asynchronously after cancellation;
        // PostgreSQL refuses to copy a database that still has sessions.
        var attempt = 0
        while true {
            do {
                return try await cluster.createDatabase(template: postgresTemplate)
            } catch where attempt < 50 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// A directory holding a migrated `loyalty.sqlite`.
    public func newSQLiteDirectory() async throws -> String {
        if sqliteTemplate == nil {
            let dir = NSTemporaryDirectory() + "loyalty-template-\(getpid())-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let database = try await SQLiteClient.open(path: dir + "/loyalty.sqlite", logger: Self.quietLogger)
            try await Self.migrate(database)
            sqliteTemplate = dir
        }
        let dir = NSTemporaryDirectory() + "loyalty-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: sqliteTemplate! + "/loyalty.sqlite" + suffix) {
            try FileManager.default.copyItem(atPath: sqliteTemplate! + "/loyalty.sqlite" + suffix, toPath: dir + "/loyalty.sqlite" + suffix)
        }
        return dir
    }

    /// Migrates `database` and closes it.
    static func migrate(_ database: any DatabaseClient) async throws {
        let runner = Task { await database.run() }
        defer { runner.cancel() }
        do {
            try await Migrator(database: database).migrate()
        } catch {
            await database.shutdown()
            throw error
        }
        await database.shutdown()
    }

    public static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }
}
