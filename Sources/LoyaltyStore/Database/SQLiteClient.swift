import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

/// Embedded SQLite: one writer connection and a few readers on a WAL database file.
///
/// sqlite-nio's default busy handler spins forever on the blocking thread pool, which
/// deadlocks two waiting writers on a 2-core machine. So every write goes through the
/// single writer connection behind an ``AsyncLock`` (`BEGIN IMMEDIATE`), readers never
/// block writers (WAL), and `busy_timeout` replaces the spinning handler as a backstop.
/// The client owns a dedicated thread pool so SQLite calls do not starve NIO's
/// shared blocking pool.
public final class SQLiteClient: DatabaseClient {
    public let kind = DatabaseKind.sqlite
    public let features = SQLFeatures.sqlite
    public var preparedStatements: (any PreparedStatementRunner)? { nil }
    public var notifications: (any NotificationChannel)? { nil }
    let writer: SQLiteConnection
    let writeLock = AsyncLock()
    private let closeTask = Mutex<Task<Void, Never>?>(nil)
    let readers: ResourcePool<SQLiteConnection>
    let allConnections: [SQLiteConnection]
    let threadPool: NIOThreadPool
    let logger: Logger

    /// Opens (creating if needed) the database file at `path`.
    public static func open(path: String, readers readerCount: Int = 3, logger: Logger) async throws -> SQLiteClient {
        let pool = NIOThreadPool(numberOfThreads: readerCount + 1)
        pool.start()
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        func connect() async throws -> SQLiteConnection {
            let c = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger, on: loop)
            for pragma in ["PRAGMA busy_timeout = 5000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"] {
                try await c.sql().raw(SQLQueryString(pragma)).run()
            }
            return c
        }
        let writer = try await connect()
        var readers: [SQLiteConnection] = []
        for _ in 0..<readerCount { readers.append(try await connect()) }
        return SQLiteClient(writer: writer, readers: readers, threadPool: pool, logger: logger)
    }

    init(writer: SQLiteConnection, readers: [SQLiteConnection], threadPool: NIOThreadPool, logger: Logger) {
        self.writer = writer
        self.readers = ResourcePool(readers)
        self.allConnections = [writer] + readers
        self.threadPool = threadPool
        self.logger = logger
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let connection = await readers.acquire()
        do {
            let result = try await body(connection.sql())
            await readers.release(connection)
            return result
        } catch {
            await readers.release(connection)
            throw error
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let db = writer.sql()
        return try await writeLock.withLock {
            try await db.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    public func run() async {
        // Nothing runs in the background: connections are opened eagerly.
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    /// Closes every connection, once: later and concurrent calls wait for the same
    /// close. The close runs in a task of its own, so a cancelled caller (a service
    /// stopping) still closes every connection.
    public func shutdown() async {
        let closing = closeTask.withLock { task in
            if let task { return task }
            let new = Task { [writeLock, allConnections, threadPool] in
                await writeLock.lock()
                for c in allConnections { try? await c.close() }
                try? await threadPool.shutdownGracefully()
            }
            task = new
            return new
        }
        await closing.value
    }
}
