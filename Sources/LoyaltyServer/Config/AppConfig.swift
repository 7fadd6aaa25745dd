import Foundation
import Logging
import LoyaltyCore
import LoyaltyStore

/// Everything the server can be told, with defaults that need no set-up.
///
/// Read from the environment by ``AppConfig/fromEnvironment(_:)``; the CLI's flags
/// override it. Names: `LOYALTY_DATABASE_URL`, `LOYALTY_DATA_DIR`, `LOYALTY_HOST`,
/// `LOYALTY_PORT`, `LOYALTY_ENV`, `LOYALTY_RATE_LIMIT_SHOP` (requests per minute per
/// credential, 0 = off), `LOYALTY_MAX_BODY_BYTES`, `LOYALTY_DB_TIMEOUT_SECONDS`,
/// `LOYALTY_PG_MAX_CONNECTIONS`, `LOYALTY_LOG_LEVEL`, `LOYALTY_SWEEP_SECONDS`, `LOYALTY_ANALYTICS_SECONDS`, `LOYALTY_EXPORT_TTL_HOURS`, `LOYALTY_IMPORT_MAX_BYTES`, `LOYALTY_JOB_WORKERS`, `LOYALTY_OAUTH_ACCESS_TTL_SECONDS`, `LOYALTY_OAUTH_REFRESH_TTL_DAYS`, and the
/// webhook settings `LOYALTY_WEBHOOK_RETRY_SCHEDULE` (e.g. `0,1m,5m,30m,2h`; units ms,
/// s, m, h), `LOYALTY_WEBHOOK_TIMEOUT_SECONDS`, `LOYALTY_WEBHOOK_DISABLE_AFTER`,
/// `LOYALTY_WEBHOOK_LEASE_SECONDS`, `LOYALTY_WEBHOOK_CONCURRENCY` (0 = this node does
/// not deliver), `LOYALTY_WEBHOOK_POLL_MS`, `LOYALTY_WEBHOOK_ALLOW_LOOPBACK` (also for XML feed URLs), `LOYALTY_XML_MAX_BYTES`
/// (development and tests only), `LOYALTY_EVENT_RETENTION_DAYS`,
/// `LOYALTY_BODY_TIMEOUT_SECONDS` and `LOYALTY_IDLE_TIMEOUT_SECONDS`; digital cards and
/// realtime: `LOYALTY_CARD_TOKEN_TTL_SECONDS`, `LOYALTY_QR_SESSION_SECONDS`,
/// `LOYALTY_CUSTOMER_TOKEN_TTL_SECONDS`, `LOYALTY_REFRESH_TOKEN_TTL_DAYS`,
/// `LOYALTY_REALTIME_KEY`, `LOYALTY_REALTIME_HOST`, `LOYALTY_REALTIME_PORT`,
/// `LOYALTY_REALTIME_SCHEME` (what `realtime/config` tells clients; by default the host
/// and port the client reached), `LOYALTY_REALTIME_MAX_CONNECTIONS` and
/// `LOYALTY_NIO_EXECUTOR`. A bad value stops start-up (``ConfigurationError``).
public struct AppConfig: Sendable {
    /// `postgres://...` to use PostgreSQL; `nil` = embedded SQLite in ``dataDirectory``.
    public var databaseURL: String?
    public var dataDirectory: String = "./data"
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    public var environment: DeploymentEnvironment = .production
    /// Shop API requests per minute per credential (the newest Loyalty.lt docs say 300).
    public var shopRateLimitPerMinute: Int = 300
    /// Partner API requests per hour per partner (its users and API credentials together).
    public var partnerRateLimitPerHour: Int = 5_000
    /// Member (customer-token) requests per minute per customer.
    public var memberRateLimitPerMinute: Int = 120
    public var maxBodyBytes: Int = 1 << 20
    /// Bulk endpoints accept larger bodies (thousands of items).
    public var maxBulkBodyBytes: Int = 8 << 20
    /// The largest XML product feed, uploaded or fetched (the spec's 10 MB).
    public var xmlMaxBytes: Int = 10 << 20
    /// The largest stamp image a partner may upload (P18).
    public var gameImageMaxBytes: Int = 2 << 20
    public var databaseTimeoutSeconds: Double = 10
    public var postgresMaxConnections: Int = 40
    /// How long a verified credential is trusted without a database look-up: a key
    /// revoked (`loyalty keys revoke`) stops working on every node within this time.
    public var credentialCacheSeconds: Double = 10
    public var logLevel: Logger.Level = .info
    /// Seconds between background sweeps (lot maturity and expiry, tier housekeeping); 0 = off.
    public var sweepIntervalSeconds: Double = 60
    /// Seconds between analytics rolls (the lag of analytics figures); 0 = off.
    public var analyticsIntervalSeconds: Double = 10
    /// Hours an export's file stays downloadable.
    public var exportTTLHours: Int64 = 24
    /// The largest CSV an import job accepts.
    public var importMaxBytes: Int = 20 << 20
    /// Export and import jobs this node runs at once (0 = none: other nodes run them).
    public var jobWorkers: Int = 1
    /// OAuth access token lifetime (opaque; revocation ends one at once).
    public var oauthAccessTTLSeconds: Int64 = 3_600
    /// OAuth refresh token lifetime (single use, rotated).
    public var oauthRefreshTTLDays: Int64 = 30
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
    /// Lifetime of a partner user's access token (short: a role change or sign-out
    /// also ends it at once, through the token version).
    public var partnerTokenTTLSeconds: Int64 = 900
    public var partnerRefreshTokenTTLDays: Int64 = 14
    /// bcrypt cost of partner users' password hashes (2^cost rounds).
    public var passwordHashCost: Int = 12
    /// Partner sign-in lock-out: failures before the first lock, its length (doubling per further failure) and its cap.
    public var loginLockThreshold: Int64 = 5
    public var loginLockSeconds: Int64 = 30
    public var loginLockMaxSeconds: Int64 = 3600
    /// The Pusher app key clients connect with (`/app/{key}`); public by design.
    public var realtimeKey: String = "loyalty"
    /// What `realtime/config` advertises; `nil` = the host, port and scheme of the request.
    public var realtimeHost: String?
    public var realtimePort: Int?
    public var realtimeScheme: String?
    /// WebSocket connections per node; beyond it a client gets Pusher error 4100.
    public var realtimeMaxConnections: Int = 20_000
    /// Run Swift concurrency on NIO's event loops (measured faster, docs/PERFORMANCE.md).
    public var useNIOExecutor: Bool = true
    /// `LOYALTY_*` variables that were set but that no setting reads (reported at start-up).
    public var unknownVariables: [String] = []

