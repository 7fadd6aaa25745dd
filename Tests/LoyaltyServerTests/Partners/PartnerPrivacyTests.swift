import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import SQLKit
import Testing

/// GDPR through the real router: the export holds the customer's rows; erasure leaves
/// no copy of their email, phone, name or external id in any column of any table, and
/// every ledger invariant and balance as it was.
@Suite("Customer privacy (GDPR)", .databases)
struct PartnerPrivacyTests {
    static let email = "zofija.zemaityte@example.com"
    static let phone = "+37061234567"
    static let name = "Zofija Žemaitytė"
    static let externalID = "crm-zz-4711"

    @Test(arguments: Backend.allCases)
    func exportThenEraseLeavesNoPersonalData(_ backend: Backend) async throws {
        try await TestApp.with(backend, configure: { $0.webhookAllowLoopback = true }) { app in
            _ = try await app.createWebhook("http://127.0.0.1:9/hook", events: ["customer.created", "points.awarded", "transaction.created"])
            let created = try await app.call(
                .post,
                "/en/shop/customers",
                json: #"{"email":"\#(Self.email)","phone":"\#(Self.phone)","name":"\#(Self.name)","external_id":"\#(Self.externalID)"}"#,
                headers: .of(["Idempotency-Key": "gdpr-create-1"])
            )
            let id = try #require(created.int("data", "id"), "\(created.json.serializedString())")
            let other = try await app.customer("someone.else@example.com")
            try await app.post(
                "/en/shop/transactions/create",
                #"{"user_id":\#(id),"order_id":"GDPR-1","amount":25.00,"description":"Order for \#(Self.name)","meta_data":{"ship_to":"\#(Self.name), Vilnius","email":"\#(Self.email)"}}"#
            )
            try await app.post("/en/shop/points/award", #"{"customer_id":\#(id),"points":7,"reason":"goodwill for \#(Self.email)"}"#)
            try await app.post("/en/shop/transactions/create", #"{"user_id":\#(other),"order_id":"OTHER-1","amount":10.00}"#)
            try await app.services.dispatcher.tick()
            let before = try await app.balance(id)
            let otherBefore = try await app.balance(other)

            let owner = try await app.partnerToken("owner@example.com")
            let manager = try await app.partnerToken("manager@example.com", role: .manager)
            let export = try await app.asUser(manager, .get, "/en/partners/customers/\(id)/export")
            #expect(export.status == .ok)
            #expect(export.string("data", "customer", "email") == Self.email)
            #expect(export.json["data"]?["transactions"]?.array.count == 2 && export.json["data"]?["loyalty_cards"]?.array.count == 1)
            #expect((export.json["data"]?["ledger_entries"]?.array.count ?? 0) >= 2)
            #expect(try await app.asUser(manager, .post, "/en/partners/customers/\(id)/erase", json: "{}").status == .forbidden)
            #expect(try await app.asUser(owner, .get, "/en/partners/customers/999999/export").status == .notFound)

            // Personal data is there before, in several tables.
            let hitsBefore = try await Self.tablesContaining([Self.email, Self.phone, Self.name, Self.externalID], app.services.database)
            #expect(hitsBefore.count >= 3, "\(hitsBefore)")

            let erased = try await app.asUser(owner, .post, "/en/partners/customers/\(id)/erase", json: "{}")
            #expect(erased.status == .ok && erased.json["data"]?["erased"] == .bool(true), "\(erased.json.serializedString())")
            let hitsAfter = try await Self.tablesContaining([Self.email, Self.phone, Self.name, Self.externalID], app.services.database)
            #expect(hitsAfter.isEmpty, "personal data left in: \(hitsAfter)")

            // The money side is untouched: balances, history count, every invariant.
            let (after, otherAfter) = (try await app.balance(id), try await app.balance(other))
            #expect(after == before && otherAfter == otherBefore)
            let history = try await app.get("/en/shop/transactions?user_id=\(id)")
            #expect(history.data.array.count == 2)
            try await app.expectLedgerConsistent()
            // The customer can still be found by id (pseudonymous), not by email; a second erase is harmless.
            #expect(try await app.get("/en/shop/customers?email=\(Self.email)").data.array.isEmpty)
            #expect(try await app.get("/en/shop/customers/\(id)").status == .ok)
            #expect(try await app.asUser(owner, .post, "/en/partners/customers/\(id)/erase", json: "{}").status == .ok)
            // Receivers are told once: one customer.erased event with only the id.
            try await app.services.dispatcher.tick()
            let events = try await app.get("/en/shop/events?types=customer.erased")
            #expect(events.data.array.count == 1, "\(events.json.serializedString())")
            #expect(events.data.array.first?["data"]?["user_id"]?.int == id)
            // The erasure is in the audit log, without the data.
            let log = try await app.asUser(owner, .get, "/en/partners/audit-log?action=POST%20/partners/customers")
            #expect(log.data.array.contains { $0["target"]?.string == "/partners/customers/\(id)/erase" })
        }
    }

    /// `table.column` pairs where any of `needles` occurs, over every table and text
    /// column of the database.
    static func tablesContaining(_ needles: [String], _ database: any DatabaseClient) async throws -> [String] {
        try await database.read { db in
            let tables: [String]
            switch database.kind {
            case .sqlite:
                tables = try await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
                    .map { try $0.decode(column: "name", as: String.self) }
            case .postgres:
                tables = try await db.raw("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'").all()
                    .map { try $0.decode(column: "name", as: String.self) }
            }
            var hits: [String] = []
            for table in tables {
                for row in try await db.raw("SELECT * FROM \(unsafeRaw: table)").all() {
                    for column in row.allColumns {
                        guard let text = try? row.decode(column: column, as: String?.self) else { continue }
                        for needle in needles where text.contains(needle) { hits.append("\(table).\(column)") }
                    }
                }
            }
            return Array(Set(hits)).sorted()
        }
    }
}
