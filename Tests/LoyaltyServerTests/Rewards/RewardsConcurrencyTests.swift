import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// The rewards guarantees under concurrency, on both databases: stock never oversells,
/// a member never exceeds the limit, a coupon is redeemed once, a retried claim has one
/// effect, and every balance still equals the sum of its ledger entries.
@Suite("Rewards under concurrency", .databases)
struct RewardsConcurrencyTests {
    @Test(arguments: Backend.allCases)
    func fiveHundredMembersRaceForAHundredCoupons(_ backend: Backend) async throws {
        try await HeavyLoad.exclusive {
            try await TestApp.with(
                backend,
                configure: {
                    $0.shopRateLimitPerMinute = 0
                    $0.memberRateLimitPerMinute = 0
                }
            ) { app in
                let offer = try await app.offer(#"{"title":"Race","type":"discount_amount","discount_value":5,"points_required":30,"stock":100}"#)
                // The members are made 16 at a time: the race under test is the claims below.
                let members = try await inBatches(500) { i in try await app.customer("race\(i)@example.com") }
                let items = members.map { #"{"customer_id":\#($0),"points":50}"# }.joined(separator: ",")
                let bulk = try await app.post("/en/shop/points/bulk-award", #"{"awards":[\#(items)]}"#)
                #expect(bulk.int("data", "awarded") == 500, "\(bulk.json.serializedString())")
                let statuses = try await concurrently(500) { i in try await app.claim(offer, for: members[i]).status }
                #expect(statuses.filter { $0 == .created }.count == 100)
                #expect(statuses.filter { $0 == .conflict }.count == 400, "the rest are told it is sold out")
                let coupons = try await app.services.coupons.coupons(
                    partnerID: app.partnerID,
                    filter: CouponFilter(offerID: offer),
                    page: PageRequest(page: 1, perPage: 1000)
                )
                #expect(coupons.total == 100)
                let claims = try await app.services.ledger.transactions(
                    partnerID: app.partnerID,
                    filter: TransactionFilter(type: .rewardClaim),
                    page: PageRequest(page: 1, perPage: 1)
                )
                #expect(claims.total == 100, "exactly 100 debits")
                var total: Int64 = 0
                for m in members { total += try await app.balance(m) }
                #expect(total == 500 * 50 - 100 * 30)
                #expect(try await app.get("/en/shop/offers/\(offer)").int("data", "claimed_count") == 100)
                try await app.expectLedgerConsistent()
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func twentyTillsRedeemOneCouponOnce(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let offer = try await app.offer(#"{"title":"Once","type":"discount_percentage","discount_value":10}"#)
            let member = try await app.member("till@example.com", points: 0)
            let coupon = try #require(try await app.claim(offer, for: member).int("data", "coupon_id"))
            let shop = app.shop.shop.id
            let replies = try await concurrently(20) { _ in
                try await app.post("/en/shop/coupons/redeem", #"{"coupon_id":\#(coupon),"shop_id":\#(shop)}"#)
            }
            #expect(replies.filter { $0.status == .ok }.count == 1)
            let conflicts = replies.filter { $0.status == .conflict }
            #expect(conflicts.count == 19)
            #expect(conflicts.allSatisfy { $0.json["error"]?["code"]?.string == "COUPON_ALREADY_USED" })
            let events = try await app.eventTypes()
            #expect(events.filter { $0 == "coupon.redeemed" }.count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func claimRetriesWithOneKeyHaveOneEffect(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let offer = try await app.offer(#"{"title":"Retry","type":"free_item","points_required":40}"#)
            let member = try await app.member("retry@example.com", points: 100)
            let replies = try await concurrently(10) { _ in
                try await app.claim(offer, for: member, headers: .of(["Idempotency-Key": "claim-once"]))
            }
            // One claim ran; the others replayed its answer or were told it is in flight.
            #expect(replies.allSatisfy { $0.status == .created || $0.json["error"]?["code"]?.string == "IDEMPOTENCY_IN_PROGRESS" })
            let ids = Set(replies.filter { $0.status == .created }.compactMap { $0.int("data", "coupon_id") })
            #expect(ids.count == 1)
            #expect(try await app.balance(member) == 60)
            // As a member with their own token, the same.
            let token = try await app.tokenHeaders(member)
            var headers = token
            headers[HTTPField.Name("Idempotency-Key")!] = "member-claim"
            let first = try await app.asMember(headers, .post, "/en/shop/offers/\(offer)/claim", "{}")
            let again = try await app.asMember(headers, .post, "/en/shop/offers/\(offer)/claim", "{}")
            #expect(first.status == .created && again.status == .created)
            #expect(first.int("data", "coupon_id") == again.int("data", "coupon_id"))
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await app.balance(member) == 20)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func oneMemberNeverExceedsTheLimit(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let offer = try await app.offer(
                #"{"title":"Two each","type":"discount_amount","discount_value":1,"points_required":1,"per_member_limit":2}"#
            )
            let member = try await app.member("limit@example.com", points: 100)
            let statuses = try await concurrently(15) { _ in try await app.claim(offer, for: member).status }
            #expect(statuses.filter { $0 == .created }.count == 2)
            #expect(try await app.balance(member) == 98)
            try await app.expectLedgerConsistent()
        }
    }
}
