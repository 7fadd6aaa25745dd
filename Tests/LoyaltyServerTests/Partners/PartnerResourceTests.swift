import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// The Partner API's resources through the real router on both databases: partners
/// (operator and owner views), shops, customers and transactions across shops, and the
/// audit log that records who changed what.
@Suite("Partner resources", .databases)
struct PartnerResourceTests {
    @Test(arguments: Backend.allCases)
    func partnersAndShops(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let ops = try await app.partnerToken("ops@example.com", isOperator: true)
            let created = try await app.asUser(
                ops,
                .post,
                "/en/partners",
                json: #"{"name":"Kavinė","contact_email":"info@kavine.lt","website":"https://kavine.lt","description":"Coffee"}"#
            )
            #expect(created.status == .created, "\(created.json.serializedString())")
            let other = try #require(created.int("data", "id"))
            let bad = try await app.asUser(ops, .post, "/en/partners", json: #"{"name":"X","contact_email":"nope","website":"ftp://x"}"#)
            #expect(bad.status == .unprocessableContent && bad.json["errors"]?["contact_email"] != nil && bad.json["errors"]?["website"] != nil)
            let list = try await app.asUser(ops, .get, "/en/partners?search=kav")
            #expect(list.data.array.count == 1 && list.int("meta", "total") == 1)

            // An owner sees and edits only their own partner; is_active is the operator's.
            let owner = try await app.partnerToken("owner@example.com")
            #expect(try await app.asUser(owner, .get, "/en/partners/\(other)").status == .notFound)
            let renamed = try await app.asUser(
                owner,
                .put,
                "/en/partners/\(app.partnerID)",
                json: #"{"name":"Renamed","is_active":false,"logo_url":""}"#
            )
            #expect(renamed.status == .ok && renamed.string("data", "name") == "Renamed" && renamed.json["data"]?["is_active"] == .bool(true))

            // Shops: create with a location, update, clear it, deactivate.
            let shop = try await app.asUser(
                owner,
                .post,
                "/en/partners/shops",
                json: #"{"name":"Vilnius","city":"Vilnius","coordinates":{"latitude":54.6872,"longitude":25.2797},"opening_hours":"8-20"}"#
            )
            #expect(shop.status == .created, "\(shop.json.serializedString())")
            let shopID = try #require(shop.int("data", "id"))
            let badShop = try await app.asUser(owner, .post, "/en/partners/shops", json: #"{"name":"X","latitude":91,"longitude":10}"#)
            #expect(badShop.status == .unprocessableContent && badShop.json["errors"]?["latitude"] != nil)
            let halfPair = try await app.asUser(owner, .put, "/en/partners/shops/\(shopID)", json: #"{"latitude":10}"#)
            #expect(halfPair.status == .unprocessableContent && halfPair.json["errors"]?["longitude"] != nil)
            let moved = try await app.asUser(owner, .put, "/en/partners/shops/\(shopID)", json: #"{"phone":"+37060000000","coordinates":null}"#)
            #expect(
                moved.status == .ok && moved.string("data", "phone") == "+37060000000" && moved.json["data"]?["coordinates"]?["latitude"] == .null
            )
            #expect(try await app.asUser(owner, .delete, "/en/partners/shops/\(shopID)").status == .ok)
            let active = try await app.asUser(owner, .get, "/en/partners/shops?is_active=true")
            #expect(!active.data.array.contains { $0["id"]?.int == shopID })
            let all = try await app.asUser(owner, .get, "/en/partners/shops")
            #expect(all.data.array.contains { $0["id"]?.int == shopID && $0["is_active"] == .bool(false) })
            // The Shop API lists active shops only, as before.
            #expect(!(try await app.get("/en/shop/shops")).data.array.contains { $0["id"]?.int == shopID })
            // A shop of another partner is not found.
            let foreign = try await app.services.tenants.createShop(partnerID: other, ShopPatch.named("Theirs"))
            #expect(try await app.asUser(owner, .get, "/en/partners/shops/\(foreign.id)").status == .notFound)

            // The audit log names who did what, with field names and no values.
            let log = try await app.asUser(owner, .get, "/en/partners/audit-log")
            let actions = log.data.array.compactMap { $0["action"]?.string }
            #expect(
                actions.contains("PUT /partners/{id}") && actions.contains("POST /partners/shops") && actions.contains("DELETE /partners/shops/{id}")
            )
            let put = try #require(log.data.array.first { $0["action"]?.string == "PUT /partners/shops/{id}" })
            #expect(put["actor"]?["label"]?.string == "owner@example.com" && put["target"]?.string == "/partners/shops/\(shopID)")
            #expect(put["fields"]?.array.compactMap(\.string) == ["coordinates", "phone"])
            #expect(!log.json.serializedString().contains("+37060000000"))
        }
    }

    @Test(arguments: Backend.allCases)
    func customersAndTransactionsAcrossShops(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let owner = try await app.partnerToken("owner@example.com")
            let second = try await app.asUser(owner, .post, "/en/partners/shops", json: #"{"name":"Kaunas"}"#)
            let secondID = try #require(second.int("data", "id"))
            let ona = try await app.customer("ona@example.com")
            _ = try await app.customer("jonas@example.com")
            for (i, shop) in [app.shop.shop.id, secondID, secondID].enumerated() {
                let r = try await app.post(
                    "/en/shop/transactions/create",
                    #"{"user_id":\#(ona),"order_id":"ORD-\#(i)","amount":\#(10 + i),"type":"purchase","shop_id":\#(shop)}"#
                )
                try #require(r.status == .created, "\(r.json.serializedString())")
            }
            let staff = try await app.partnerToken("staff@example.com", role: .staff)
            let list = try await app.asUser(staff, .get, "/en/partners/customers?search=ONA@")
            #expect(list.data.array.count == 1, "\(list.json.serializedString())")
            let row = try #require(list.data.arrayFirst)
            #expect(row["total_purchases"]?.int == 3 && row["total_points"]?.int == 33 && row["member_since"]?.string?.count == 10)
            let detail = try await app.asUser(staff, .get, "/en/partners/customers/\(ona)")
            #expect(detail.data["transaction_history"]?.array.count == 3)
            #expect(try await app.asUser(staff, .get, "/en/partners/customers/999999").status == .notFound)

            let atSecond = try await app.asUser(staff, .get, "/en/partners/transactions?shop_id=\(secondID)")
            #expect(atSecond.data.array.count == 2 && atSecond.data.array.allSatisfy { $0["shop_name"]?.string == "Kaunas" })
            let byOrder = try await app.asUser(staff, .get, "/en/partners/transactions?search=ord-0")
            #expect(byOrder.data.array.count == 1 && byOrder.data.arrayFirst?["type"]?.string == "sale")
            let byStaff = try await app.asUser(staff, .get, "/en/partners/transactions?staff_id=1")
            #expect(byStaff.status == .ok && byStaff.data.array.isEmpty)
            let today = todayUTC()
            let inRange = try await app.asUser(staff, .get, "/en/partners/transactions?start_date=\(today)&end_date=\(today)")
            #expect(inRange.data.array.count == 3)
            let badRange = try await app.asUser(staff, .get, "/en/partners/transactions?start_date=\(today)&end_date=2000-01-01")
            #expect(badRange.status == .unprocessableContent)
            let txID = try #require(byOrder.data.arrayFirst?["id"]?.int)
            let tx = try await app.asUser(staff, .get, "/en/partners/transactions/\(txID)")
            #expect(tx.status == .ok && tx.int("data", "customer", "id") == ona && tx.int("data", "shop", "id") == app.shop.shop.id)
            #expect(tx.json["data"]?["receipt"]?["available"] == .bool(false))
        }
    }
}

extension ShopPatch {
    static func named(_ name: String) -> ShopPatch {
        var p = ShopPatch()
        p.name = name
        return p
    }
}
