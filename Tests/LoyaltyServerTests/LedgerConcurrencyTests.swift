import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@Suite("Ledger guarantees under concurrency", .databases)
struct LedgerConcurrencyTests {
    @Test(arguments: Backend.allCases)
    func concurrentRedemptionsNeverOverdraw(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("race@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"seed","user_id":\#(user),"points":100}"#)
            // 30 clients each try to spend 10 of the 100 points, while 20 others earn 5.
            let statuses = try await concurrently(50) { i -> (String, HTTPResponse.Status) in
                if i < 30 {
                    return (
                        "spend",
                        try await app.post(
                            "/en/shop/transactions/create",
                            #"{"order_id":"S\#(i)","user_id":\#(user),"order_total":0,"points_redeemed":10}"#
                        ).status
                    )
                }
                return ("earn", try await app.post("/en/shop/transactions/create", #"{"order_id":"E\#(i)","user_id":\#(user),"points":5}"#).status)
            }
            let spent = statuses.filter { $0.0 == "spend" && $0.1 == .created }.count
            let refused = statuses.filter { $0.0 == "spend" && $0.1 == .badRequest }.count
            let earned = statuses.filter { $0.0 == "earn" && $0.1 == .created }.count
            #expect(earned == 20)
            #expect(spent + refused == 30)
            #expect(spent >= 10, "at least the first 100 points were spendable")
            let balance = try await app.balance(user)
            #expect(balance == 100 + 20 * 5 - spent * 10)
            #expect(balance >= 0)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentRetriesHaveExactlyOneEffect(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("retry@example.com")
            let statuses = try await concurrently(20) { i in
                // Half retry by order id alone, half also with the same Idempotency-Key.
                let headers: HTTPFields = i % 2 == 0 ? .of(["Idempotency-Key": "same-key"]) : [:]
                return try await app.post(
                    "/en/shop/transactions/create",
                    #"{"order_id":"ONE","user_id":\#(user),"order_total":42.00}"#,
                    headers: headers
                ).status
            }
            // Exactly one request created the transaction; replays of it also say 201.
            #expect(statuses.allSatisfy { $0 == .created || $0 == .conflict })
            #expect(try await app.balance(user) == 42)
            let history = try await app.get("/en/shop/transactions?user_id=\(user)")
            #expect(history.int("meta", "total") == 1)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func manyCardsManyOperationsStayConsistent(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            var users: [Int64] = []
            for i in 0..<5 { users.append(try await app.customer("m\(i)@example.com")) }
            let captured = users
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<60 {
                    group.addTask {
                        let u = captured[i % captured.count]
                        switch i % 4 {
                        case 0, 1:
                            try await app.post("/en/shop/transactions/create", #"{"order_id":"M\#(i)","user_id":\#(u),"order_total":\#(i).50}"#)
                        case 2:
                            try await app.post(
                                "/en/shop/transactions/create",
                                #"{"order_id":"M\#(i)","user_id":\#(u),"order_total":1,"points_redeemed":3}"#
                            )
                        default: try await app.post("/en/shop/transactions/create", #"{"order_id":"M\#(i - 3)","user_id":\#(u),"type":"refund"}"#)
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentCreatesAndHoldsAreDecidedByUniqueKeys(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let created = try await concurrently(12) { _ in try await app.post("/en/shop/customers", #"{"email":"same@example.com"}"#).status }
            #expect(created.filter { $0 == .created }.count == 1)
            #expect(created.filter { $0 == .conflict }.count == 11)
            let user = try #require(
                try await app.get("/en/shop/customers?email=same@example.com").data.arrayFirst?["id"].flatMap {
                    if case let .int(i) = $0 { i } else { nil }
                }
            )
            try await app.post("/en/shop/transactions/create", #"{"order_id":"seed","user_id":\#(user),"points":100}"#)
            let holds = try await concurrently(12) { _ in
                try await app.post("/en/shop/points/reserve", #"{"user_id":\#(user),"points":5,"order_id":"H-1"}"#).status
            }
            #expect(holds.filter { $0 == .created }.count == 1)
            #expect(holds.filter { $0 == .conflict }.count == 11)
            let balance = try await app.get("/en/shop/loyalty-cards/balance?user_id=\(user)")
            #expect(balance.int("data", "reserved_points") == 5)
            try await app.expectLedgerConsistent()
        }
    }
}