    public init() {}

    /// Reads every `LOYALTY_*` variable once. A variable that is set but unusable (not a
    /// number, out of range, an unknown choice, a malformed URL) is never replaced by its
    /// default: the result is a ``ConfigurationError`` naming each such variable and the
    /// form it accepts. Unset or empty variables keep the defaults above.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        var c = AppConfig()
        var r = EnvironmentReader(env)
        c.databaseURL = r.value("LOYALTY_DATABASE_URL", default: nil, expected: PostgresURL.expectedForm, shown: PostgresURL.redacted) {
            text -> String?? in
            (try? PostgresURL(text)) == nil ? nil : .some(text)
        }
        c.dataDirectory = r.string("LOYALTY_DATA_DIR") ?? c.dataDirectory
        c.host = r.string("LOYALTY_HOST") ?? c.host
        c.port = r.integer("LOYALTY_PORT", default: c.port, in: 0...65_535)
        c.environment = r.choice("LOYALTY_ENV", default: c.environment)
        c.shopRateLimitPerMinute = r.integer("LOYALTY_RATE_LIMIT_SHOP", default: c.shopRateLimitPerMinute, in: 0...10_000_000)
        c.partnerRateLimitPerHour = r.integer("LOYALTY_RATE_LIMIT_PARTNER", default: c.partnerRateLimitPerHour, in: 0...100_000_000)
        c.memberRateLimitPerMinute = r.integer("LOYALTY_RATE_LIMIT_MEMBER", default: c.memberRateLimitPerMinute, in: 0...10_000_000)
        c.maxBodyBytes = r.integer("LOYALTY_MAX_BODY_BYTES", default: c.maxBodyBytes, in: 1_024...(256 << 20))
        c.databaseTimeoutSeconds = r.number("LOYALTY_DB_TIMEOUT_SECONDS", default: c.databaseTimeoutSeconds, in: 0...3_600)
        c.postgresMaxConnections = r.integer("LOYALTY_PG_MAX_CONNECTIONS", default: c.postgresMaxConnections, in: 1...10_000)
        c.logLevel = r.choice("LOYALTY_LOG_LEVEL", default: c.logLevel)
        c.sweepIntervalSeconds = r.number("LOYALTY_SWEEP_SECONDS", default: c.sweepIntervalSeconds, in: 0...86_400)
        c.analyticsIntervalSeconds = r.number("LOYALTY_ANALYTICS_SECONDS", default: c.analyticsIntervalSeconds, in: 0...86_400)
        c.exportTTLHours = r.integer("LOYALTY_EXPORT_TTL_HOURS", default: c.exportTTLHours, in: 1...8_760)
        c.importMaxBytes = r.integer("LOYALTY_IMPORT_MAX_BYTES", default: c.importMaxBytes, in: 1_024...(1 << 30))
        c.jobWorkers = r.integer("LOYALTY_JOB_WORKERS", default: c.jobWorkers, in: 0...64)
        c.oauthAccessTTLSeconds = r.integer("LOYALTY_OAUTH_ACCESS_TTL_SECONDS", default: c.oauthAccessTTLSeconds, in: 1...86_400)
        c.oauthRefreshTTLDays = r.integer("LOYALTY_OAUTH_REFRESH_TTL_DAYS", default: c.oauthRefreshTTLDays, in: 1...365)
        c.webhookRetryScheduleMillis = r.value(
            "LOYALTY_WEBHOOK_RETRY_SCHEDULE",
            default: c.webhookRetryScheduleMillis,
            expected:
                "1 to 20 comma-separated delays of at most 7 days, each a number with unit ms, s, m or h (seconds without a unit), e.g. 0,1m,5m,30m,2h",
            parseSchedule
        )
        c.webhookTimeoutSeconds = r.number("LOYALTY_WEBHOOK_TIMEOUT_SECONDS", default: c.webhookTimeoutSeconds, in: 0.001...600)
        c.webhookDisableAfter = r.integer("LOYALTY_WEBHOOK_DISABLE_AFTER", default: c.webhookDisableAfter, in: 1...1_000_000)
        c.webhookLeaseSeconds = r.number("LOYALTY_WEBHOOK_LEASE_SECONDS", default: c.webhookLeaseSeconds, in: 0.001...86_400)
        c.webhookConcurrency = r.integer("LOYALTY_WEBHOOK_CONCURRENCY", default: c.webhookConcurrency, in: 0...100_000)
        c.webhookPollMillis = r.integer("LOYALTY_WEBHOOK_POLL_MS", default: c.webhookPollMillis, in: 1...3_600_000)
        c.webhookAllowLoopback = r.flag("LOYALTY_WEBHOOK_ALLOW_LOOPBACK", default: c.webhookAllowLoopback)
        c.xmlMaxBytes = r.integer("LOYALTY_XML_MAX_BYTES", default: c.xmlMaxBytes, in: 1_024...(512 << 20))
        c.gameImageMaxBytes = r.integer("LOYALTY_GAME_IMAGE_MAX_BYTES", default: c.gameImageMaxBytes, in: 1_024...(32 << 20))
        c.bodyTimeoutSeconds = r.number("LOYALTY_BODY_TIMEOUT_SECONDS", default: c.bodyTimeoutSeconds, in: 0.001...3_600)
        c.idleTimeoutSeconds = r.number("LOYALTY_IDLE_TIMEOUT_SECONDS", default: c.idleTimeoutSeconds, in: 0.001...86_400)
        c.eventRetentionDays = r.number("LOYALTY_EVENT_RETENTION_DAYS", default: c.eventRetentionDays, in: 0.0001...36_500)
        c.cardTokenTTLSeconds = r.integer("LOYALTY_CARD_TOKEN_TTL_SECONDS", default: c.cardTokenTTLSeconds, in: 30...(30 * 86_400))
        c.qrSessionSeconds = r.integer("LOYALTY_QR_SESSION_SECONDS", default: c.qrSessionSeconds, in: 1...86_400)
        c.customerTokenTTLSeconds = r.integer("LOYALTY_CUSTOMER_TOKEN_TTL_SECONDS", default: c.customerTokenTTLSeconds, in: 1...(30 * 86_400))
        c.refreshTokenTTLDays = r.integer("LOYALTY_REFRESH_TOKEN_TTL_DAYS", default: c.refreshTokenTTLDays, in: 1...3_650)
        c.partnerTokenTTLSeconds = r.integer("LOYALTY_PARTNER_TOKEN_TTL_SECONDS", default: c.partnerTokenTTLSeconds, in: 30...86_400)
        c.partnerRefreshTokenTTLDays = r.integer("LOYALTY_PARTNER_REFRESH_TOKEN_TTL_DAYS", default: c.partnerRefreshTokenTTLDays, in: 1...365)
        c.passwordHashCost = r.integer("LOYALTY_PASSWORD_HASH_COST", default: c.passwordHashCost, in: 4...16)
        c.loginLockThreshold = r.integer("LOYALTY_LOGIN_LOCK_THRESHOLD", default: c.loginLockThreshold, in: 1...1_000)
        c.loginLockSeconds = r.integer("LOYALTY_LOGIN_LOCK_SECONDS", default: c.loginLockSeconds, in: 1...86_400)
        c.loginLockMaxSeconds = r.integer("LOYALTY_LOGIN_LOCK_MAX_SECONDS", default: c.loginLockMaxSeconds, in: 1...(30 * 86_400))
        c.realtimeKey = r.string("LOYALTY_REALTIME_KEY") ?? c.realtimeKey
        c.realtimeHost = r.string("LOYALTY_REALTIME_HOST")
        c.realtimePort = r.value("LOYALTY_REALTIME_PORT", default: nil, expected: "an integer from 1 to 65535") { text -> Int?? in
            Int(text).flatMap { (1...65_535).contains($0) ? .some($0) : nil }
        }
        c.realtimeScheme = r.value("LOYALTY_REALTIME_SCHEME", default: nil, expected: "one of http, https") { text -> String?? in
            ["http", "https"].contains(text) ? .some(text) : nil
        }
        c.realtimeMaxConnections = r.integer("LOYALTY_REALTIME_MAX_CONNECTIONS", default: c.realtimeMaxConnections, in: 1...10_000_000)
        c.useNIOExecutor = r.flag("LOYALTY_NIO_EXECUTOR", default: c.useNIOExecutor)
        try r.finish()
        // The SDK scenarios and the test harness pass their own LOYALTY_* settings through
        // the same environment; anything else unread is most likely a typo.
        c.unknownVariables = r.unread(prefix: "LOYALTY_", ignoring: ["LOYALTY_TEST_", "LOYALTY_API_", "LOYALTY_BASE_URL", "LOYALTY_BIN"])
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
                let n = Double(p.dropLast(suffix.count)), n >= 0, n <= 7 * 86_400_000 / factor
            else { return nil }
            out.append(Int64(n * factor))
        }
        return out
    }
}
