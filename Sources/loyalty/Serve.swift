import ArgumentParser
import Foundation
import Hummingbird
import Logging
import LoyaltyCore
import LoyaltyServer
import LoyaltyStore
import NIOCore
import NIOPosix

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the HTTP server (creates the schema, and a demo shop on an empty database).")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Address to listen on. Default: $LOYALTY_HOST or 127.0.0.1.")
    var host: String?

    @Option(help: "Port to listen on. Default: $LOYALTY_PORT or 8080.")
    var port: Int?

    @Option(help: "Environment the server's API keys must belong to (production|staging). Default: $LOYALTY_ENV or production.")
    var env: DeploymentEnvironment?

    func run() async throws {
        var config = try database.config()
        if let host { config.host = host }
        if let port { config.port = port }
        if let env { config.environment = env }
        // Measured (docs/PERFORMANCE.md): running Swift concurrency on NIO's event loops
        // removes a thread hop per await between the HTTP server, the drivers and handlers.
        if config.useNIOExecutor {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        let logger = Logger.loyalty(config)
        if !config.unknownVariables.isEmpty {
            logger.warning("ignoring unknown settings (typos?)", metadata: ["variables": .string(config.unknownVariables.joined(separator: ", "))])
        }
        let db = try await AppServices.openDatabase(config, logger: logger)
        let services = AppServices(config: config, database: db, logger: logger)
        let baseURL = "http://\(config.host):\(config.port)"
        let settings = config
        let backend = config.databaseURL == nil ? "SQLite at \(config.dataDirectory)/loyalty.sqlite" : "PostgreSQL"
        // Runs after migrations, while the database client is running, before the socket opens.
        let seed: @Sendable () async throws -> Void = {
            say("loyalty \(settings.version) - \(backend), environment \(settings.environment.rawValue)")
            if try await services.tenants.isEmpty() {
                let demo = try await services.provisionShop(name: "Demo Shop")
                _ = try? await services.customers.createCustomer(
                    partnerID: demo.partner.id,
                    externalID: "demo-1",
                    email: "demo@loyalty.lt",
                    phone: "+37060000001",
                    name: "Demo Customer"
                )
                say(
                    """
                    Created a demo partner and shop on this empty database:
                      partner id:  \(demo.partner.id)
                      shop id:     \(demo.shop.id)
                      API key:     \(demo.credential.key)
                      API secret:  \(demo.secret)   (shown once; only its hash is stored)
                      demo user:   demo@loyalty.lt
                    Try: curl -s -X POST \(baseURL)/en/shop/validate-credentials -H 'X-API-Key: \(demo.credential.key)' -H 'X-API-Secret: \(demo.secret)'
                    """
                )
            }
            say("Base URL: \(baseURL)  (Shop API under \(baseURL)/{lt|en}/shop, spec at \(baseURL)/openapi.yaml)")
        }
        let app = buildApplication(services: services, logger: logger, beforeServing: seed)
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let applied = try await withServices(try database.config()) { services in
            try await Migrator(database: services.database).migrate()
        }
        say(applied.isEmpty ? "Schema is up to date." : "Applied migrations: \(applied.map(String.init).joined(separator: ", "))")
    }
}

/// Writes a line straight to standard output (unbuffered), so the one-time secret
/// reaches a log file even when the server keeps running.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
