import Foundation
import LoyaltyCore

/// Everything the server can be told, with defaults that need no set-up.
///
/// Read from the environment by ``AppConfig/fromEnvironment(_:)``; the CLI's flags
/// override it. Names: `LOYALTY_DATABASE_URL`, `LOYALTY_DATA_DIR`, `LOYALTY_HOST`,
/// `LOYALTY_PORT`, `LOYALTY_ENV`, `LOYALTY_RATE_LIMIT_SHOP` (requests per minute per
/// credential, 0 = off), `LOYALTY_MAX_BODY_BYTES`, `LOYALTY_DB_TIMEOUT_SECONDS`,
/// `LOYALTY_PG_MAX_CONNECTIONS`, `LOYALTY_LOG_LEVEL`, `LOYALTY_SWEEP_SECONDS`.
public struct AppConfig: Sendable {
    /// `postgres://...` to use PostgreSQL; `nil` = embedded SQLite in ``dataDirectory``.
    public var databaseURL: String?
    public var dataDirectory: String = "./data"
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    public var environment: DeploymentEnvironment = .production
    /// Shop API requests per minute per credential (the newest Loyalty.lt docs say 300).
    public var shopRateLimitPerMinute: Int = 300
    public var maxBodyBytes: Int = 1 << 20
    /// Bulk endpoints accept larger bodies (thousands of items).
    public var maxBulkBodyBytes: Int = 8 << 20
    public var databaseTimeoutSeconds: Double = 10
    public var postgresMaxConnections: Int = 40
    /// How long a verified credential is trusted without a database look-up. Revoking a
    /// key takes effect at once on the node that revoked it and within this time elsewhere.
    public var credentialCacheSeconds: Double = 10
    public var logLevel: String = "info"
    /// Seconds between background sweeps (lot maturity and expiry, tier housekeeping); 0 = off.
    public var sweepIntervalSeconds: Double = 60
    public var version: String = "0.1.0"

    public init() {}

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> AppConfig {
        var c = AppConfig()
        c.databaseURL = env["LOYALTY_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let v = env["LOYALTY_DATA_DIR"] { c.dataDirectory = v }
        if let v = env["LOYALTY_HOST"] { c.host = v }
        if let v = env["LOYALTY_PORT"].flatMap(Int.init) { c.port = v }
        if let v = env["LOYALTY_ENV"].flatMap(DeploymentEnvironment.init(rawValue:)) { c.environment = v }
        if let v = env["LOYALTY_RATE_LIMIT_SHOP"].flatMap(Int.init) { c.shopRateLimitPerMinute = v }
        if let v = env["LOYALTY_MAX_BODY_BYTES"].flatMap(Int.init) { c.maxBodyBytes = v }
        if let v = env["LOYALTY_DB_TIMEOUT_SECONDS"].flatMap(Double.init) { c.databaseTimeoutSeconds = v }
        if let v = env["LOYALTY_PG_MAX_CONNECTIONS"].flatMap(Int.init) { c.postgresMaxConnections = v }
        if let v = env["LOYALTY_LOG_LEVEL"] { c.logLevel = v }
        if let v = env["LOYALTY_SWEEP_SECONDS"].flatMap(Double.init), v >= 0 { c.sweepIntervalSeconds = v }
        return c
    }
}
