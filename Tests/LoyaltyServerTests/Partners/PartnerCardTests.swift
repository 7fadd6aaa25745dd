import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// P21-P25 through the real router: a template created with its design, terms and
/// rules earns by those rules at the till; bad fields are 422 and write nothing; a
/// soft-deleted template leaves lists but its cards keep working.
@Suite("Partner card templates", .databases)
struct PartnerCardTests {
    @Test(arguments: Backend.allCases)
    func templatesAreManagedAndApplied(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let manager = try await app.partnerToken("manager@example.com", role: .manager)
            let body = #"""
                {"title":{"lt":"Auksinė","en":"Gold"},"description":{"lt":"Aprašas","en":"About"},
                 "terms_conditions":{"lt":"Sąlygos","en":"Terms"},
                 "card_design":{"background_color":"#112233","text_color":"#ffffff","qr_color":"#000000",
                   "logo":"data:image/png;base64,iVBORw0KGgo=","background_color_opacity":80},
                 "shop_ids":[\#(app.shop.shop.id)],"auto_assign":false,"points_per_currency":3,"currency_amount":1,
                 "max_points_per_purchase":null,"points_expiration_days":365,"default_coupon_validity_days":30,
                 "points_per_currency_redemption":50,"currency_amount_redemption":1}
                """#
            let created = try await app.asUser(manager, .post, "/en/partners/cards", json: body)
            #expect(created.status == .created, "\(created.json.serializedString())")
            let id = try #require(created.int("data", "id"))
            #expect(created.string("data", "title", "en") == "Gold" && created.string("data", "terms_conditions", "lt") == "Sąlygos")
            #expect(created.string("data", "card_design", "background_color") == "#112233")
            #expect(created.int("data", "card_design", "background_color_opacity") == 80)
            #expect(created.string("data", "card_design", "logo")?.hasPrefix("data:image/png") == true)
            #expect(created.int("data", "points_per_currency") == 3 && created.int("data", "default_coupon_validity_days") == 30)

            let bad = try await app.asUser(
                manager,
                .post,
                "/en/partners/cards",
                json:
                    #"{"title":{"en":"X"},"description":"d","terms_conditions":"t","points_per_currency":0,"currency_amount":-1,"card_design":{"qr_color":"red","logo":"http://x/logo.png"},"shop_ids":[999999]}"#
            )
            #expect(bad.status == .unprocessableContent, "\(bad.json.serializedString())")
            for field in ["title.lt", "points_per_currency", "currency_amount", "card_design.qr_color", "card_design.logo"] {
                #expect(bad.json["errors"]?[field] != nil, "\(field) not named: \(bad.json.serializedString())")
            }
            let foreignShop = try await app.asUser(
                manager,
                .post,
                "/en/partners/cards",
                json: #"{"title":"T","description":"d","terms_conditions":"t","shop_ids":[999999]}"#
            )
            #expect(foreignShop.status == .unprocessableContent && foreignShop.json["errors"]?["shop_ids"] != nil)
            let staff = try await app.partnerToken("staff@example.com", role: .staff)
            #expect(try await app.asUser(staff, .post, "/en/partners/cards", json: body).status == .forbidden)

            // The new rules apply at the till: a member issued this card earns 3 points per 1.00.
            let member = try await app.customer("gold@example.com")
            let issued = try await app.post("/en/shop/cards", #"{"user_id":\#(member),"template_id":\#(id)}"#)
            #expect(issued.status == .created, "\(issued.json.serializedString())")
            let cardID = try #require(issued.int("data", "id"))
            let sale = try await app.post("/en/shop/transactions/create", #"{"card_id":\#(cardID),"order_id":"GOLD-1","amount":10.00}"#)
            #expect(sale.status == .created && sale.int("data", "points_awarded") == 30, "\(sale.json.serializedString())")

            let updated = try await app.asUser(
                manager,
                .put,
                "/en/partners/cards/\(id)",
                json: #"{"points_per_currency":5,"title":{"lt":"Auksas","en":"Gold+"}}"#
            )
            #expect(updated.status == .ok && updated.int("data", "points_per_currency") == 5 && updated.string("data", "title", "en") == "Gold+")
            #expect(updated.string("data", "terms_conditions", "en") == "Terms", "an update keeps what it does not name")
            let list = try await app.asUser(staff, .get, "/en/partners/cards?per_page=10")
            #expect(list.data.array.count == 2 && list.int("pagination", "total") == 2, "\(list.json.serializedString())")

            // Soft delete: gone from lists and lookups, the issued card still earns.
            let deleted = try await app.asUser(manager, .delete, "/en/partners/cards/\(id)")
            #expect(deleted.status == .ok && deleted.json["data"]?["success"] == .bool(true))
            #expect(try await app.asUser(staff, .get, "/en/partners/cards/\(id)").status == .notFound)
            #expect(try await app.get("/en/shop/loyalty-cards/\(id)").status == .notFound)
            #expect(try await app.asUser(staff, .get, "/en/partners/cards").data.array.count == 1)
            let after = try await app.post("/en/shop/transactions/create", #"{"card_id":\#(cardID),"order_id":"GOLD-2","amount":1.00}"#)
            #expect(after.status == .created && after.int("data", "points_awarded") == 5, "\(after.json.serializedString())")
            try await app.expectLedgerConsistent()
        }
    }
}
