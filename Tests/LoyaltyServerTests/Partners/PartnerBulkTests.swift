import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// Bulk operations on a partner user's token: per-item results, each item alone, and a
/// second run of the same import changes nothing.
@Suite("Partner bulk operations", .databases)
struct PartnerBulkTests {
    @Test(arguments: Backend.allCases)
    func importAndAwardReportEachItem(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let manager = try await app.partnerToken("manager@example.com", role: .manager)
            let existing = try await app.customer("already@example.com")
            let body = #"""
                {"customers":[
                  {"email":"new1@example.com","name":"New One","points":150},
                  {"external_id":"crm-2","phone":"+37060000002"},
                  {"email":"already@example.com","points":40},
                  {"email":"not-an-email","points":5},
                  {"name":"no identifier"},
                  {"email":"neg@example.com","points":-3},
                  "not an object"
                ]}
                """#
            let first = try await app.asUser(manager, .post, "/en/partners/customers/bulk-import", json: body)
            #expect(first.status == .ok, "\(first.json.serializedString())")
            #expect(first.int("data", "created") == 2 && first.int("data", "duplicates") == 1 && first.int("data", "failed") == 4)
            let results = first.json["data"]?["results"]?.array ?? []
            #expect(results.map { $0["status"]?.string ?? "?" } == ["created", "created", "duplicate", "failed", "failed", "failed", "failed"])
            #expect(results[2]["customer_id"]?.int == existing && results[2]["opening_points"]?.int == 40)
            #expect(results[3]["error"]?["errors"]?["email"] != nil && results[5]["error"]?["errors"]?["points"] != nil)
            let newOne = try #require(results[0]["customer_id"]?.int)
            #expect(try await app.balance(newOne) == 150)
            #expect(try await app.balance(existing) == 40)

            // The same import again: nothing new, no second opening balance.
            let again = try await app.asUser(manager, .post, "/en/partners/customers/bulk-import", json: body)
            #expect(again.int("data", "created") == 0 && again.int("data", "duplicates") == 3)
            let (one, other) = (try await app.balance(newOne), try await app.balance(existing))
            #expect(one == 150 && other == 40)

            let award = try await app.asUser(
                manager,
                .post,
                "/en/partners/points/bulk-award",
                json: #"{"items":[{"customer_id":\#(newOne),"points":10,"order_id":"B-1"},{"customer_id":999999,"points":1,"order_id":"B-2"}]}"#
            )
            #expect(award.int("data", "awarded") == 1 && award.int("data", "failed") == 1, "\(award.json.serializedString())")
            #expect(try await app.balance(newOne) == 160)
            let staff = try await app.partnerToken("staff@example.com", role: .staff)
            #expect(try await app.asUser(staff, .post, "/en/partners/customers/bulk-import", json: body).status == .forbidden)
            try await app.expectLedgerConsistent()
        }
    }
}
