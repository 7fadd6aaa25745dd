import Foundation
import LoyaltyCore
import LoyaltyStore
import LoyaltyTestSupport
import SQLKit
import Testing

/// The storage seam itself, on both engines, without the server.
@Suite("Database clients and migrations", .databases)
struct DatabaseClientTests {
    static func open(_ backend: Backend) async throws -> any DatabaseClient {
        switch backend {
        case .sqlite:
            let dir = try await TestDatabases.shared.newSQLiteDirectory()
            return try await SQLiteClient.open(path: dir + "/loyalty.sqlite", logger: TestDatabases.quietLogger)
        case .postgres:
            return try PostgresDatabaseClient(
                url: try await TestDatabases.shared.newPostgresURL(),
                maximumConnections: 4,
                logger: TestDatabases.quietLogger
            )
        }
    }

    static func with(_ backend: Backend, _ body: (any DatabaseClient) async throws -> Void) async throws {
        let database = try await open(backend)
        let runner = Task { await database.run() }
        defer { runner.cancel() }
        do {
            try await body(database)
        } catch {
            await database.shutdown()
            throw error
        }
        await database.shutdown()
    }

    @Test(arguments: Backend.allCases)
    func capabilitiesMatchTheEngine(_ backend: Backend) async throws {
        try await Self.with(backend) { database in
            #expect(database.kind.rawValue == backend.rawValue)
            #expect((database.preparedStatements != nil) == (backend == .postgres))
            #expect((database.notifications != nil) == (backend == .postgres))
            #expect(database.features.concurrentWriters == (backend == .postgres))
            // The lock clauses are valid SQL on their engine.
            let one = try await database.write { db in
                try await db.raw("SELECT id FROM partners WHERE id = 0\(unsafeRaw: database.features.forUpdate)").all().count
            }
            #expect(one == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func migratingAgainChangesNothing(_ backend: Backend) async throws {
        try await Self.with(backend) { database in
            // The copy of the template is already migrated.
            #expect(try await Migrator(database: database).migrate().isEmpty)
            let versions = try await database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM schema_migrations").first()?.decode(column: "n", as: Int64.self) ?? 0
            }
            #expect(versions > 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func aFailedWriteRollsBackEverything(_ backend: Backend) async throws {
        struct Abort: Error {}
        try await Self.with(backend) { database in
            await #expect(throws: Abort.self) {
                try await database.write { db in
                    try await db.raw("INSERT INTO partners (name, created_at) VALUES ('Rolled back', 0)").run()
                    throw Abort()
                }
            }
            let count = try await database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM partners WHERE name = 'Rolled back'").first()?.decode(column: "n", as: Int64.self)
            }
            #expect(count == 0)
        }
    }

    @Test func sqliteShutdownIsIdempotentAndConcurrent() async throws {
        let database = try await Self.open(.sqlite)
        async let first: Void = database.shutdown()
        async let second: Void = database.shutdown()
        _ = await (first, second)
        await database.shutdown()
        await #expect(throws: (any Error).self) { try await database.ping() }
    }
}
