import ArgumentParser
import Foundation
import Logging
import LoyaltyCore
import LoyaltyServer
import LoyaltyStore

@main
struct LoyaltyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loyalty",
        abstract: "A self-hostable loyalty platform, wire-compatible with the Loyalty.lt Shop API.",
        discussion: """
            Runs on an embedded SQLite database in ./data by default; set LOYALTY_DATABASE_URL \
            (or --database-url) to a postgres:// URL to use PostgreSQL.
            """,
        subcommands: [
            Serve.self, Migrate.self, ShopCommand.self, KeysCommand.self, SigningKeysCommand.self, CustomersCommand.self, ProgramCommand.self,
            ExpireCommand.self, CheckCommand.self, PartnerCommand.self,
        ],
        defaultSubcommand: Serve.self
    )
}

/// Where the data lives; shared by every subcommand.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL (postgres://user:pass@host:port/db). Default: $LOYALTY_DATABASE_URL, else embedded SQLite.")
    var databaseURL: String?

    @Option(help: "Directory of the embedded SQLite database. Default: $LOYALTY_DATA_DIR or ./data.")
    var dataDir: String?

    /// The environment's configuration with these flags applied; a bad value exits
    /// with the variable's name and its accepted form.
    func config() throws -> AppConfig {
        var c = try AppConfig.fromEnvironment()
        if let databaseURL { c.databaseURL = databaseURL }
        if let dataDir { c.dataDirectory = dataDir }
        return c
    }
}

/// Opens the database, migrates it, runs `body` with the services, and closes it.
func withServices<T: Sendable>(_ config: AppConfig, _ body: @escaping @Sendable (AppServices) async throws -> T) async throws -> T {
    let logger = Logger.loyalty(config, atLeast: .warning)
    let database = try await AppServices.openDatabase(config, logger: logger)
    let services = AppServices(config: config, database: database, logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await database.run()
            return nil
        }
        do {
            try await Migrator(database: database).migrate()
            let result = try await body(services)
            group.cancelAll()
            await database.shutdown()
            return result
        } catch {
            group.cancelAll()
            await database.shutdown()
            throw error
        }
    }
}

func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

extension DeploymentEnvironment: ExpressibleByArgument {}
