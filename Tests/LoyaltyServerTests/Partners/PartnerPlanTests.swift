import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@testable import LoyaltyServer

/// Plans and usage: calls metered per family and month, active customers counted, a
/// hard stop refusing (402, before anything is written) what would go over, and no
/// refusal without one.
@Suite("Plans and usage", .databases)
struct PartnerPlanTests {
    @Test(arguments: Backend.allCases)
    func quotasAreMeteredAndHardStopsRefuse(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let ops = try await app.partnerToken("ops@example.com", isOperator: true)
            let owner = try await app.partnerToken("owner@example.com")
            let a = try await app.customer("a@example.com")
            let b = try await app.customer("b@example.com")
            for (i, c) in [a, b].enumerated() {
                try await app.post("/en/shop/transactions/create", #"{"user_id":\#(c),"order_id":"Q-\#(i)","amount":5.00}"#)
            }
            let usage = try await app.asUser(owner, .get, "/en/partners/usage")
            #expect(usage.status == .ok && usage.int("data", "active_customers", "used") == 2, "\(usage.json.serializedString())")
            let shopCalls = try #require(usage.int("data", "api_calls", "shop", "used"))
            #expect(shopCalls >= 4 && usage.int("data", "api_calls", "partner", "used") ?? 0 >= 1)
            #expect(usage.json["data"]?["plan"]?["hard_stop"] == .bool(false))

            // Metered only: over the quota is reported, nothing refused.
            let soft = try await app.asUser(ops, .put, "/en/partners/\(app.partnerID)/plan", json: #"{"name":"starter","active_customer_limit":1}"#)
            #expect(soft.status == .ok && soft.json["data"]?["active_customers"]?["over_quota"] == .bool(true), "\(soft.json.serializedString())")
            #expect(try await app.post("/en/shop/customers", #"{"email":"c@example.com"}"#).status == .created)

            // Hard stop: the next new customer is refused before it is written.
            let hard = try await app.asUser(
                ops,
                .put,
                "/en/partners/\(app.partnerID)/plan",
                json: #"{"name":"starter","active_customer_limit":2,"shop_calls_limit":\#(shopCalls + 20),"hard_stop":true}"#
            )
            #expect(hard.status == .ok)
            let refused = try await app.post("/en/shop/customers", #"{"email":"d@example.com"}"#)
            #expect(refused.status.code == 402 && refused.int("code") == 1322 && refused.string("error", "code") == "QUOTA_EXCEEDED")
            #expect(refused.json["error"]?["details"]?["metric"]?.string == "active_customers")
            #expect(refused.json["error"]?["details"]?["reason"]?.string == "hard_stop")
            #expect(try await app.get("/en/shop/customers?email=d@example.com").data.array.isEmpty, "nothing written")
            // Existing customers still earn.
            let earn = try await app.post("/en/shop/transactions/create", #"{"user_id":\#(a),"order_id":"Q-9","amount":1.00}"#)
            #expect(earn.status == .created)

            // Calls: the shop family runs out; the partner family does not.
            try await app.services.usage.flush()
            var lastStatus: UInt16 = 0
            var served = 0
            for _ in 0..<40 {
                let r = try await app.get("/en/shop/shops")
                lastStatus = UInt16(r.status.code)
                if r.status == .ok { served += 1 } else { break }
            }
            #expect(lastStatus == 402 && served < 40 && served > 0, "served \(served), last \(lastStatus)")
            let after = try await app.asUser(owner, .get, "/en/partners/usage")
            #expect(after.status == .ok && after.int("data", "api_calls", "shop", "used") == shopCalls + 20, "\(after.json.serializedString())")
            #expect(after.json["data"]?["api_calls"]?["shop"]?["remaining"] == .int(0))

            // Only operators set plans; partners see their own usage only.
            #expect(try await app.asUser(owner, .put, "/en/partners/\(app.partnerID)/plan", json: #"{"name":"free"}"#).status == .forbidden)
            let other = try await app.services.provisionShop(name: "Other")
            #expect(try await app.asUser(owner, .get, "/en/partners/\(other.partner.id)/usage").status == .notFound)
            #expect(try await app.asUser(ops, .get, "/en/partners/\(other.partner.id)/usage").status == .ok)
        }
    }
}
