import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@Suite("Point lots: pending, expiry, spending order, transfers", .databases)
struct LotTests {
    @Test(arguments: Backend.allCases)
    func pendingThenExpiry(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            try await app.setProgram(#"{"pending_days": 14, "expiry": {"policy": "days", "days": 30}}"#)
            let user = try await app.customer("lots@example.com")
            let buy = try await app.post("/en/shop/transactions/create", #"{"order_id":"P-1","user_id":\#(user),"order_total":50.00}"#)
            #expect(buy.int("data", "pending_points") == 50 && buy.int("data", "available_points") == 0)
            var p = try await app.points(user)
            #expect(p.int("data", "points") == 50 && p.int("data", "pending_points") == 50 && p.int("data", "available_points") == 0)
            #expect(p.int("data", "expiring_soon", "points") == 50)
            // Pending points are not spendable.
            let early = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"S-1","user_id":\#(user),"order_total":0,"points_redeemed":10}"#
            )
            #expect(early.status == .badRequest)
            // A bonus award is spendable at once.
            try await app.post("/en/shop/points/award", #"{"customer_id":\#(user),"points":5,"order_id":"B-1"}"#)
            #expect(try await app.points(user).int("data", "available_points") == 5)
            try await app.expectLedgerConsistent()

            // A purchase refunded inside its return window leaves a spent-out pending lot behind.
            try await app.post("/en/shop/transactions/create", #"{"order_id":"P-2","user_id":\#(user),"order_total":10.00}"#)
            let inWindow = try await app.post("/en/shop/transactions/create", #"{"order_id":"P-2","user_id":\#(user),"type":"refund"}"#)
            #expect(inWindow.int("data", "points_reversed") == 10 && inWindow.int("data", "pending_points") == 50)
            let now = SystemWallClock().nowMillis()
            #expect(try await app.services.sweeper.mature(now: now + 15 * day) == 1)
            p = try await app.points(user)
            #expect(p.int("data", "pending_points") == 0 && p.int("data", "available_points") == 55)
            try await app.expectLedgerConsistent()

            // The dry run shows what would lapse and changes nothing.
            // The purchase lot expires 30 days after it matures (day 44), the bonus 30 days after the award.
            let preview = try await app.services.sweeper.preview(now: now + 45 * day)
            #expect(preview.first?.points == 55 && preview.first?.lots == 2)
            #expect(try await app.balance(user) == 55)
            let swept = try await app.services.sweeper.expire(now: now + 45 * day)
            #expect(swept.points == 55 && swept.lots == 2 && swept.cards == 1)
            p = try await app.points(user)
            #expect(p.int("data", "points") == 0 && p.int("data", "lifetime_expired") == 55)
            #expect(p.data["expiring_soon"] == .null)
            // Idempotent: a second sweep finds nothing.
            #expect(try await app.services.sweeper.expire(now: now + 45 * day).lots == 0)
            let expiredEntries = try await app.column("SELECT points FROM ledger_entries WHERE type = 'expired'", "points")
            #expect(expiredEntries == ["-55"], "\(expiredEntries)")
            #expect(try await app.outboxTypes().contains("points.expired"))
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func spendingDrawsEarliestExpiryFirst(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("fifo@example.com")
            try await app.setProgram(#"{"expiry": {"policy": "days", "days": 30}}"#)
            try await app.post("/en/shop/transactions/create", #"{"order_id":"LATE","user_id":\#(user),"order_total":30.00}"#)
            try await app.setProgram(#"{"expiry": {"policy": "days", "days": 10}}"#)
            try await app.post("/en/shop/transactions/create", #"{"order_id":"SOON","user_id":\#(user),"order_total":20.00}"#)
            #expect(try await app.points(user).int("data", "expiring_soon", "points") == 20)
            let spend = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"SPEND","user_id":\#(user),"order_total":0,"points_redeemed":25}"#
            )
            #expect(spend.status == .created)
            let lots = try await app.lots(user)
            #expect(lots.count == 1 && lots.first?["remaining"] == .int(25) && lots.first?["points"] == .int(30), "\(lots)")
            #expect(try await app.points(user).int("data", "expiring_soon", "points") == 25)
            let all = try await app.lots(user, all: true)
            #expect(all.compactMap { $0["spent"]?.int } == [5, 20])
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func transfersMoveLotsWithTheirExpiry(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            try await app.setProgram(#"{"expiry": {"policy": "days", "days": 30}}"#)
            let a = try await app.customer("a@example.com")
            let b = try await app.customer("b@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"A-1","user_id":\#(a),"order_total":100.00}"#)
            let t = try await app.post(
                "/en/shop/points/transfer",
                #"{"from_customer_id":\#(a),"to_email":"b@example.com","points":40,"reason":"gift","reference":"T-1"}"#
            )
            #expect(t.status == .created, "\(t.json.serializedString())")
            #expect(t.int("data", "from", "points_balance") == 60 && t.int("data", "to", "points_balance") == 40)
            let source = try await app.lots(a).first?["expires_at"]
            let received = try await app.lots(b)
            #expect(received.count == 1 && received.first?["expires_at"] == source && received.first?["source"] == .string("transfer"))

            let again = try await app.post(
                "/en/shop/points/transfer",
                #"{"from_customer_id":\#(a),"to_customer_id":\#(b),"points":40,"reason":"gift","reference":"T-1"}"#
            )
            #expect(again.status == .conflict)
            let tooMuch = try await app.post(
                "/en/shop/points/transfer",
                #"{"from_customer_id":\#(a),"to_customer_id":\#(b),"points":61,"reason":"gift"}"#
            )
            #expect(tooMuch.status == .badRequest)
            let selfTransfer = try await app.post(
                "/en/shop/points/transfer",
                #"{"from_customer_id":\#(a),"to_customer_id":\#(a),"points":1,"reason":"x"}"#
            )
            #expect(selfTransfer.status == .unprocessableContent)
            let noReason = try await app.post("/en/shop/points/transfer", #"{"from_customer_id":\#(a),"to_customer_id":\#(b),"points":1}"#)
            #expect(noReason.status == .unprocessableContent)
            let (balanceA, balanceB) = (try await app.balance(a), try await app.balance(b))
            #expect(balanceA == 60 && balanceB == 40)
            #expect(try await app.outboxTypes().filter { $0 == "points.transferred" }.count == 1)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func adjustmentsRecordReasonAndRespectTheNegativePolicy(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("adj@example.com")
            let up = try await app.post("/en/shop/points/adjust", #"{"customer_id":\#(user),"points":50,"reason":"goodwill","actor":"alice"}"#)
            #expect(up.status == .created && up.int("data", "points_balance") == 50)
            let down = try await app.post("/en/shop/points/adjust", #"{"customer_id":\#(user),"points":-80,"reason":"correction"}"#)
            #expect(down.status == .badRequest)
            #expect(
                try await app.post("/en/shop/points/adjust", #"{"customer_id":\#(user),"points":0,"reason":"x"}"#).status == .unprocessableContent
            )
            #expect(try await app.post("/en/shop/points/adjust", #"{"customer_id":\#(user),"points":5}"#).status == .unprocessableContent)
            try await app.setProgram(#"{"allow_negative_balance": true}"#)
            let negative = try await app.post(
                "/en/shop/points/adjust",
                #"{"customer_id":\#(user),"points":-80,"reason":"correction","reference":"ADJ-2"}"#
            )
            #expect(negative.status == .created && negative.int("data", "points_balance") == -30)
            #expect(
                try await app.column("SELECT metadata FROM transactions WHERE type = 'adjustment' ORDER BY id", "metadata").first?.contains("alice")
                    == true
            )
            try await app.expectLedgerConsistent()
        }
    }
}

@Suite("Lots: holds, maturity before expiry, hostile cart lines", .databases)
struct LotEdgeTests {
    @Test(arguments: Backend.allCases)
    func refundIntoHeldPointsShrinksTheHold(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("hold@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"H-1","user_id":\#(user),"order_total":100.00}"#)
            let hold = try await app.post("/en/shop/points/reserve", #"{"user_id":\#(user),"order_id":"CART-1","points":80}"#)
            #expect(hold.status == .created)
            let refund = try await app.post("/en/shop/transactions/create", #"{"order_id":"H-1","user_id":\#(user),"type":"refund"}"#)
            #expect(refund.int("data", "points_reversed") == 100)
            let p = try await app.points(user)
            #expect(p.int("data", "points") == 0 && p.int("data", "reserved_points") == 0)
            // Consuming or releasing the shrunken hold never takes the balance below zero.
            let consume = try await app.post("/en/shop/transactions/create", #"{"order_id":"CART-1","user_id":\#(user),"order_total":0}"#)
            #expect(consume.status == .badRequest, "\(consume.json.serializedString())")
            #expect(try await app.post("/en/shop/points/release", #"{"order_id":"CART-1"}"#).status == .ok)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func pendingPointsExpireOnlyAfterTheyMature(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            try await app.setProgram(#"{"pending_days": 14, "expiry": {"policy": "days", "days": 7}}"#)
            let user = try await app.customer("mature@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"M-1","user_id":\#(user),"order_total":10.00}"#)
            let lot = try #require(try await app.lots(user).first)
            let matures = try #require(lot["matures_at"]?.string)
            let expires = try #require(lot["expires_at"]?.string)
            #expect(expires > matures, "expires \(expires) before it matures \(matures)")
            let now = SystemWallClock().nowMillis()
            #expect(try await app.services.sweeper.expire(now: now + 10 * day).lots == 0)
            #expect(try await app.services.sweeper.mature(now: now + 15 * day) == 1)
            #expect(try await app.points(user).int("data", "available_points") == 10)
            #expect(try await app.services.sweeper.expire(now: now + 22 * day).points == 10)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func hostileCartLinesAreIgnoredNotFatal(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            try await app.setProgram(#"{"rules": [{"id": "c", "multiplier": 2, "categories": ["x"]}]}"#)
            let user = try await app.customer("cart@example.com")
            let r = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"X-1","user_id":\#(user),"order_total":10.00,"cart_items":[{"category":"x","unit_price":1000000000000,"quantity":1000000},{"category":"x","unit_price":"-5"},{"category":"x","total_price":2.00}]}"#
            )
            #expect(r.status == .created, "\(r.json.serializedString())")
            #expect(r.int("data", "points_awarded") == 12)
        }
    }
}
