import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// The health endpoint reports what this node runs, from checks, on the real
/// application with its background services.
@Suite("Health reports real checks", .databases)
struct HealthTests {
    @Test(arguments: Backend.allCases)
    func servicesAreReportedFromTheirChecks(_ backend: Backend) async throws {
        let (database, initial) = try await makeDatabase(backend)
        var config = initial
        config.sweepIntervalSeconds = 0
        config.port = 0
        let services = AppServices(config: config, database: database)
        let app = buildApplication(services: services, logger: TestDatabases.quietLogger)
        try await app.test(.live) { client in
            var health = JSON.null
            // The dispatcher's first round and (PostgreSQL) the realtime listener's LISTEN.
            for _ in 0..<100 {
                let response = try await client.execute(uri: "/health", method: .get)
                health = try JSONDecoder().decode(JSON.self, from: Data(response.body.readableBytesView))
                if health["status"] == .string("ok"), health["services"]?["webhook_dispatcher"] == .string("operational"),
                    health["services"]?["realtime"] != .string("starting")
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let services = try #require(health["services"])
            #expect(health["status"] == .string("ok"))
            #expect(services["database"] == nil && health["checks"]?["database"]?["status"] == .string("operational"))
            #expect(services["points_system"] == .string("operational"))
            #expect(services["sweeper"] == .string("disabled"))
            #expect(services["webhook_dispatcher"] == .string("operational"))
            #expect(services["qr_session_expiry"] == .string("operational"))
            #expect(services["realtime"] == .string(backend == .postgres ? "operational" : "local"))
            // Features that do not exist are not reported at all.
            for absent in ["offers_coupons", "games", "xml_import"] { #expect(services[absent] == nil) }
        }
    }
}
