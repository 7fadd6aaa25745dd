import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyTestSupport
import Testing

/// The clock is injected: with a pinned clock every record carries its time, and
/// moving it moves what the server decides (expiry), with no sleeping.
@Suite("An injected clock pins time", .databases)
struct PinnedClockTests {
    @Test(arguments: Backend.allCases)
    func recordsCarryThePinnedTimeAndExpiryFollowsTheClock(_ backend: Backend) async throws {
        // 2030-01-02T03:04:05.000Z
        let clock = ManualWallClock(1_893_553_445_000)
        try await TestApp.with(backend, clock: clock) { app in
            let customer = try await app.customer("pinned@example.com")
            let r = try await app.post("/en/shop/transactions/create", #"{"order_id":"PIN-1","user_id":\#(customer),"order_total":10}"#)
            #expect(r.status == .created || r.status == .ok)
            let list = try await app.get("/en/shop/transactions?user_id=\(customer)")
            #expect(list.json["data"]?.arrayFirst?["created_at"] == .string("2030-01-02T03:04:05.000Z"), "\(list.json.serializedString())")

            // A card token issued now for 60 s is refused once the clock has moved 61 s.
            let card = try #require(try await app.get("/en/shop/loyalty-cards/balance?user_id=\(customer)").int("data", "card_id"))
            let token = try #require(try await app.get("/en/shop/cards/\(card)/qr-token?ttl_seconds=60").string("data", "token"))
            #expect(try await app.post("/en/shop/loyalty-cards/scan", #"{"qr_data":"\#(token)"}"#).status == .ok)
            clock.advance(byMillis: 61_000)
            #expect(try await app.post("/en/shop/loyalty-cards/scan", #"{"qr_data":"\#(token)"}"#).status == .gone)
        }
    }
}
