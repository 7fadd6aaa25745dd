import Foundation
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import SQLKit
import Testing

@Suite("Events are written to the outbox with the change", .databases)
struct OutboxTests {
    @Test(arguments: Backend.allCases)
    func transactionCreatedEvents(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("ob@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"OB-1","user_id":\#(user),"order_total":12.30}"#)
            try await app.post("/en/shop/transactions/create", #"{"order_id":"OB-1","user_id":\#(user),"order_total":12.30}"#)  // duplicate: no event
            try await app.post("/en/shop/transactions/create", #"{"order_id":"OB-2","user_id":\#(user),"order_total":0,"points_redeemed":2}"#)
            let payloads = try await app.services.database.read { db in
                try await db.raw("SELECT payload FROM outbox WHERE event_type = 'transaction.created' ORDER BY id").all().map {
                    try $0.decode(column: "payload", as: String.self)
                }
            }
            #expect(payloads.count == 2)
            #expect(try await app.outboxTypes() == ["customer.created", "card.issued", "transaction.created", "transaction.created"])
            let events = try payloads.map { try JSONDecoder().decode(JSON.self, from: Data($0.utf8)) }
            #expect(events[0]["event"] == .string("transaction.created"))
            #expect(events[0]["data"]?["order_id"] == .string("OB-1"))
            #expect(events[0]["data"]?["points_awarded"] == .int(12))
            #expect(events[0]["data"]?["points_balance"] == .int(12))
            #expect(events[0]["data"]?["amount"] == .double(12.3))
            #expect(events[1]["data"]?["points_redeemed"] == .int(2))
            #expect(events[1]["data"]?["points_balance"] == .int(10))
        }
    }
}
