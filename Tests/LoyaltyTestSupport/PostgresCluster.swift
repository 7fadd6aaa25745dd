import Foundation
import Synchronization

/// A throw-away PostgreSQL cluster started with initdb/pg_ctl (as the `postgres` user
/// when running as root), or the server named by `LOYALTY_TEST_DATABASE_URL` for the
/// shared cluster. Clusters are stopped when the test process exits.
public actor PostgresCluster {
    /// The cluster every database test uses: no TLS, fsync off.
    public static let shared = PostgresCluster(name: "main", portOffset: 0)

    let name: String
    let portOffset: Int
    let serverOptions: [String]
    let prepare: @Sendable (_ dataDirectory: String) throws -> Void
    private var adminURL: String?

    /// - Parameters:
    ///   - serverOptions: extra `-c name=value` settings.
    ///   - prepare: runs after initdb, before start (e.g. to place certificates).
    public init(
        name: String,
        portOffset: Int,
        serverOptions: [String] = [],
        prepare: @escaping @Sendable (_ dataDirectory: String) throws -> Void = { _ in }
    ) {
        self.name = name
        self.portOffset = portOffset
        self.serverOptions = serverOptions
        self.prepare = prepare
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`, starting the cluster on first use.
    public func url() throws -> String {
        if let adminURL { return adminURL }
        if portOffset == 0, let url = ProcessInfo.processInfo.environment["LOYALTY_TEST_DATABASE_URL"], !url.isEmpty {
            adminURL = url
            return url
        }
        // Below 32768, where the ephemeral range starts.
        let port = 20000 + Int(getpid() % 6000) + portOffset
        let dir = "/tmp/loyalty-test-pg-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if getuid() == 0 { try Shell.run(["chown", "postgres:postgres", dir]) }
        try Shell.runAsPostgres(["initdb", "-D", "\(dir)/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        try prepare("\(dir)/data")
        let options =
            (["-h 127.0.0.1", "-p \(port)", "-k \(dir)", "-c max_connections=300", "-c fsync=off", "-c full_page_writes=off"]
            + serverOptions.map { "-c \($0)" }).joined(separator: " ")
        try Shell.runAsPostgres(["pg_ctl", "-D", "\(dir)/data", "-l", "\(dir)/log", "-w", "-o", options, "start"])
        ClusterCleanup.register(dataDirectory: "\(dir)/data")
        adminURL = "postgres://postgres@127.0.0.1:\(port)/postgres"
        return adminURL!
    }

    /// Creates an empty database (or a copy of `template`) and returns its URL.
    ///
    /// PostgreSQL copies a template only while no session is connected to it, so any
    /// session left on the template (a pool that has not closed yet) is ended first.
    public func createDatabase(template: String? = nil) throws -> String {
        let admin = try url()
        let name = "t_\(getpid())_\(Int.random(in: 0..<1_000_000_000))"
        var args = ["psql", admin, "-q", "-v", "ON_ERROR_STOP=1"]
        if let template {
            args += ["-c", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(template)' AND pid <> pg_backend_pid()"]
            args += ["-c", "CREATE DATABASE \(name) TEMPLATE \(template)"]
        } else {
            args += ["-c", "CREATE DATABASE \(name)"]
        }
        try Shell.run(args)
        return Self.replacingDatabase(in: admin, with: name)
    }

    /// `admin` with its database name replaced.
    public static func replacingDatabase(in admin: String, with name: String) -> String {
        let slash = admin.range(of: "/", options: .backwards)!.lowerBound
        return "\(admin[..<slash])/\(name)"
    }
}

/// Stops the test clusters at process exit (Swift Testing has no global tear-down).
enum ClusterCleanup {
    static let dataDirectories = Mutex<[String]>([])

    static func register(dataDirectory: String) {
        let first = dataDirectories.withLock { dirs in
            dirs.append(dataDirectory)
            return dirs.count == 1
        }
        guard first else { return }
        atexit {
            for dir in ClusterCleanup.dataDirectories.withLock({ $0 }) {
                try? Shell.runAsPostgres(["pg_ctl", "-D", dir, "-m", "immediate", "stop"])
            }
        }
    }
}
