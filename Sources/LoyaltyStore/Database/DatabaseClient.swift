import NIOCore
import NIOPosix
import PostgresNIO
import SQLKit

/// Which SQL engine a ``DatabaseClient`` talks to: for reports and DDL types. SQL
/// that the engines spell differently asks ``DatabaseClient/features`` instead.
public enum DatabaseKind: String, Sendable {
    case sqlite
    case postgres
}

/// The storage seam: every repository runs its SQL through one of these.
///
/// Contract:
/// - ``read(_:)`` runs `body` on a connection that sees every committed write; it is
///   not a transaction, so two reads may see different states.
/// - ``write(_:)`` runs `body` in one database transaction on a connection leased for
///   the whole call; the transaction commits when `body` returns and rolls back when it
///   throws. A transient conflict (PostgreSQL SQLSTATE 40001/40P01) re-runs `body`, so
///   `body` must not have side effects outside the database.
/// - Both fail with ``DatabaseUnavailableError`` when the database does not answer
///   within the configured deadline, instead of waiting forever.
public protocol DatabaseClient: Sendable {
    var kind: DatabaseKind { get }
    /// How this engine spells row locks and bulk parameters.
    var features: SQLFeatures { get }
    /// Named prepared statements (postgres-nio), for the hot paths that batch many
    /// callers into one statement; `nil` where the engine has none (SQLite).
    var preparedStatements: (any PreparedStatementRunner)? { get }
    /// Notifications between the processes that share this database; `nil` where
    /// there is only one process (SQLite).
    var notifications: (any NotificationChannel)? { get }
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs the client's background work (a connection pool) until the task is cancelled.
    func run() async
    /// Closes every connection. Calls after this fail.
    func shutdown() async
    /// One trivial round trip: proves the database answers.
    func ping() async throws
}

/// The pieces of SQL that the engines spell differently.
public struct SQLFeatures: Sendable {
    /// ` FOR UPDATE`, or empty where a write transaction already excludes every other
    /// writer (SQLite's single writer).
    public let forUpdate: String
    /// ` FOR UPDATE SKIP LOCKED`: lets several nodes share a queue; empty on SQLite.
    public let forUpdateSkipLocked: String
    /// Bulk values may be bound as arrays and expanded with `unnest(...)` (cheaper to
    /// plan than a long VALUES list); otherwise a VALUES list.
    public let unnestArrays: Bool
    /// Several write transactions can run at once (row locks); otherwise writes are
    /// serialised and many small ones are better done in one transaction.
    public let concurrentWriters: Bool

    public static let postgres = SQLFeatures(
        forUpdate: " FOR UPDATE",
        forUpdateSkipLocked: " FOR UPDATE SKIP LOCKED",
        unnestArrays: true,
        concurrentWriters: true
    )
    public static let sqlite = SQLFeatures(forUpdate: "", forUpdateSkipLocked: "", unnestArrays: false, concurrentWriters: false)
}

/// Runs named prepared statements on pooled connections, under the client's deadline.
public protocol PreparedStatementRunner: Sendable {
    /// The first row of `statement`, on one leased connection.
    func first<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> PostgresRow? where Statement.Row == PostgresRow
    /// Every row of `statement`, on one leased connection.
    func all<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [PostgresRow] where Statement.Row == PostgresRow
}

/// Publish/subscribe between the nodes that share one database.
public protocol NotificationChannel: Sendable {
    /// Delivered to every listener of `channel` (on any node) once committed.
    func notify(channel: String, payload: String) async throws
    /// Holds a connection listening on `channel`, calling `onListening` once listening
    /// and `onNotification` with each payload, until the connection fails (throws) or
    /// the task is cancelled.
    func listen(channel: String, onListening: @escaping @Sendable () -> Void, onNotification: @escaping @Sendable (String) -> Void) async throws
}

/// The database did not answer in time, or is down.
public struct DatabaseUnavailableError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `operation`, failing with `timeoutError()` (by default
/// ``DatabaseUnavailableError``) after `seconds`; `seconds <= 0` means no deadline.
///
/// The timer is an NIO scheduled task rather than `Task.sleep`: measured, the
/// dispatch timer behind `Task.sleep` cost ~8% of the server's CPU per query.
public func withDeadline<T: Sendable>(
    seconds: Double,
    timeoutError: @escaping @Sendable () -> any Error = { DatabaseUnavailableError("database did not answer in time") },
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    if seconds <= 0 { return try await operation() }
    return try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            let loop = MultiThreadedEventLoopGroup.singleton.any()
            let timer = loop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {}
            try await withTaskCancellationHandler {
                try await timer.futureResult.get()
            } onCancel: {
                timer.cancel()
            }
            throw timeoutError()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}

extension DatabaseClient {
    public func ping() async throws {
        _ = try await read { db in try await db.raw("SELECT 1 AS one").first() }
    }
}
