import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@Suite("Tiers and activities", .databases)
struct TierAndActivityTests {
    @Test(arguments: Backend.allCases)
    func tiersProgressMultiplyAndCanBeOverridden(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            try await app.setProgram(
                #"{"tiers": {"levels": [{"name": "Bronze", "threshold": 0}, {"name": "Silver", "threshold": 100, "multiplier": 2}, {"name": "Gold", "threshold": 1000}]}}"#
            )
            let user = try await app.customer("tier@example.com")
            var p = try await app.points(user)
            #expect(p.string("data", "tier", "name") == "Bronze")
            try await app.post("/en/shop/points/award", #"{"customer_id":\#(user),"points":150,"order_id":"T-1"}"#)
            p = try await app.points(user)
            #expect(p.string("data", "tier", "name") == "Silver")
            #expect(p.string("data", "tier", "next_tier") == "Gold" && p.int("data", "tier", "points_to_next_tier") == 850)
            let customer = try await app.get("/en/shop/customers/\(user)")
            #expect(customer.string("data", "tier", "name") == "Silver" && customer.int("data", "tier", "progress") == 150)
            #expect(try await app.outboxTypes().contains("tier.changed"))
            #expect(try await app.column("SELECT reason FROM tier_changes", "reason") == ["upgrade"])
            // Silver doubles purchase points, and says so.
            let buy = try await app.post("/en/shop/transactions/create", #"{"order_id":"T-2","user_id":\#(user),"order_total":10.00}"#)
            #expect(buy.int("data", "points_awarded") == 20)
            #expect(buy.data["rules_applied"]?.array.contains { $0["rule"] == .string("tier") } == true)

            let bad = try await app.call(.put, "/en/shop/customers/\(user)/tier", json: #"{"tier":"Diamond","reason":"vip"}"#)
            #expect(bad.status == .unprocessableContent)
            let set = try await app.call(.put, "/en/shop/customers/\(user)/tier", json: #"{"tier":"Gold","reason":"VIP guest","until":"2099-01-01"}"#)
            #expect(set.status == .ok && set.string("data", "tier", "name") == "Gold")
            #expect(set.data["tier"]?["override"]?["tier"] == .string("Gold"))
            let cleared = try await app.call(.delete, "/en/shop/customers/\(user)/tier")
            #expect(cleared.string("data", "tier", "name") == "Silver")
            #expect(try await app.column("SELECT reason FROM tier_changes ORDER BY id", "reason").count == 3)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func refundsCanDowngradeUnderEvaluation(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            try await app.setProgram(
                #"{"tiers": {"levels": [{"name": "Bronze", "threshold": 0}, {"name": "Silver", "threshold": 100}], "downgrade": {"mode": "evaluation", "period_days": 0, "grace_days": 0}}}"#
            )
            let user = try await app.customer("down@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"D-1","user_id":\#(user),"order_total":150.00}"#)
            #expect(try await app.points(user).string("data", "tier", "name") == "Silver")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"D-1","user_id":\#(user),"type":"refund"}"#)
            #expect(try await app.points(user).string("data", "tier", "name") == "Bronze")
            #expect(try await app.column("SELECT reason FROM tier_changes ORDER BY id", "reason") == ["upgrade", "downgrade"])
        }
    }

    @Test(arguments: Backend.allCases)
    func activitiesHaveCapsAndReferralsCreditBothSides(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            try await app.setProgram(
                #"{"activities": [{"key": "review", "points": 20, "cap": {"count": 1, "period": "day"}}, {"key": "referral", "points": 100, "referee_points": 50}, {"key": "signup", "points": 10}]}"#
            )
            let user = try await app.customer("act@example.com")
            let friend = try await app.customer("friend@example.com")
            let review = try await app.post("/en/shop/activities", #"{"customer_id":\#(user),"activity":"review","reference":"rev-1"}"#)
            #expect(review.status == .created && review.int("data", "points_awarded") == 20)
            let sameRef = try await app.post("/en/shop/activities", #"{"customer_id":\#(user),"activity":"review","reference":"rev-1"}"#)
            #expect(sameRef.status == .conflict && sameRef.int("error", "details", "transaction_id") != nil)
            let capped = try await app.post("/en/shop/activities", #"{"customer_id":\#(user),"activity":"review","reference":"rev-2"}"#)
            #expect(capped.status == .conflict && capped.string("error", "code") == "ACTIVITY_LIMIT_REACHED")
            let referral = try await app.post(
                "/en/shop/activities",
                #"{"customer_id":\#(user),"activity":"referral","referred_email":"friend@example.com"}"#
            )
            #expect(referral.status == .created && referral.int("data", "referred", "points_awarded") == 50)
            let twice = try await app.post(
                "/en/shop/activities",
                #"{"customer_id":\#(user),"activity":"referral","referred_customer_id":\#(friend)}"#
            )
            #expect(twice.status == .conflict, "a customer is referred once")
            #expect(try await app.post("/en/shop/activities", #"{"customer_id":\#(user),"activity":"signup"}"#).status == .created)
            #expect(try await app.post("/en/shop/activities", #"{"customer_id":\#(user),"activity":"signup"}"#).status == .conflict)
            #expect(try await app.post("/en/shop/activities", #"{"customer_id":\#(user),"activity":"karaoke"}"#).status == .notFound)
            let (mine, theirs) = (try await app.balance(user), try await app.balance(friend))
            #expect(mine == 130 && theirs == 50)
            try await app.expectLedgerConsistent()
        }
    }
}
