import Foundation
import Logging
import LoyaltyCore
import LoyaltyServer
import Testing

/// Every setting refuses a bad value with a message naming the variable and the
/// accepted form, instead of silently falling back to its default.
@Suite struct ConfigurationTests {
    static let badValues: [(String, String)] = [
        ("LOYALTY_DATABASE_URL", "mysql://root@localhost/db"),
        ("LOYALTY_DATABASE_URL", "postgres://u@h/db?sslmode=sometimes"),
        ("LOYALTY_DATABASE_URL", "postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"),
        ("LOYALTY_PORT", "abc"),
        ("LOYALTY_PORT", "70000"),
        ("LOYALTY_ENV", "prod"),
        ("LOYALTY_RATE_LIMIT_SHOP", "-1"),
        ("LOYALTY_MAX_BODY_BYTES", "1MB"),
        ("LOYALTY_DB_TIMEOUT_SECONDS", "ten"),
        ("LOYALTY_PG_MAX_CONNECTIONS", "0"),
        ("LOYALTY_LOG_LEVEL", "verbose"),
        ("LOYALTY_SWEEP_SECONDS", "-5"),
        ("LOYALTY_WEBHOOK_RETRY_SCHEDULE", "0,1x"),
        ("LOYALTY_WEBHOOK_TIMEOUT_SECONDS", "0"),
        ("LOYALTY_WEBHOOK_DISABLE_AFTER", "0"),
        ("LOYALTY_WEBHOOK_LEASE_SECONDS", "nan"),
        ("LOYALTY_WEBHOOK_CONCURRENCY", "many"),
        ("LOYALTY_WEBHOOK_POLL_MS", "0"),
        ("LOYALTY_WEBHOOK_ALLOW_LOOPBACK", "maybe"),
        ("LOYALTY_BODY_TIMEOUT_SECONDS", "inf"),
        ("LOYALTY_IDLE_TIMEOUT_SECONDS", "-1"),
        ("LOYALTY_EVENT_RETENTION_DAYS", "0"),
        ("LOYALTY_CARD_TOKEN_TTL_SECONDS", "10"),
        ("LOYALTY_QR_SESSION_SECONDS", "0"),
        ("LOYALTY_CUSTOMER_TOKEN_TTL_SECONDS", "1h"),
        ("LOYALTY_REFRESH_TOKEN_TTL_DAYS", "0"),
        ("LOYALTY_REALTIME_PORT", "0"),
        ("LOYALTY_REALTIME_SCHEME", "ws"),
        ("LOYALTY_REALTIME_MAX_CONNECTIONS", "0"),
        ("LOYALTY_NIO_EXECUTOR", "2"),
    ]

    @Test(arguments: badValues)
    func badValueStopsStartUp(_ variable: String, _ value: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try AppConfig.fromEnvironment([variable: value]) }
        #expect(error.problems.count == 1)
        #expect(error.problems.first?.variable == variable)
        #expect(error.problems.first?.value == value)
        #expect(error.description.contains(variable) && error.description.contains("expected"))
        #expect(error.problems.first?.expected.isEmpty == false)
    }

    @Test func aBadDatabaseURLIsReportedWithoutItsPassword() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try AppConfig.fromEnvironment(["LOYALTY_DATABASE_URL": "postgres://app:s3cret@db:5432/loyalty?sslmode=sometimes"])
        }
        #expect(!error.description.contains("s3cret"))
        #expect(error.problems.first?.value == "postgres://app:***@db:5432/loyalty?sslmode=sometimes")
    }

    @Test func everyBadValueIsReportedAtOnce() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try AppConfig.fromEnvironment(["LOYALTY_PORT": "abc", "LOYALTY_LOG_LEVEL": "loud", "LOYALTY_SWEEP_SECONDS": "x"])
        }
        #expect(Set(error.problems.map(\.variable)) == ["LOYALTY_PORT", "LOYALTY_LOG_LEVEL", "LOYALTY_SWEEP_SECONDS"])
    }

    @Test func goodValuesAreRead() throws {
        let config = try AppConfig.fromEnvironment([
            "LOYALTY_PORT": "9090", "LOYALTY_LOG_LEVEL": "debug", "LOYALTY_WEBHOOK_ALLOW_LOOPBACK": "yes", "LOYALTY_ENV": "staging",
            "LOYALTY_DATABASE_URL": "postgres://u:p@db.example:5433/loyalty?sslmode=verify-full", "LOYALTY_WEBHOOK_RETRY_SCHEDULE": "0, 200ms, 1s",
            "LOYALTY_REALTIME_SCHEME": "https", "LOYALTY_NIO_EXECUTOR": "0", "LOYALTY_PROT": "8081",
        ])
        #expect(config.port == 9090)
        #expect(config.logLevel == .debug)
        #expect(config.webhookAllowLoopback)
        #expect(config.environment == .staging)
        #expect(config.databaseURL == "postgres://u:p@db.example:5433/loyalty?sslmode=verify-full")
        #expect(config.webhookRetryScheduleMillis == [0, 200, 1000])
        #expect(config.realtimeScheme == "https")
        #expect(!config.useNIOExecutor)
        #expect(config.unknownVariables == ["LOYALTY_PROT"])
    }

    @Test func unsetAndEmptyKeepDefaults() throws {
        let config = try AppConfig.fromEnvironment(["LOYALTY_PORT": "", "LOYALTY_DATABASE_URL": ""])
        #expect(config.port == AppConfig().port)
        #expect(config.databaseURL == nil)
        #expect(config.logLevel == .info)
    }
}
