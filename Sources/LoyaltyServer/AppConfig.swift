import Foundation
import LoyaltyCore

/// Everything the server can be told, with defaults that need no set-up.
///
/// Read from the environment by ``AppConfig/fromEnvironment(_:)``; the CLI's flags
/// override it. Names: `LOYALTY_DATABASE_URL`, `LOYALTY_DATA_DIR`, `LOYALTY_HOST`,
/// `LOYALTY_PORT`, `LOYALTY_ENV`, `LOYALTY_RATE_LIMIT_SHOP` (requests per minute per
/// credential, 0 = off), `LOYALTY_MAX_BODY_BYTES`, `LOYALTY_DB_TIMEOUT_SECONDS`,
/// `LOYALTY_PG_MAX_CONNECTIONS`, `LOYALTY_LOG_LEVEL`, `LOYALTY_SWEEP_SECONDS`, and the
/// webhook settings `LOYALTY_WEBHOOK_RETRY_SCHEDULE` (e.g. `0,1m,5m,30m,2h`; units ms,
/// s, m, h), `LOYALTY_WEBHOOK_TIMEOUT_SECONDS`, `LOYALTY_WEBHOOK_DISABLE_AFTER`,
/// `LOYALTY_WEBHOOK_LEASE_SECONDS`, `LOYALTY_WEBHOOK_CONCURRENCY` (0 = this node does
/// not deliver), `LOYALTY_WEBHOOK_POLL_MS`, `LOYALTY_WEBHOOK_ALLOW_LOOPBACK`
/// (development and tests only), `LOYALTY_EVENT_RETENTION_DAYS`,
/// `LOYALTY_BODY_TIMEOUT_SECONDS` and `LOYALTY_IDLE_TIMEOUT_SECONDS`; digital cards and
/// realtime: `LOYALTY_CARD_TOKEN_TTL_SECONDS`, `LOYALTY_QR_SESSION_SECONDS`,
/// `LOYALTY_CUSTOMER_TOKEN_TTL_SECONDS`, `LOYALTY_REFRESH_TOKEN_TTL_DAYS`,
/// `LOYALTY_REALTIME_KEY`, `LOYALTY_REALTIME_HOST`, `LOYALTY_REALTIME_PORT`,
/// `LOYALTY_REALTIME_SCHEME` (what `realtime/config` tells clients; by default the host
/// and port the client reached) and `LOYALTY_REALTIME_MAX_CONNECTIONS`.
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
    /// Delay before each delivery attempt: immediately, +1 min, +5 min, +30 min, +2 h.
    public var webhookRetryScheduleMillis: [Int64] = [0, 60_000, 300_000, 1_800_000, 7_200_000]
    public var webhookTimeoutSeconds: Double = 10
    /// Consecutive failed deliveries (every attempt failed) that disable an endpoint.
    public var webhookDisableAfter: Int64 = 5
    /// How long a claimed attempt is reserved for the node that claimed it; after that
    /// (the node died) the delivery is due again.
    public var webhookLeaseSeconds: Double = 30
    /// Attempts in flight per node; 0 = this node publishes events but delivers none.
    public var webhookConcurrency: Int = 128
    /// How often an idle dispatcher looks for new events and due retries.
    public var webhookPollMillis: Int = 100
    /// Development and tests: accept `http://` and loopback targets. Private, link-local
    /// and metadata addresses are refused either way.
    public var webhookAllowLoopback: Bool = false
    /// A request body must arrive within this many seconds (else 408, connection closed).
    public var bodyTimeoutSeconds: Double = 30
    /// An idle keep-alive connection is closed after this many seconds.
    public var idleTimeoutSeconds: Double = 60
    /// How long the event feed and the delivery log keep entries.
    public var eventRetentionDays: Double = 30
    /// Lifetime of a dynamic card QR token (callers may ask for 30 s to 30 days).
    public var cardTokenTTLSeconds: Int64 = 3600
    /// Lifetime of a POS QR session (the real platform: 5 minutes).
    public var qrSessionSeconds: Int64 = 300
    public var customerTokenTTLSeconds: Int64 = 3600
    public var refreshTokenTTLDays: Int64 = 30
    /// The Pusher app key clients connect with (`/app/{key}`); public by design.
    public var realtimeKey: String = "loyalty"
    /// What `realtime/config` advertises; `nil` = the host, port and scheme of the request.
    public var realtimeHost: String?
    public var realtimePort: Int?
    public var realtimeScheme: String?
    /// WebSocket connections per node; beyond it a client gets Pusher error 4100.
    public var realtimeMaxConnections: Int = 20_000

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
        if let v = env["LOYALTY_WEBHOOK_RETRY_SCHEDULE"].flatMap(Self.parseSchedule) { c.webhookRetryScheduleMillis = v }
        if let v = env["LOYALTY_WEBHOOK_TIMEOUT_SECONDS"].flatMap(Double.init), v > 0 { c.webhookTimeoutSeconds = v }
        if let v = env["LOYALTY_WEBHOOK_DISABLE_AFTER"].flatMap(Int64.init), v > 0 { c.webhookDisableAfter = v }
        if let v = env["LOYALTY_WEBHOOK_LEASE_SECONDS"].flatMap(Double.init), v > 0 { c.webhookLeaseSeconds = v }
        if let v = env["LOYALTY_WEBHOOK_CONCURRENCY"].flatMap(Int.init), v >= 0 { c.webhookConcurrency = v }
        if let v = env["LOYALTY_WEBHOOK_POLL_MS"].flatMap(Int.init), v > 0 { c.webhookPollMillis = v }
        if let v = env["LOYALTY_WEBHOOK_ALLOW_LOOPBACK"] { c.webhookAllowLoopback = ["1", "true", "yes"].contains(v.lowercased()) }
        if let v = env["LOYALTY_BODY_TIMEOUT_SECONDS"].flatMap(Double.init), v > 0 { c.bodyTimeoutSeconds = v }
        if let v = env["LOYALTY_IDLE_TIMEOUT_SECONDS"].flatMap(Double.init), v > 0 { c.idleTimeoutSeconds = v }
        if let v = env["LOYALTY_EVENT_RETENTION_DAYS"].flatMap(Double.init), v > 0 { c.eventRetentionDays = v }
        if let v = env["LOYALTY_CARD_TOKEN_TTL_SECONDS"].flatMap(Int64.init), v >= 30 { c.cardTokenTTLSeconds = v }
        if let v = env["LOYALTY_QR_SESSION_SECONDS"].flatMap(Int64.init), v > 0 { c.qrSessionSeconds = v }
        if let v = env["LOYALTY_CUSTOMER_TOKEN_TTL_SECONDS"].flatMap(Int64.init), v > 0 { c.customerTokenTTLSeconds = v }
        if let v = env["LOYALTY_REFRESH_TOKEN_TTL_DAYS"].flatMap(Int64.init), v > 0 { c.refreshTokenTTLDays = v }
        if let v = env["LOYALTY_REALTIME_KEY"], !v.isEmpty { c.realtimeKey = v }
        if let v = env["LOYALTY_REALTIME_HOST"], !v.isEmpty { c.realtimeHost = v }
        if let v = env["LOYALTY_REALTIME_PORT"].flatMap(Int.init) { c.realtimePort = v }
        if let v = env["LOYALTY_REALTIME_SCHEME"], ["http", "https"].contains(v) { c.realtimeScheme = v }
        if let v = env["LOYALTY_REALTIME_MAX_CONNECTIONS"].flatMap(Int.init), v > 0 { c.realtimeMaxConnections = v }
        return c
    }

    /// `0,1m,5m,30m,2h` -> milliseconds; `nil` when any part is unreadable or the list
    /// is empty or longer than 20 attempts.
    public static func parseSchedule(_ text: String) -> [Int64]? {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty, parts.count <= 20 else { return nil }
        var out: [Int64] = []
        for p in parts {
            let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
            guard let (suffix, factor) = units.first(where: { p.hasSuffix($0.0) }) ?? (p.allSatisfy(\.isNumber) ? ("", 1000) : nil),
                  let n = Double(p.dropLast(suffix.count)), n >= 0, n <= 7 * 86_400_000 / factor else { return nil }
            out.append(Int64(n * factor))
        }
        return out
    }
}
