import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import SQLKit
import Testing

extension TestApp {
    /// Replaces the programme through the API and fails the test unless it was accepted.
    func setProgram(_ document: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let r = try await call(.put, "/en/shop/program", json: document)
        #expect(r.status == .ok, "programme refused: \(r.json.serializedString())", sourceLocation: sourceLocation)
    }

    /// The customer's balance picture (`GET customers/{id}/balance`).
    func points(_ customerID: Int64) async throws -> Reply {
        try await get("/en/shop/customers/\(customerID)/balance")
    }

    func lots(_ customerID: Int64, all: Bool = false) async throws -> [JSON] {
        let r = try await get("/en/shop/customers/\(customerID)/lots\(all ? "?all=true" : "")")
        guard case let .array(items) = r.data else {
            Issue.record("lots: \(r.json.serializedString())")
            return []
        }
        return items
    }

    /// Single-column query results, for asserting on what was written.
    func column(_ sql: String, _ name: String) async throws -> [String] {
        try await services.database.read { db in
            try await db.raw("\(unsafeRaw: sql)").all().map { row in
                if let i = try? row.decode(column: name, as: Int64.self) { return String(i) }
                return try row.decode(column: name, as: String.self)
            }
        }
    }

    func outboxTypes() async throws -> [String] {
        try await column("SELECT event_type FROM outbox ORDER BY id", "event_type")
    }
}

extension JSON {
    var int: Int64? { if case let .int(i) = self { i } else { nil } }
    var string: String? { if case let .string(s) = self { s } else { nil } }
    var array: [JSON] { if case let .array(a) = self { a } else { [] } }
}

/// A far-future campaign window, so "active now" rules do not depend on the weekday.
let alwaysOn = #""starts_at": "2020-01-01", "ends_at": "2100-01-01""#
let day: Int64 = 86_400_000
