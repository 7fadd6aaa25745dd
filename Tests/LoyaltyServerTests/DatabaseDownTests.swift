import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@Suite("A database that does not answer gives 503, not a hang", .databases)
struct DatabaseDownTests {
    @Test func unreachablePostgresAnswers503() async throws {
        var config = AppConfig()
        // Nothing listens on port 1: the pool keeps retrying, the deadline answers.
        config.databaseURL = "postgres://postgres@127.0.0.1:1/none"
        config.databaseTimeoutSeconds = 1
        let database = try await AppServices.openDatabase(config, logger: Logger(label: "test"))
        let services = AppServices(config: config, database: database)
        let runner = Task { await database.run() }
        defer { runner.cancel() }
        let app = Application(router: buildRouter(services: services))
        try await app.test(.router) { client in
            let started = Date()
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .serviceUnavailable)
            #expect(String(buffer: health.body).contains("\"degraded\""))
            var headers = HTTPFields()
            headers[HTTPField.Name("X-API-Key")!] = "lty_" + String(repeating: "a", count: 40)
            headers[HTTPField.Name("X-API-Secret")!] = "secret"
            let call = try await client.execute(uri: "/en/shop/validate-credentials", method: .post, headers: headers)
            #expect(call.status == .serviceUnavailable)
            #expect(String(buffer: call.body).contains("SERVICE_UNAVAILABLE"))
            // A liveness bound, not a performance figure: each call has its 1 s deadline; a
            // hang would never return. Generous because the whole suite shares two cores.
            #expect(Date().timeIntervalSince(started) < 30)
        }
    }
}
