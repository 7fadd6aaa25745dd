import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// Multi-store point sharing, the matrix: a member of shop A earns at A and at B and
/// redeems at B and at A, under each setting, on both databases; shop earning rates;
/// tier benefits at the home shop only without unified tiers.
@Suite("Multi-store point sharing", .databases)
struct PointSharingTests {
    struct Mode: Sendable, CustomStringConvertible {
        var settings: String
        var earnElsewhere: Bool
        var redeemElsewhere: Bool
        var description: String { settings }
    }

    static let modes: [Mode] = [
        Mode(settings: #"{"multi_store_points":false}"#, earnElsewhere: false, redeemElsewhere: false),
        Mode(settings: #"{"multi_store_points":true,"point_sharing":"full"}"#, earnElsewhere: true, redeemElsewhere: true),
        Mode(settings: #"{"multi_store_points":true,"point_sharing":"earning_only"}"#, earnElsewhere: true, redeemElsewhere: false),
        Mode(settings: #"{"multi_store_points":true,"point_sharing":"redemption_only"}"#, earnElsewhere: false, redeemElsewhere: true),
    ]

    @Test(arguments: Backend.allCases, modes)
    func earnAtOneShopRedeemAtAnother(_ backend: Backend, _ mode: Mode) async throws {
        try await TestApp.with(backend) { app in
            let owner = try await app.partnerToken("owner@example.com")
            let set = try await app.asUser(owner, .put, "/en/partners/settings", json: mode.settings)
            #expect(set.status == .ok, "\(set.json.serializedString())")
            let shopA = app.shop.shop.id
            let shopB = try #require(try await app.asUser(owner, .post, "/en/partners/shops", json: #"{"name":"B"}"#).int("data", "id"))
            let member = try await app.customer("member@example.com")

            // The first purchase makes A the member's home shop (with the standard settings nothing needs one).
            let atA = try await app.post(
                "/en/shop/transactions/create",
                #"{"user_id":\#(member),"order_id":"A-1","amount":10.00,"shop_id":\#(shopA)}"#
            )
            #expect(atA.status == .created && atA.int("data", "points_awarded") == 10, "\(atA.json.serializedString())")
            let home = try await app.asUser(owner, .get, "/en/partners/customers/\(member)")
            #expect(home.int("data", "home_shop_id") == (mode.earnElsewhere && mode.redeemElsewhere ? nil : shopA))

            let atB = try await app.post(
                "/en/shop/transactions/create",
                #"{"user_id":\#(member),"order_id":"B-1","amount":10.00,"shop_id":\#(shopB)}"#
            )
            #expect(atB.status == .created, "\(atB.json.serializedString())")
            #expect(atB.int("data", "points_awarded") == (mode.earnElsewhere ? 10 : 0), "\(mode): \(atB.json.serializedString())")
            if !mode.earnElsewhere {
                #expect(atB.json["data"]?["rules_applied"]?.array.first?["rule"]?.string == "point_sharing")
            }
            let balance = try await app.balance(member)
            #expect(balance == (mode.earnElsewhere ? 20 : 10))

            let redeemB = try await app.post(
                "/en/shop/transactions/create",
                #"{"user_id":\#(member),"order_id":"B-2","amount":5.00,"points_redeemed":5,"shop_id":\#(shopB)}"#
            )
            if mode.redeemElsewhere {
                #expect(redeemB.status == .created && redeemB.int("data", "points_redeemed") == 5, "\(mode): \(redeemB.json.serializedString())")
            } else {
                #expect(
                    redeemB.status == .forbidden && redeemB.string("error", "code") == "POINTS_NOT_SHARED",
                    "\(mode): \(redeemB.json.serializedString())"
                )
                #expect(try await app.balance(member) == balance, "a refused redemption writes nothing")
                #expect(try await app.get("/en/shop/transactions?order_id=B-2").data.array.isEmpty)
            }
            let redeemA = try await app.post(
                "/en/shop/transactions/create",
                #"{"user_id":\#(member),"order_id":"A-2","amount":5.00,"points_redeemed":5,"shop_id":\#(shopA)}"#
            )
            #expect(redeemA.status == .created, "\(mode): \(redeemA.json.serializedString())")
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func shopRatesHomeShopsAndTiers(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            try await app.setProgram(
                #"{"tiers":{"basis":"lifetime_points","levels":[{"name":"Bronze","threshold":0},{"name":"Gold","threshold":100000,"multiplier":2}]}}"#
            )
            let owner = try await app.partnerToken("owner@example.com")
            let shopA = app.shop.shop.id
            let shopB = try #require(try await app.asUser(owner, .post, "/en/partners/shops", json: #"{"name":"B"}"#).int("data", "id"))
            let rates = try await app.asUser(
                owner,
                .put,
                "/en/partners/settings",
                json: #"{"unified_tiers":false,"shop_earning_rates":{"\#(shopB)":150}}"#
            )
            #expect(rates.status == .ok && rates.int("data", "shop_earning_rates", String(shopB)) == 150, "\(rates.json.serializedString())")
            let foreign = try await app.asUser(owner, .put, "/en/partners/settings", json: #"{"shop_earning_rates":{"999999":150}}"#)
            #expect(foreign.status == .unprocessableContent)
            let staff = try await app.partnerToken("staff@example.com", role: .staff)
            #expect(try await app.asUser(staff, .put, "/en/partners/settings", json: #"{"unified_tiers":true}"#).status == .forbidden)

            let member = try await app.customer("gold@example.com")
            // The home shop set by the partner, before any purchase.
            let homed = try await app.asUser(owner, .put, "/en/partners/customers/\(member)", json: #"{"home_shop_id":\#(shopA)}"#)
            #expect(homed.status == .ok && homed.int("data", "home_shop_id") == shopA)
            try await app.call(.put, "/en/shop/customers/\(member)/tier", json: #"{"tier":"Gold","reason":"vip","until":"2099-01-01"}"#)
            // At home: the tier's x2. At B: no tier benefit, but B's 150 % rate.
            let home = try await app.post(
                "/en/shop/transactions/create",
                #"{"user_id":\#(member),"order_id":"T-A","amount":10.00,"shop_id":\#(shopA)}"#
            )
            #expect(home.int("data", "points_awarded") == 20, "\(home.json.serializedString())")
            let away = try await app.post(
                "/en/shop/transactions/create",
                #"{"user_id":\#(member),"order_id":"T-B","amount":10.00,"shop_id":\#(shopB)}"#
            )
            #expect(away.int("data", "points_awarded") == 15, "\(away.json.serializedString())")
            try await app.expectLedgerConsistent()
        }
    }
}
