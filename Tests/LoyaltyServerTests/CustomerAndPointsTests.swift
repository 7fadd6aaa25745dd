import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@Suite("Seed FAQ operations: customers, points award/deduct, bulk award", .databases)
struct CustomerAndPointsTests {
    @Test(arguments: Backend.allCases)
    func customersAndPoints(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let id = try await Self.customersAreCreatedOnceAndFound(app)
            try await Self.anOrderIsCreditedOnceWhateverTheEndpoint(app, id)
            try await Self.partialRefundsAreCumulativeAndBounded(app, id)
            try await app.expectLedgerConsistent()
        }
    }

    /// Create (email normalised), a duplicate 409, look-ups by id, external id and email,
    /// and a 404 that names the id.
    static func customersAreCreatedOnceAndFound(_ app: TestApp) async throws -> Int64 {
        let created = try await app.post("/en/shop/customers", #"{"external_id":"cust_123","email":"Jane@Example.com","name":"Jane"}"#)
        #expect(created.status == .created)
        let id = try #require(created.int("data", "id"))
        #expect(created.string("data", "email") == "jane@example.com")
        let dup = try await app.post("/en/shop/customers", #"{"email":"jane@example.com"}"#)
        #expect(dup.status == .conflict)
        #expect(dup.string("error", "code") == "DUPLICATE_CUSTOMER")
        #expect(try await app.get("/en/shop/customers/\(id)").string("data", "external_id") == "cust_123")
        #expect(try await app.get("/en/shop/customers?external_id=cust_123").int("meta", "total") == 1)
        let listed = try await app.get("/en/shop/customers?external_id=cust_123")
        #expect(listed.data.arrayFirst?["loyalty_card"]?["card_number"] != nil, "list shows each customer's card")
        #expect(try await app.get("/en/shop/customers?email=JANE@example.com").int("meta", "total") == 1)
        let missing = try await app.get("/en/shop/customers/424242")
        #expect(missing.status == .notFound)
        #expect(missing.string("error", "code") == "CUSTOMER_NOT_FOUND")
        #expect(missing.json["error"]?["details"]?["customer_id"] == .string("424242"))
        return id
    }

    /// Award by external id; the order id keeps it from being credited twice, through
    /// `points/award` or `transactions/create`.
    static func anOrderIsCreditedOnceWhateverTheEndpoint(_ app: TestApp, _ id: Int64) async throws {
        let award = try await app.post(
            "/en/shop/points/award",
            #"{"customer_id":"cust_123","points":150,"reason":"purchase","order_id":"ORD-9","shop_id":\#(app.shop.shop.id)}"#
        )
        #expect(award.status == .created)
        let again = try await app.post("/en/shop/points/award", #"{"customer_id":\#(id),"points":150,"reason":"purchase","order_id":"ORD-9"}"#)
        #expect(again.status == .conflict)
        let viaCreate = try await app.post("/en/shop/transactions/create", #"{"order_id":"ORD-9","user_id":\#(id),"points":150}"#)
        #expect(viaCreate.status == .conflict)
    }

    /// Partial refunds by refund id: floor(refund / amount x points), cumulative, never
    /// more than was awarded, each refund id once.
    static func partialRefundsAreCumulativeAndBounded(_ app: TestApp, _ id: Int64) async throws {
        try await app.post("/en/shop/transactions/create", #"{"order_id":"ORD-10","user_id":\#(id),"order_total":150.00,"points":150}"#)
        let partial = try await app.post(
            "/en/shop/points/deduct",
            #"{"customer_id":\#(id),"order_id":"ORD-10","refund_id":"R1","refund_amount":50.00,"reason":"refund"}"#
        )
        #expect(partial.status == .ok)
        #expect(partial.int("data", "points_reversed") == 50)
        let sameRefund = try await app.post(
            "/en/shop/points/deduct",
            #"{"customer_id":\#(id),"order_id":"ORD-10","refund_id":"R1","refund_amount":50.00}"#
        )
        #expect(sameRefund.status == .conflict)
        let odd = try await app.post("/en/shop/points/deduct", #"{"customer_id":\#(id),"order_id":"ORD-10","refund_id":"R2","refund_amount":33.33}"#)
        #expect(odd.int("data", "points_reversed") == 33)
        let rest = try await app.post("/en/shop/points/deduct", #"{"customer_id":\#(id),"order_id":"ORD-10","refund_id":"R3"}"#)
        #expect(rest.int("data", "points_reversed") == 67)
        let more = try await app.post("/en/shop/points/deduct", #"{"customer_id":\#(id),"order_id":"ORD-10","refund_id":"R4"}"#)
        #expect(more.status == .conflict)
        let balance = try await app.get("/en/shop/customers/\(id)/balance")
        #expect(balance.int("data", "points") == 150)
    }

    @Test(arguments: Backend.allCases)
    func refundOfSpentPointsTakesWhatIsThere(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("s@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"O1","user_id":\#(user),"points":100}"#)
            try await app.post("/en/shop/transactions/create", #"{"order_id":"O2","user_id":\#(user),"order_total":0,"points_redeemed":80}"#)
            let refund = try await app.post("/en/shop/transactions/create", #"{"order_id":"O1","user_id":\#(user),"type":"refund"}"#)
            #expect(refund.int("data", "points_reversed") == 20)
            #expect(refund.int("data", "points_shortfall") == 80)
            #expect(try await app.balance(user) == 0)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func bulkAwardIsAtomicPerItem(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let a = try await app.customer("bulk-a@example.com")
            let b = try await app.customer("bulk-b@example.com")
            var items: [String] = []
            for i in 0..<600 { items.append(#"{"customer_id":\#(i % 2 == 0 ? a : b),"points":2,"order_id":"B-\#(i)","reason":"bulk_bonus"}"#) }
            items.append(#"{"customer_id":\#(a),"points":2,"order_id":"B-0"}"#)  // duplicate
            items.append(#"{"customer_id":999999,"points":2,"order_id":"B-X"}"#)  // unknown customer
            items.append(#"{"customer_id":\#(a),"points":-2,"order_id":"B-Y"}"#)  // invalid
            items.append(#"7"#)  // not an object
            let r = try await app.post("/en/shop/points/bulk-award", #"{"awards":[\#(items.joined(separator: ","))]}"#)
            #expect(r.status == .ok)
            #expect(r.int("data", "awarded") == 600)
            #expect(r.int("data", "duplicates") == 1)
            #expect(r.int("data", "failed") == 3)
            guard case let .array(results)? = r.data["results"] else {
                Issue.record("no results")
                return
            }
            #expect(results.count == 604)
            #expect(results[600]["status"] == .string("duplicate"))
            #expect(results[601]["error"]?["code"] == .string("CUSTOMER_NOT_FOUND"))
            #expect(results[602]["error"]?["errors"]?["points"] != nil)
            #expect(try await app.balance(a) == 600)
            #expect(try await app.balance(b) == 600)
            try await app.expectLedgerConsistent()
        }
    }
}
