import Foundation

/// Runs commands for the test harness (initdb, pg_ctl, psql, openssl).
public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs a command found on PATH; throws with its output when it fails.
    ///
    /// posix_spawn + waitpid rather than Foundation's `Process`, whose exit detection
    /// was seen to miss children here (a reaped-late zombie left the test waiting).
    public static func run(_ args: [String]) throws {
        let logPath = NSTemporaryDirectory() + "loyalty-shell-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
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

    /// Runs a PostgreSQL tool: as the `postgres` user when the tests run as root,
    /// since PostgreSQL refuses root.
    public static func runAsPostgres(_ args: [String]) throws {
        try run(getuid() == 0 ? ["runuser", "-u", "postgres", "--"] + args : args)
    }
}
