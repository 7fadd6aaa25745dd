import Foundation
import Logging
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport

/// Opens a fresh, migrated database of the given backend (a copy of the migrated
/// template, see ``TestDatabases``) with the configuration that points at it.
func makeDatabase(_ backend: Backend) async throws -> (any DatabaseClient, AppConfig) {
    var config = AppConfig()
    // The lowest bcrypt cost: tests sign in often; the hash is as real, only cheaper.
    config.passwordHashCost = 4
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    switch backend {
    case .sqlite:
        config.dataDirectory = try await TestDatabases.shared.newSQLiteDirectory()
    case .postgres:
        config.databaseURL = try await TestDatabases.shared.newPostgresURL()
        config.postgresMaxConnections = 20
    }
    let db = try await AppServices.openDatabase(config, logger: logger)
    return (db, config)
}
