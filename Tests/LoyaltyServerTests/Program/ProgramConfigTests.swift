import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyTestSupport
import Testing

@Suite("Programme configuration and earning rules through the API", .databases)
struct ProgramConfigTests {
    @Test(arguments: Backend.allCases)
    func documentIsValidatedAndVersioned(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let initial = try await app.get("/en/shop/program")
            #expect(initial.int("data", "version") == 0)
            #expect(initial.data["program"]?["tiers"]?["levels"]?.array.count == 4)

            let bad = try await app.call(
                .put,
                "/en/shop/program",
                json: #"{"rules":[{"id":"x","multiplier":"lots"}],"pending_days":-1,"refund_when_spent":"sometimes"}"#
            )
            #expect(bad.status == .unprocessableContent)
            let fields = bad.json["errors"].map { json -> [String] in if case let .object(m) = json { m.map(\.0) } else { [] } } ?? []
            #expect(Set(fields).isSuperset(of: ["rules.0.multiplier", "pending_days", "refund_when_spent"]), "\(bad.json.serializedString())")
            #expect(try await app.get("/en/shop/program").int("data", "version") == 0, "a refused document writes nothing")

            try await app.setProgram(#"{"pending_days": 3, "expiry": {"policy": "end_of_month"}, "refund_when_spent": "refuse"}"#)
            let after = try await app.get("/en/shop/program")
            #expect(after.int("data", "version") == 1)
            #expect(after.data["program"]?["pending_days"] == .int(3))
            #expect(after.data["program"]?["expiry"]?["policy"] == .string("end_of_month"))
            try await app.setProgram(#"{"program": {"pending_days": 0}}"#)
            #expect(try await app.get("/en/shop/program").int("data", "version") == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func baseEarningAndRedemptionRulesAreEditable(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let bad = try await app.call(
                .put,
                "/en/shop/program",
                json: #"{"earning": {"points_per_currency": -1, "colour": 2}, "redemption": {"currency_amount": 0}}"#
            )
            #expect(bad.status == .unprocessableContent)
            let fields = bad.json["errors"].map { json -> [String] in if case let .object(m) = json { m.map(\.0) } else { [] } } ?? []
            #expect(Set(fields) == ["earning.points_per_currency", "earning.colour", "redemption.currency_amount"], "\(fields)")

            // The spec's rule: 10 points per EUR 1 plus 5 per visit; EUR 15.50 earns 160.
            try await app.setProgram(
                #"{"earning": {"points_per_currency": 10, "currency_amount": 1.00, "points_per_visit": 5}, "redemption": {"min_points": 50}}"#
            )
            let doc = try await app.get("/en/shop/program")
            #expect(doc.data["program"]?["earning"]?["points_per_visit"] == .int(5))
            let template = try await app.get("/en/shop/loyalty-cards")
            #expect(
                template.data.arrayFirst?["points_per_currency"] == .int(10) && template.data.arrayFirst?["min_points_for_redemption"] == .int(50)
            )
            let user = try await app.customer("base@example.com")
            let buy = try await app.post("/en/shop/transactions/create", #"{"order_id":"BASE-1","user_id":\#(user),"order_total":15.50}"#)
            #expect(buy.int("data", "points_awarded") == 160)
            let small = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"BASE-2","user_id":\#(user),"order_total":0,"points_redeemed":10}"#
            )
            #expect(small.status == .badRequest, "below the new redemption minimum")
            let info = try await app.get("/en/shop/loyalty-cards/info?user_id=\(user)")
            #expect(info.string("data", "tier", "name") == "Bronze" && info.int("data", "tier", "points_to_next_tier") == 840)
        }
    }

    @Test(arguments: Backend.allCases)
    func rulesApplyInOrderAndRefundsUseTheRuleOfThen(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            try await app.setProgram(
                #"{"rules": [{"id": "coffee", "name": "Coffee x3", "multiplier": 3, "categories": ["coffee"]}, {"id": "campaign", "multiplier": 2, \#(alwaysOn)}]}"#
            )
            let user = try await app.customer("rules@example.com")
            // 20.00 at 1 point per EUR: base 20; the coffee line (4.00) x3 adds 8; the campaign doubles 28.
            let r = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"R-1","user_id":\#(user),"order_total":20.00,"cart_items":[{"sku":"C1","category":"coffee","quantity":2,"unit_price":2.00},{"sku":"X","category":"misc","total_price":16.00}]}"#
            )
            #expect(r.status == .created, "\(r.json.serializedString())")
            #expect(r.int("data", "points_awarded") == 56)
            let lines = Dictionary(
                uniqueKeysWithValues: (r.data["rules_applied"]?.array ?? []).compactMap { l in l["rule"]?.string.map { ($0, l["points"]?.int ?? -1) }
                }
            )
            #expect(lines == ["base": 20, "coffee": 8, "campaign": 28])
            // The history and the ledger entry keep the lines.
            let history = try await app.get("/en/shop/transactions?order_id=R-1")
            #expect(history.data.arrayFirst?["metadata"]?["rules_applied"]?.array.count == 3)
            #expect(try await app.column("SELECT details FROM ledger_entries WHERE type = 'earned'", "details").first?.contains("campaign") == true)

            // Today's programme has no campaign; the refund takes back what was given then.
            try await app.setProgram(#"{}"#)
            let refund = try await app.post("/en/shop/transactions/create", #"{"order_id":"R-1","user_id":\#(user),"type":"refund"}"#)
            #expect(refund.int("data", "points_reversed") == 56)
            #expect(try await app.balance(user) == 0)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func partialRefundsAreExactAndNeverExceedTheAward(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("partial@example.com")
            // The FAQ: 150 points on 150.00, a refund of 50.00 takes floor(50/150*150) = 50.
            try await app.post("/en/shop/transactions/create", #"{"order_id":"FAQ","user_id":\#(user),"order_total":150.00}"#)
            let faq = try await app.post(
                "/en/shop/points/deduct",
                #"{"customer_id":\#(user),"order_id":"FAQ","refund_id":"r1","refund_amount":50.00}"#
            )
            #expect(faq.int("data", "points_reversed") == 50)

            // 10.00 earns 10; refunds of 3.33, 3.33 and 3.34 take 3, 3 and 4 (cumulative floors).
            try await app.post("/en/shop/transactions/create", #"{"order_id":"TEN","user_id":\#(user),"order_total":10.00}"#)
            var taken: [Int64] = []
            for (i, amount) in ["3.33", "3.33", "3.34"].enumerated() {
                let r = try await app.post(
                    "/en/shop/points/deduct",
                    #"{"customer_id":\#(user),"order_id":"TEN","refund_id":"p\#(i)","refund_amount":\#(amount)}"#
                )
                taken.append(r.int("data", "points_reversed") ?? -1)
            }
            #expect(taken == [3, 3, 4])
            let more = try await app.post(
                "/en/shop/points/deduct",
                #"{"customer_id":\#(user),"order_id":"TEN","refund_id":"p9","refund_amount":1.00}"#
            )
            #expect(more.status == .conflict)
            #expect(try await app.balance(user) == 100)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func refundOfSpentPointsFollowsThePolicy(_ backend: Backend) async throws {
        for policy in ["partial_deduction", "negative_balance", "refuse"] {
            try await TestApp.with(backend) { app in
                try await app.setProgram(#"{"refund_when_spent": "\#(policy)"}"#)
                let user = try await app.customer("policy@example.com")
                try await app.post("/en/shop/transactions/create", #"{"order_id":"A","user_id":\#(user),"order_total":100.00}"#)
                let spend = try await app.post(
                    "/en/shop/transactions/create",
                    #"{"order_id":"B","user_id":\#(user),"order_total":0,"points_redeemed":100}"#
                )
                #expect(spend.status == .created)
                let refund = try await app.post("/en/shop/transactions/create", #"{"order_id":"A","user_id":\#(user),"type":"refund"}"#)
                switch policy {
                case "partial_deduction":
                    #expect(refund.status == .created)
                    #expect(refund.int("data", "points_reversed") == 0 && refund.int("data", "points_shortfall") == 100)
                    #expect(try await app.balance(user) == 0)
                case "negative_balance":
                    #expect(refund.int("data", "points_reversed") == 100)
                    #expect(try await app.balance(user) == -100)
                    // Later awards repay the debt; nothing is spendable until it is repaid.
                    try await app.post("/en/shop/points/award", #"{"customer_id":\#(user),"points":30}"#)
                    #expect(try await app.points(user).int("data", "available_points") == -70)
                    let spendDebt = try await app.post(
                        "/en/shop/transactions/create",
                        #"{"order_id":"C","user_id":\#(user),"order_total":0,"points_redeemed":10}"#
                    )
                    #expect(spendDebt.status == .badRequest)
                default:
                    #expect(refund.status == .conflict)
                    #expect(refund.string("error", "code") == "REFUND_REFUSED")
                    #expect(try await app.balance(user) == 0)
                    #expect(
                        try await app.column("SELECT id FROM transactions WHERE type = 'refund'", "id").isEmpty,
                        "a refused refund writes nothing"
                    )
                }
                try await app.expectLedgerConsistent()
            }
        }
    }
}
