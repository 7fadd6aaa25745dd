import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// The game guarantees under concurrency, on both databases: a budget is never
/// exceeded, a stamp card completes once, a session pays once, and every balance still
/// equals the sum of its ledger entries.
@Suite("Games under concurrency", .databases)
struct GameConcurrencyTests {
    @Test(arguments: Backend.allCases)
    func twoHundredPlayersShareABudgetOfTenPrizes(_ backend: Backend) async throws {
        try await HeavyLoad.exclusive {
            try await TestApp.with(
                backend,
                configure: {
                    $0.shopRateLimitPerMinute = 0
                    $0.memberRateLimitPerMinute = 0
                }
            ) { app in
                // Every spin wins 10 points, and the day's budget pays 100: ten prizes.
                let game = try await app.game(
                    #"{"name":"Budget wheel","game_type":"wheel","budget":{"period":"day","points":100},"prizes":[{"kind":"points","points":10,"weight":1}]}"#
                )
                let members = try await inBatches(200) { i in try await app.customer("spin\(i)@example.com") }
                let tokens = try await inBatches(200) { i in try await app.tokenHeaders(members[i]) }
                // Results come back in completion order: each carries its member's index.
                let started = try await concurrently(200) { i -> (Int, String?) in
                    (i, try await app.asMember(tokens[i], .post, "/en/shop/games/\(game)/start-session").string("data", "session_key"))
                }
                #expect(started.compactMap(\.1).count == 200, "every member may play")
                let earned = try await concurrently(200) { n -> Int64 in
                    let (i, key) = started[n]
                    guard let key else { return -1 }
                    let r = try await app.asMember(tokens[i], .post, "/en/shop/game-sessions/\(key)/claim-reward")
                    if r.status != .ok { Issue.record("claim refused: \(r.json.serializedString())") }
                    return r.int("data", "points_earned") ?? -1
                }
                #expect(earned.filter { $0 == 10 }.count == 10, "exactly ten prizes")
                #expect(earned.filter { $0 == 0 }.count == 190)
                var total: Int64 = 0
                for m in members { total += try await app.balance(m) }
                #expect(total == 100)
                let stats = try await app.get("/en/partners/games/\(game)/statistics?period=day")
                #expect(stats.int("data", "budget", "points_used") == 100)
                #expect(stats.int("data", "plays") == 200)
                try await app.expectLedgerConsistent()
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func thirtyTillsStampOneCardThatCompletesOnce(_ backend: Backend) async throws {
        try await HeavyLoad.exclusive {
            try await TestApp.with(
                backend,
                configure: {
                    $0.shopRateLimitPerMinute = 0
                    $0.memberRateLimitPerMinute = 0
                }
            ) { app in
                let game = try await app.game(
                    #"{"name":"Race card","game_type":"stamps","stamp_settings":{"stamps_required":10,"reset_on_complete":false},"prizes":[{"kind":"points","points":50}]}"#
                )
                let member = try await app.member("race-card@example.com", points: 0)
                let card = try await app.cardID(member)
                let replies = try await concurrently(30) { _ in try await app.stamps(game, card: card) }
                for r in replies where r.status != .ok { Issue.record("stamp refused: \(r.status.code) \(r.json.serializedString())") }
                #expect(replies.filter { $0.string("data", "reward_generated", "type") == "points" }.count == 1, "one completion, one reward")
                #expect(replies.filter { $0.json["data"]?["was_already_completed"] == .bool(true) }.count == 20)
                #expect(try await app.balance(member) == 50)
                let events = try await app.eventTypes()
                #expect(events.filter { $0 == "game.completed" }.count == 1)
                #expect(events.filter { $0 == "stamp.added" }.count == 10)
                try await app.expectLedgerConsistent()
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aDoubleClaimPaysOnce(_ backend: Backend) async throws {
        try await HeavyLoad.exclusive {
            try await TestApp.with(
                backend,
                configure: {
                    $0.shopRateLimitPerMinute = 0
                    $0.memberRateLimitPerMinute = 0
                }
            ) { app in
                let offer = try await app.offer(#"{"title":"Prize","type":"discount_amount","discount_value":3,"is_active":false}"#)
                let game = try await app.game(
                    #"{"name":"Scratch","game_type":"scratch","prizes":[{"kind":"coupon","offer_id":\#(offer),"weight":1}]}"#
                )
                let member = try await app.member("double@example.com", points: 0)
                let token = try await app.tokenHeaders(member)
                let key = try #require(try await app.asMember(token, .post, "/en/shop/games/\(game)/start-session").string("data", "session_key"))
                let replies = try await concurrently(20) { _ in
                    try await app.asMember(token, .post, "/en/shop/game-sessions/\(key)/claim-reward")
                }
                #expect(replies.filter { $0.status == .ok }.count == 1)
                #expect(replies.filter { $0.status == .conflict }.count == 19)
                let coupons = try await app.services.coupons.coupons(
                    partnerID: app.partnerID,
                    filter: CouponFilter(customerID: member),
                    page: PageRequest(page: 1, perPage: 10)
                )
                #expect(coupons.total == 1)
                try await app.expectLedgerConsistent()
            }
        }
    }
}
