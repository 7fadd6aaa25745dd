import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL through postgres-nio's `PostgresClient` pool.
///
/// Transactions are written by hand (`BEGIN` ... `COMMIT`) because
/// `PostgresClient.withTransaction` can neither set an isolation level nor tell a
/// serialization failure from other errors. Every call runs under a deadline, because
/// the pool waits forever for a database that is down.
public final class PostgresDatabaseClient: DatabaseClient, PreparedStatementRunner, NotificationChannel {
    public let kind = DatabaseKind.postgres
    public let features = SQLFeatures.postgres
    public var preparedStatements: (any PreparedStatementRunner)? { self }
    public var notifications: (any NotificationChannel)? { self }
    /// One pool per event loop, and a call uses the pool of the loop it runs on (with
    /// NIO as the concurrency executor): the connection's I/O then happens on the
    /// caller's thread, saving two thread hops per query, which dominate the cost of
    /// a query on a 2-core machine (measured, docs/PERFORMANCE.md).
    let clients: [PostgresClient]
    let loopIDs: [ObjectIdentifier]
    var client: PostgresClient {
        if let current = MultiThreadedEventLoopGroup.currentEventLoop, let i = loopIDs.firstIndex(of: ObjectIdentifier(current)) {
            return clients[i]
        }
        return clients[Int.random(in: 0..<clients.count)]
    }
    let deadlineSeconds: Double
    let logger: Logger

    /// - Parameter url: a libpq-style URL (``PostgresURL``), TLS per its `sslmode`.
    public init(url: String, maximumConnections: Int = 40, deadlineSeconds: Double = 10, logger: Logger) throws {
        var config = try PostgresURL(url).configuration
        config.options.maximumConnections = maximumConnections
        config.options.minimumConnections = 0
        config.options.connectTimeout = .seconds(Int64(max(1, deadlineSeconds)))
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        var perPool = config
        perPool.options.maximumConnections = max(1, maximumConnections / max(1, loops.count))
        self.clients = loops.map { PostgresClient(configuration: perPool, eventLoopGroup: $0, backgroundLogger: logger) }
        self.loopIDs = loops.map { ObjectIdentifier($0) }
        self.deadlineSeconds = deadlineSeconds
        self.logger = logger
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let client = self.client
        return try await withDeadline(seconds: deadlineSeconds) {
            try await client.withConnection { connection in
                try await body(connection.sql(queryLogLevel: nil))
            }
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let client = self.client
        return try await withDeadline(seconds: deadlineSeconds) {
            var attempt = 0
            while true {
                attempt += 1
                do {
                    return try await client.withConnection { connection in
                        let db = connection.sql(queryLogLevel: nil)
                        try await db.raw("BEGIN").run()
                        do {
                            let result = try await body(db)
                            try await db.raw("COMMIT").run()
                            return result
                        } catch {
                            try? await db.raw("ROLLBACK").run()
                            throw error
                        }
                    }
                } catch let error as PSQLError where attempt < 5 && Self.isTransient(error) {
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
                }
            }
        }
    }

    static func isTransient(_ error: PSQLError) -> Bool {
        guard let code = error.serverInfo?[.sqlState] else { return false }
        return code == "40001" || code == "40P01"
    }

    /// Runs `body` on one leased connection under the deadline: for statements that
    /// need postgres-nio directly (named prepared statements).
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = self.client
        return try await withDeadline(seconds: deadlineSeconds) {
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    /// The first row of a named prepared statement, on one leased connection.
    public func first<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> PostgresRow? where Statement.Row == PostgresRow {
        let logger = self.logger
        return try await withConnection { connection in
            var found: PostgresRow?
            for try await row in try await connection.execute(statement, logger: logger) where found == nil { found = row }
            return found
        }
    }

    /// Every row of a named prepared statement, on one leased connection.
    public func all<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [PostgresRow] where Statement.Row == PostgresRow {
        let logger = self.logger
        return try await withConnection { connection in
            var rows: [PostgresRow] = []
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
    }

    public func ping() async throws {
        let client = self.client
        try await withDeadline(seconds: deadlineSeconds) {
            let rows = try await client.query("SELECT 1 AS one", logger: self.logger)
            for try await _ in rows {}
        }
    }

    /// `pg_notify(channel, payload)`: delivered to every listener once committed.
    public func notify(channel: String, payload: String) async throws {
        let client = self.client
        try await withDeadline(seconds: deadlineSeconds) {
            let rows = try await client.query("SELECT pg_notify(\(channel), \(payload))", logger: self.logger)
            for try await _ in rows {}
        }
    }

    /// Holds one pooled connection in `LISTEN channel` and calls `onNotification` with
    /// each payload until the connection fails or the task is cancelled. `onListening`
    /// is called once the `LISTEN` is in place.
    public func listen(
        channel: String,
        onListening: @escaping @Sendable () -> Void = {},
        onNotification: @escaping @Sendable (String) -> Void
    ) async throws {
        try await clients[0].withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                onListening()
                for try await n in notifications { onNotification(n.payload) }
            }
        }
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            for c in clients { group.addTask { await c.run() } }
        }
    }

    public func shutdown() async {}
}
