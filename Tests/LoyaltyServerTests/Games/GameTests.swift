import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// The games a user meets, end to end through the real router on both databases:
/// stamp cards at the till, chance games with a commitment a member can check, a quiz
/// scored on the server, collections and challenges driven by purchases.
@Suite("Games", .databases)
struct GameTests {
    @Test(arguments: Backend.allCases)
    func stampCardCompletesAndIssuesItsCoupon(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let offer = try await app.offer(#"{"title":"Free coffee","type":"free_item","is_active":false}"#)
            let game = try await app.game(
                #"""
                {"name":{"lt":"Kavos kortelė","en":"Coffee card"},"description":"Ten coffees, one free","game_type":"stamps",
                 "reward_description":"A free coffee","coupon_validity_days":30,
                 "stamp_settings":{"stamps_required":3,"per_visit_limit":2,"reset_on_complete":true,"product_name":"Coffee"},
                 "prizes":[{"kind":"coupon","offer_id":\#(offer)}]}
                """#
            )
            let member = try await app.member("stamps@example.com", points: 0)
            let card = try await app.cardID(member)
            let first = try await app.stamps(game, card: card, count: 2)
            #expect(first.status == .ok, "\(first.json.serializedString())")
            #expect(first.int("data", "current_step") == 2 && first.json["data"]?["is_completed"] == .bool(false))
            #expect(first.int("data", "remaining") == 1)
            let tooMany = try await app.stamps(game, card: card, count: 3)
            #expect(tooMany.status == .unprocessableContent && tooMany.json["error"]?["code"]?.string == "STAMP_LIMIT_REACHED")
            let done = try await app.stamps(game, card: card, count: 1)
            #expect(done.json["data"]?["is_completed"] == .bool(true), "\(done.json.serializedString())")
            #expect(done.string("data", "reward_generated", "type") == "coupon")
            let code = try #require(done.string("data", "reward_generated", "coupon_code"))
            #expect(done.string("message") == "Game completed!")
            // The coupon is an ordinary coupon at the till, free and tied to the game.
            let verify = try await app.post("/en/shop/coupons/verify", #"{"coupon_code":"\#(code)","shop_id":\#(app.shop.shop.id)}"#)
            #expect(verify.status == .ok, "\(verify.json.serializedString())")
            // The card restarted by itself; progress and history show it.
            let progress = try await app.get("/en/shop/games/\(game)/progress?card_id=\(card)")
            #expect(progress.int("data", "progress", "current_step") == 0 && progress.int("data", "progress", "round") == 2)
            guard case let .array(history)? = progress.json["data"]?["progress"]?["history"] else {
                Issue.record("no history")
                return
            }
            #expect(history.compactMap { $0["action"]?.string } == ["stamp_added", "stamp_added", "game_completed"])
            // The member sees their own card's progress with their token.
            let mine = try await app.asMember(try await app.tokenHeaders(member), .get, "/en/shop/games/\(game)")
            #expect(mine.int("data", "user_progress", "round") == 2, "\(mine.json.serializedString())")
            let cards = try await app.get("/en/shop/cards/\(card)/games")
            #expect(cards.json["data"]?.arrayFirst?["id"] == .int(game))
            let events = try await app.eventTypes()
            #expect(events.filter { $0 == "stamp.added" }.count == 2)
            #expect(events.filter { $0 == "game.completed" }.count == 1)
            #expect(events.filter { $0 == "game.reward_claimed" }.count == 1)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func cardWaitingForRestartKeepsItsStampsUntilRestarted(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let game = try await app.game(
                #"{"name":"Points card","game_type":"stamps","stamp_settings":{"stamps_required":2,"reset_on_complete":false},"prizes":[{"kind":"points","points":25}]}"#
            )
            let member = try await app.member("wait@example.com", points: 0)
            let card = try await app.cardID(member)
            let done = try await app.stamps(game, card: card, count: 2)
            #expect(done.string("data", "reward_generated", "type") == "points" && done.int("data", "reward_generated", "points") == 25)
            let again = try await app.stamps(game, card: card)
            #expect(again.status == .ok && again.json["data"]?["was_already_completed"] == .bool(true))
            #expect(try await app.balance(member) == 25, "one reward, not two")
            let force = try await app.post("/en/shop/games/\(game)/complete", #"{"card_id":\#(card)}"#)
            #expect(force.status == .conflict)
            let restart = try await app.post("/en/shop/games/\(game)/restart", #"{"card_id":\#(card),"shop_id":\#(app.shop.shop.id)}"#)
            #expect(restart.int("data", "progress", "current_step") == 0)
            let forced = try await app.post("/en/shop/games/\(game)/complete", #"{"card_id":\#(card)}"#)
            #expect(forced.status == .ok && forced.json["data"]?["completed"] == .bool(true), "\(forced.json.serializedString())")
            #expect(try await app.balance(member) == 50)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func wheelCommitsToItsOutcomeAndPaysOnce(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let game = try await app.game(
                #"""
                {"name":"Wheel","game_type":"wheel_of_fortune","points_cost":5,"daily_limit":3,
                 "prizes":[{"kind":"points","points":40,"weight":1}]}
                """#
            )
            let member = try await app.member("wheel@example.com", points: 20)
            let token = try await app.tokenHeaders(member)
            let start = try await app.asMember(token, .post, "/en/shop/games/\(game)/start-session")
            #expect(start.status == .ok, "\(start.json.serializedString())")
            #expect(start.int("data", "points_deducted") == 5)
            let key = try #require(start.string("data", "session_key"))
            let commitment = try #require(start.string("data", "commitment"))
            #expect(start.json["data"]?["session"]?["outcome"] == nil, "the outcome stays secret until the claim")
            let claim = try await app.asMember(token, .post, "/en/shop/game-sessions/\(key)/claim-reward")
            #expect(claim.status == .ok, "\(claim.json.serializedString())")
            #expect(claim.int("data", "points_earned") == 40)
            let outcome = try #require(claim.string("data", "outcome"))
            let salt = try #require(claim.string("data", "salt"))
            #expect(GameCommitment.verify(commitment: commitment, outcome: outcome, salt: salt))
            #expect(outcome.hasSuffix("prize:0"))
            let again = try await app.asMember(token, .post, "/en/shop/game-sessions/\(key)/claim-reward")
            #expect(again.status == .conflict && again.json["error"]?["code"]?.string == "REWARD_ALREADY_CLAIMED")
            #expect(try await app.balance(member) == 20 - 5 + 40)
            let history = try await app.asMember(token, .get, "/en/shop/game-sessions/history")
            #expect(history.json["data"]?["data"]?.arrayFirst?["status"] == .string("completed"))
            // Limits: three plays a day.
            for _ in 0..<2 { #expect(try await app.asMember(token, .post, "/en/shop/games/\(game)/start-session").status == .ok) }
            let fourth = try await app.asMember(token, .post, "/en/shop/games/\(game)/start-session")
            #expect(fourth.status == .forbidden && fourth.json["error"]?["details"]?["reason"] == .string("daily_limit_reached"))
            let events = try await app.eventTypes()
            #expect(events.filter { $0 == "game.session_started" }.count == 3)
            #expect(events.filter { $0 == "game.reward_claimed" }.count == 1)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func expiredSessionsAreGoneAndStrangersSeeNothing(_ backend: Backend) async throws {
        let clock = ManualWallClock(Int64(Date().timeIntervalSince1970 * 1000))
        try await TestApp.with(backend, clock: clock) { app in
            let game = try await app.game(#"{"name":"Scratch","game_type":"scratch","session_ttl_seconds":30,"prizes":[{"kind":"none","weight":1}]}"#)
            let member = try await app.member("exp@example.com", points: 0)
            let token = try await app.tokenHeaders(member)
            let key = try #require(try await app.asMember(token, .post, "/en/shop/games/\(game)/start-session").string("data", "session_key"))
            let other = try await app.member("other@example.com", points: 0)
            let otherToken = try await app.tokenHeaders(other)
            #expect(try await app.asMember(otherToken, .get, "/en/shop/game-sessions/\(key)").status == .notFound)
            clock.advance(byMillis: 31_000)
            let late = try await app.asMember(token, .post, "/en/shop/game-sessions/\(key)/claim-reward")
            #expect(late.status == .gone && late.json["error"]?["code"]?.string == "GAME_SESSION_EXPIRED")
        }
    }

    @Test(arguments: Backend.allCases)
    func quizIsScoredOnTheServerFirstAnswerWins(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let game = try await app.game(
                #"""
                {"name":"Quiz","game_type":"quiz",
                 "questions":[{"question":"2+2?","choices":["3","4"],"correct_index":1},{"question":"Capital of Lithuania?","choices":["Vilnius","Riga","Tallinn"],"correct_index":0}],
                 "prizes":[{"kind":"points","points":10,"min_score":1},{"kind":"points","points":30,"min_score":2}]}
                """#
            )
            let listed = try await app.get("/en/shop/games/\(game)")
            #expect(!listed.json.serializedString().contains("correct"), "answers never reach a client")
            let member = try await app.member("quiz@example.com", points: 0)
            let token = try await app.tokenHeaders(member)
            let start = try await app.asMember(token, .post, "/en/shop/games/\(game)/start-session")
            let key = try #require(start.string("data", "session_key"))
            let one = try await app.asMember(
                token,
                .put,
                "/en/shop/game-sessions/\(key)/progress",
                #"{"score":999,"answers":[{"question_id":1,"answer_index":1},{"question_id":2,"answer_index":2}]}"#
            )
            #expect(one.int("data", "score") == 1, "the server scores, the client's 999 is ignored: \(one.json.serializedString())")
            let retry = try await app.asMember(
                token,
                .put,
                "/en/shop/game-sessions/\(key)/progress",
                #"{"answers":[{"question_id":2,"answer_index":0}]}"#
            )
            #expect(retry.int("data", "score") == 1, "an answer cannot be changed")
            let claim = try await app.asMember(token, .post, "/en/shop/game-sessions/\(key)/claim-reward")
            #expect(claim.int("data", "points_earned") == 10)
            #expect(claim.string("data", "outcome")?.hasSuffix("quiz:1,0") == true)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func purchasesDriveStampsAndChallenges(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let stamps = try await app.game(
                #"{"name":"Auto stamps","game_type":"stamps","stamp_settings":{"stamps_required":2},"purchase_rule":{"min_order_total":10},"prizes":[{"kind":"points","points":7}]}"#
            )
            let challenge = try await app.game(
                #"{"name":"Three visits","game_type":"challenge","goal":{"metric":"purchases","target":3,"window_days":30},"prizes":[{"kind":"points","points":100}]}"#
            )
            let member = try await app.member("buyer@example.com", points: 0)
            let card = try await app.cardID(member)
            for (i, amount) in [25.0, 5.0, 12.0].enumerated() {
                let r = try await app.post(
                    "/en/shop/transactions/create",
                    #"{"user_id":\#(member),"order_id":"G-\#(i)","amount":\#(amount),"shop_id":\#(app.shop.shop.id)}"#
                )
                #expect(r.status == .created || r.status == .ok, "\(r.json.serializedString())")
            }
            let progress = try await app.get("/en/shop/games/\(stamps)/progress?card_id=\(card)")
            #expect(progress.int("data", "progress", "completions") == 1, "two purchases of 10+ filled the card: \(progress.json.serializedString())")
            let view = try await app.asMember(try await app.tokenHeaders(member), .get, "/en/shop/games/\(challenge)")
            #expect(view.int("data", "challenge_progress", "value") == 3 && view.string("data", "challenge_progress", "completed_at") != nil)
            let stats = try await app.get("/en/partners/games/\(challenge)/statistics?period=month")
            #expect(stats.int("data", "prizes_given", "points") == 100, "\(stats.json.serializedString())")
            let balance = try await app.balance(member)
            // A repeated order is refused by its own key and moves no game.
            let dup = try await app.post(
                "/en/shop/transactions/create",
                #"{"user_id":\#(member),"order_id":"G-0","amount":25,"shop_id":\#(app.shop.shop.id)}"#
            )
            #expect(dup.status == .conflict)
            #expect(try await app.balance(member) == balance)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func partnerManagesGamesAndImages(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let bad = try await app.post("/en/partners/games", #"{"name":"X","game_type":"roulette"}"#)
            #expect(bad.status == .unprocessableContent && bad.json["errors"]?["game_type"] != nil)
            let zero = try await app.post("/en/partners/games", #"{"name":"X","game_type":"wheel","prizes":[{"kind":"none","weight":0}]}"#)
            #expect(zero.status == .unprocessableContent && zero.json["errors"]?["prizes"] != nil)
            let negative = try await app.post("/en/partners/games", #"{"name":"X","game_type":"wheel","prizes":[{"kind":"none","weight":-1}]}"#)
            #expect(negative.status == .unprocessableContent)
            let game = try await app.game(#"{"name":"Card","game_type":"stamps","stamp_settings":{"stamps_required":5}}"#)
            let toggled = try await app.call(.put, "/en/partners/games/\(game)/toggle-status")
            #expect(toggled.json["data"]?["is_active"] == .bool(false))
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 64)
            let b64 = Data(png).base64EncodedString()
            let up = try await app.post("/en/partners/games/\(game)/upload-stamp-image", #"{"image_base64":"\#(b64)"}"#)
            #expect(up.status == .ok && up.string("data", "content_type") == "image/png", "\(up.json.serializedString())")
            let text = Data("hello, not an image".utf8).base64EncodedString()
            let notImage = try await app.post("/en/partners/games/\(game)/upload-stamp-image", #"{"image_base64":"\#(text)"}"#)
            #expect(notImage.status == .unprocessableContent)
            // The same as a multipart form part named `image`, as a browser sends it.
            let boundary = "gameimage"
            let form =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"s.gif\"\r\nContent-Type: image/gif\r\n\r\nGIF89a0000\r\n--\(boundary)--\r\n"
            let multipart = try await app.call(
                .post,
                "/en/partners/games/\(game)/upload-stamp-image",
                json: form,
                headers: .of(["Content-Type": "multipart/form-data; boundary=\(boundary)"])
            )
            #expect(multipart.status == .ok && multipart.string("data", "content_type") == "image/gif", "\(multipart.json.serializedString())")
            let settings = try await app.get("/en/partners/games/\(game)/stamps")
            #expect(settings.string("data", "stamp_icon_type") == "custom" && settings.int("data", "stamps_required") == 5)
            let list = try await app.get("/en/partners/games")
            #expect(list.json["data"]?["pagination"]?["total"] == .int(1))
            #expect(try await app.call(.delete, "/en/partners/games/\(game)").status == .ok)
            #expect(try await app.get("/en/partners/games/\(game)").status == .notFound)
        }
    }
}
