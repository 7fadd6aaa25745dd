import LoyaltyCore
import LoyaltyModels
import Testing
import Foundation
import Logging
import LoyaltyServer
import LoyaltyStore
import Synchronization

/// The two storage backends every storage test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A throw-away PostgreSQL cluster for the whole test process, started with
/// initdb/pg_ctl (as the `postgres` user when running as root, since PostgreSQL
/// refuses root), or the server named by `LOYALTY_TEST_DATABASE_URL`. Each test gets
/// a database of its own. The cluster is stopped when the process exits.
actor PostgresCluster {
    static let shared = PostgresCluster()

    private var adminURL: String?
    private var counter = 0

    func newDatabaseURL() throws -> String {
        let admin = try start()
        counter += 1
        let name = "t_\(getpid())_\(counter)_\(Int.random(in: 0..<1_000_000))"
        try Shell.run(["psql", admin, "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"])
        let slash = admin.range(of: "/", options: .backwards)!.lowerBound
        return "\(admin[..<slash])/\(name)"
    }

    private func start() throws -> String {
        if let adminURL { return adminURL }
        if let url = ProcessInfo.processInfo.environment["LOYALTY_TEST_DATABASE_URL"], !url.isEmpty {
            adminURL = url
            return url
        }
        let port = 20000 + Int(getpid() % 9000)
        let dir = "/tmp/loyalty-test-pg-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let asRoot = getuid() == 0
        if asRoot { try Shell.run(["chown", "postgres:postgres", dir]) }
        func pg(_ args: [String]) throws { try Shell.run(asRoot ? ["runuser", "-u", "postgres", "--"] + args : args) }
        try pg(["initdb", "-D", "\(dir)/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        try pg(["pg_ctl", "-D", "\(dir)/data", "-l", "\(dir)/log", "-w", "-o",
                "-h 127.0.0.1 -p \(port) -k \(dir) -c max_connections=300 -c fsync=off -c full_page_writes=off", "start"])
        TestClusterCleanup.register(dataDir: "\(dir)/data", asRoot: asRoot)
        adminURL = "postgres://postgres@127.0.0.1:\(port)/postgres"
        return adminURL!
    }
}

/// Stops the test cluster at process exit (Swift Testing has no global tear-down).
enum TestClusterCleanup {
    static let state = Mutex<(dir: String, root: Bool)?>(nil)

    static func register(dataDir: String, asRoot: Bool) {
        state.withLock { $0 = (dataDir, asRoot) }
        atexit {
            guard let s = TestClusterCleanup.state.withLock({ $0 }) else { return }
            let args = ["pg_ctl", "-D", s.dir, "-m", "immediate", "stop"]
            try? Shell.run(s.root ? ["runuser", "-u", "postgres", "--"] + args : args)
        }
    }
}

enum Shell {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Runs a command found on PATH; throws with its output when it fails.
    ///
    /// posix_spawn + waitpid rather than Foundation's `Process`, whose exit detection
    /// was seen to miss children here (a reaped-late zombie left the test waiting).
    static func run(_ args: [String]) throws {
        let logPath = NSTemporaryDirectory() + "loyalty-shell-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, args[0], &actions, nil, argv, environ)
        guard rc == 0 else { throw Failure(description: "cannot start \(args[0]): errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        if !exited || code != 0 {
            let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw Failure(description: "\(args.joined(separator: " ")) failed (status \(status)): \(output)")
        }
    }
}

/// Opens a fresh, migrated database of the given backend.
func makeDatabase(_ backend: Backend) async throws -> (any DatabaseClient, AppConfig) {
    var config = AppConfig()
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    switch backend {
    case .sqlite:
        config.dataDirectory = NSTemporaryDirectory() + "loyalty-test-\(UUID().uuidString)"
    case .postgres:
        config.databaseURL = try await PostgresCluster.shared.newDatabaseURL()
        config.postgresMaxConnections = 20
    }
    let db = try await AppServices.openDatabase(config, logger: logger)
    return (db, config)
}
