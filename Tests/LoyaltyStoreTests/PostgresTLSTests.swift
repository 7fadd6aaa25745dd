import Foundation
import Logging
import LoyaltyStore
import LoyaltyTestSupport
import SQLKit
import Testing

/// TLS to PostgreSQL as libpq's `sslmode` promises it, against a throw-away cluster
/// started with `ssl=on` and a certificate made by the test (for `localhost` only),
/// and against the shared cluster, which has no TLS.
@Suite(.serialized) struct PostgresTLSTests {
    /// The CA that signed the server's certificate, and one that did not.
    struct Certificates: Sendable {
        var directory: String
        var rightCA: String { directory + "/ca.crt" }
        var wrongCA: String { directory + "/other-ca.crt" }
    }

    static let certificates: Certificates = {
        let dir = NSTemporaryDirectory() + "loyalty-tls-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        do {
            for ca in ["ca", "other-ca"] {
                try Shell.run(
                    ["openssl", "req", "-x509"] + ec + [
                        "-keyout", "\(dir)/\(ca).key", "-out", "\(dir)/\(ca).crt", "-days", "2", "-subj", "/CN=Loyalty test \(ca)",
                    ]
                )
            }
            try Shell.run(["openssl", "req"] + ec + ["-keyout", "\(dir)/server.key", "-out", "\(dir)/server.csr", "-subj", "/CN=localhost"])
            try "subjectAltName=DNS:localhost\n".write(toFile: "\(dir)/ext.cnf", atomically: true, encoding: .utf8)
            try Shell.run([
                "openssl", "x509", "-req", "-in", "\(dir)/server.csr", "-CA", "\(dir)/ca.crt", "-CAkey", "\(dir)/ca.key", "-CAcreateserial",
                "-out", "\(dir)/server.crt", "-days", "2", "-extfile", "\(dir)/ext.cnf",
            ])
        } catch {
            Issue.record("could not make test certificates: \(error)")
        }
        return Certificates(directory: dir)
    }()

    /// A cluster with `ssl=on` serving the certificate for `localhost`.
    static let tlsCluster = PostgresCluster(name: "tls", portOffset: 6000, serverOptions: ["ssl=on"]) { dataDirectory in
        let certs = PostgresTLSTests.certificates
        for file in ["server.crt", "server.key"] {
            try? FileManager.default.removeItem(atPath: "\(dataDirectory)/\(file)")
            try FileManager.default.copyItem(atPath: "\(certs.directory)/\(file)", toPath: "\(dataDirectory)/\(file)")
            if getuid() == 0 { try Shell.run(["chown", "postgres:postgres", "\(dataDirectory)/\(file)"]) }
        }
        try Shell.run(["chmod", "600", "\(dataDirectory)/server.key"])
    }

    /// The TLS cluster's URL with `host` and the query string replaced.
    func tlsURL(host: String, _ query: String) async throws -> String {
        let admin = try await Self.tlsCluster.url()
        let port = admin.split(separator: ":").last!.split(separator: "/").first!
        return "postgres://postgres@\(host):\(port)/postgres?\(query)"
    }

    /// Connects with `url` and reports whether the session is encrypted; throws when the
    /// connection is refused (within a short deadline).
    func sessionUsesTLS(_ url: String) async throws -> Bool {
        let database = try PostgresDatabaseClient(url: url, maximumConnections: 2, deadlineSeconds: 3, logger: TestDatabases.quietLogger)
        let runner = Task { await database.run() }
        defer { runner.cancel() }
        return try await database.read { db in
            let row = try await db.raw("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first()
            return try row?.decode(column: "ssl", as: Bool.self) ?? false
        }
    }

    @Test func verifyFullWithTheRightCAConnectsOverTLS() async throws {
        let url = try await tlsURL(host: "localhost", "sslmode=verify-full&sslrootcert=\(Self.certificates.rightCA)")
        #expect(try await sessionUsesTLS(url))
    }

    @Test func verifyFullWithAnotherCAIsRefused() async throws {
        let url = try await tlsURL(host: "localhost", "sslmode=verify-full&sslrootcert=\(Self.certificates.wrongCA)")
        await #expect(throws: (any Error).self) { try await sessionUsesTLS(url) }
    }

    @Test func verifyFullToAHostTheCertificateDoesNotNameIsRefused() async throws {
        // The certificate names localhost only; 127.0.0.1 is checked against its IP SANs.
        let url = try await tlsURL(host: "127.0.0.1", "sslmode=verify-full&sslrootcert=\(Self.certificates.rightCA)")
        await #expect(throws: (any Error).self) { try await sessionUsesTLS(url) }
    }

    @Test func verifyCAChecksTheChainButNotTheHost() async throws {
        let good = try await tlsURL(host: "127.0.0.1", "sslmode=verify-ca&sslrootcert=\(Self.certificates.rightCA)")
        #expect(try await sessionUsesTLS(good))
        let wrongCA = try await tlsURL(host: "127.0.0.1", "sslmode=verify-ca&sslrootcert=\(Self.certificates.wrongCA)")
        await #expect(throws: (any Error).self) { try await sessionUsesTLS(wrongCA) }
    }

    @Test func requireEncryptsWithoutVerifying() async throws {
        let url = try await tlsURL(host: "127.0.0.1", "sslmode=require")
        #expect(try await sessionUsesTLS(url))
    }

    @Test func requireAgainstAServerWithoutTLSIsRefused() async throws {
        let plain = try await PostgresCluster.shared.url()
        await #expect(throws: (any Error).self) { try await sessionUsesTLS(plain + "?sslmode=require") }
    }

    @Test func preferUsesTLSWhenOfferedAndPlainOtherwise() async throws {
        #expect(try await sessionUsesTLS(try await tlsURL(host: "127.0.0.1", "sslmode=prefer")))
        #expect(try await sessionUsesTLS(try await PostgresCluster.shared.url() + "?sslmode=prefer") == false)
        // No sslmode at all is prefer, as with libpq.
        #expect(try await sessionUsesTLS(try await PostgresCluster.shared.url()) == false)
    }

    @Test func disableNeverUsesTLS() async throws {
        #expect(try await sessionUsesTLS(try await tlsURL(host: "127.0.0.1", "sslmode=disable")) == false)
    }

    @Test(arguments: [
        "mysql://u@h/db", "postgres://u@h/db?sslmode=allow", "postgres://u@h/db?sslmode=sometimes",
        "postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", "postgres://u@h/db?sslcert=/c.pem",
        "postgres+uds://u@localhost/tmp/socket?sslmode=require#db",
    ])
    func unusableURLsAreRefusedWithAReason(_ url: String) {
        #expect(throws: PostgresURLError.self) { try PostgresURL(url) }
    }

    @Test func sslModesParse() throws {
        #expect(try PostgresURL("postgres://u@h/db").sslMode == .prefer)
        #expect(try PostgresURL("postgresql://u:p@h:5433/db?sslmode=verify-ca").sslMode == .verifyCA)
        #expect(
            try PostgresURL("postgres://u@h/db?sslmode=VERIFY-FULL&sslrootcert=\(Self.certificates.rightCA)").rootCertificatePath
                == Self.certificates.rightCA
        )
        #expect(try PostgresURL("postgres+uds://u@localhost/tmp/socket#db").sslMode == .disable)
    }
}
