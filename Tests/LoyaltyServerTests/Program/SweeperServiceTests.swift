import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import LoyaltyCore
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import SQLKit
import Testing

@Suite("The server's background sweeper", .databases)
struct SweeperServiceTests {
    /// The real application (services included) on a socket: with sweeping off the
    /// server must stay up; with it on, a lapsed lot is expired without any request.
    @Test(arguments: [0.0, 0.05])
    func serverRunsWithTheSweeperOnOrOff(_ interval: Double) async throws {
        let (database, initial) = try await makeDatabase(.sqlite)
        var config = initial
        config.sweepIntervalSeconds = interval
        config.port = 0
        let services = AppServices(config: config, database: database)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = buildApplication(services: services, logger: logger)
        try await app.test(.live) { client in
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            let shop = try await services.provisionShop(name: "Sweep")
            let (customer, _) = try await services.customers.createCustomer(
                partnerID: shop.partner.id,
                externalID: "s-1",
                email: nil,
                phone: nil,
                name: nil
            )
            let outcome = try await services.ledger.post(
                TransactionCommand(partnerID: shop.partner.id, customer: .id(customer.id), orderID: "S-1", type: .bonus, points: 10)
            )
            try await database.write { db in try await db.raw("UPDATE point_lots SET expires_at = 1").run() }
            var balance = outcome.card.balance
            for _ in 0..<40 where balance != 0 {
                try await Task.sleep(for: .milliseconds(50))
                balance = try await services.customers.primaryCard(partnerID: shop.partner.id, customerID: customer.id)?.balance ?? -1
            }
            #expect(balance == (interval > 0 ? 0 : 10))
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            #expect(try await services.ledger.invariantViolations(partnerID: nil).isEmpty)
        }
    }
}
