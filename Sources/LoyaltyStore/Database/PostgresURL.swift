import Foundation
import NIOSSL
import PostgresKit
import PostgresNIO

/// A libpq-style PostgreSQL URL: where to connect, as whom, and how TLS is negotiated.
///
/// `postgres://user:password@host:port/database?sslmode=MODE&sslrootcert=/path/ca.pem`
/// (`postgresql://` too, and `postgres+uds://user@localhost/socket/path#database` for a
/// Unix socket, which never uses TLS). `sslmode` follows libpq:
///
/// | mode | TLS | certificate checked |
/// |---|---|---|
/// | `disable` | never | - |
/// | `prefer` (default for TCP) | if the server offers it, else plain | no |
/// | `require` | always; a server without TLS is refused | no |
/// | `verify-ca` | always | chain to the CA, not the host name |
/// | `verify-full` | always | chain to the CA and the host name (or IP) |
///
/// The CA is `sslrootcert` (a PEM file, read when the URL is parsed) or, without it, the
/// system's trust store. libpq's `allow` and client certificates (`sslcert`,
/// `sslkey`) are not supported and are refused rather than ignored.
public struct PostgresURL: Sendable {
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// What a configuration error says is accepted.
    public static let expectedForm =
        "postgres://user:password@host:port/database, optionally with ?sslmode=disable|prefer|require|verify-ca|verify-full and &sslrootcert=/path/to/ca.pem"

    /// `text` with the password (between `user:` and `@`) replaced by `***`, for messages
    /// and logs.
    public static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text.range(of: "@", range: scheme.upperBound..<text.endIndex),
            let colon = text.range(of: ":", range: scheme.upperBound..<at.lowerBound)
        else { return text }
        return String(text[..<colon.upperBound]) + "***" + String(text[at.lowerBound...])
    }

    public let sslMode: SSLMode
    public let rootCertificatePath: String?
    /// Host, port, credentials and database, with the TLS this URL asks for.
    public let configuration: PostgresClient.Configuration

    /// Parses `text`; a malformed URL, an unknown `sslmode` or an unreadable
    /// `sslrootcert` throws ``PostgresURLError`` with the reason.
    public init(_ text: String) throws {
        guard var components = URLComponents(string: text), let scheme = components.scheme,
            ["postgres", "postgresql", "postgres+tcp", "postgresql+tcp", "postgres+uds", "postgresql+uds"].contains(scheme)
        else { throw PostgresURLError("not a postgres:// URL") }
        let unixSocket = scheme.hasSuffix("+uds")
        var items = components.queryItems ?? []
        func take(_ names: [String]) -> String? {
            let value = items.last(where: { names.contains($0.name.lowercased()) })?.value
            items.removeAll { names.contains($0.name.lowercased()) }
            return value
        }
        let modeText = take(["sslmode", "tlsmode", "ssl", "tls"])
        let rootCert = take(["sslrootcert"])
        if let unsupported = items.first(where: { ["sslcert", "sslkey", "sslpassword", "sslcrl"].contains($0.name.lowercased()) }) {
            throw PostgresURLError("\(unsupported.name) (client certificates) is not supported")
        }
        guard let mode = modeText.map({ SSLMode(rawValue: $0.lowercased()) }) ?? (unixSocket ? .disable : .prefer) else {
            throw PostgresURLError("sslmode must be one of " + SSLMode.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if unixSocket && mode != .disable { throw PostgresURLError("a Unix socket connection does not use TLS (sslmode=disable)") }
        components.queryItems = items.isEmpty ? nil : items
        guard let url = components.url else { throw PostgresURLError("malformed URL") }
        let parsed: SQLPostgresConfiguration
        do { parsed = try SQLPostgresConfiguration(url: url) } catch { throw PostgresURLError("malformed URL (user, host and database are needed)") }
        let core = parsed.coreConfiguration
        var configuration: PostgresClient.Configuration
        if let host = core.host {
            configuration = .init(
                host: host,
                port: core.port ?? 5432,
                username: core.username,
                password: core.password,
                database: core.database,
                tls: try Self.tls(mode, rootCertificatePath: rootCert)
            )
        } else {
            configuration = .init(
                unixSocketPath: core.unixSocketPath ?? "/tmp/.s.PGSQL.5432",
                username: core.username,
                password: core.password,
                database: core.database
            )
        }
        self.sslMode = mode
        self.rootCertificatePath = rootCert
        self.configuration = configuration
    }

    static func tls(_ mode: SSLMode, rootCertificatePath: String?) throws -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return .disable
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let path = rootCertificatePath {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
            } catch {
                throw PostgresURLError("sslrootcert \(path) is not a readable PEM certificate file")
            }
        }
        return mode == .prefer ? .prefer(tls) : .require(tls)
    }
}

/// Why a PostgreSQL URL cannot be used.
public struct PostgresURLError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
