import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@Suite("Bad input never reaches the ledger", .databases)
struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var status: HTTPResponse.Status
        /// The field the answer must name (nil for body-level errors).
        var field: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "malformed JSON", body: #"{"order_id": "X", "#, status: .badRequest, field: nil),
        Case(name: "array body", body: #"[1,2]"#, status: .badRequest, field: nil),
        Case(name: "negative points", body: #"{"order_id":"X","user_id":1,"points":-5}"#, status: .unprocessableContent, field: "points"),
        Case(name: "fractional points", body: #"{"order_id":"X","user_id":1,"points":1.5}"#, status: .unprocessableContent, field: "points"),
        Case(
            name: "huge points",
            body: #"{"order_id":"X","user_id":1,"points":99999999999999999999999}"#,
            status: .unprocessableContent,
            field: "points"
        ),
        Case(name: "points as text", body: #"{"order_id":"X","user_id":1,"points":"many"}"#, status: .unprocessableContent, field: "points"),
        Case(name: "three decimals", body: #"{"order_id":"X","user_id":1,"order_total":1.005}"#, status: .unprocessableContent, field: "order_total"),
        Case(name: "negative total", body: #"{"order_id":"X","user_id":1,"order_total":-1}"#, status: .unprocessableContent, field: "order_total"),
        Case(
            name: "unknown currency",
            body: #"{"order_id":"X","user_id":1,"order_total":1,"currency":"XYZ"}"#,
            status: .unprocessableContent,
            field: "currency"
        ),
        Case(name: "missing order id", body: #"{"user_id":1,"order_total":1}"#, status: .unprocessableContent, field: "order_id"),
        Case(name: "no customer", body: #"{"order_id":"X","order_total":1}"#, status: .unprocessableContent, field: "user_id"),
        Case(name: "bad type", body: #"{"order_id":"X","user_id":1,"order_total":1,"type":"steal"}"#, status: .unprocessableContent, field: "type"),
        Case(
            name: "bad email",
            body: #"{"order_id":"X","user_email":"not-an-email","order_total":1}"#,
            status: .unprocessableContent,
            field: "user_email"
        ),
        Case(name: "object order id", body: #"{"order_id":{"a":1},"user_id":1,"order_total":1}"#, status: .unprocessableContent, field: "order_id"),
        Case(
            name: "long description",
            body: #"{"order_id":"X","user_id":1,"order_total":1,"description":"\#(String(repeating: "d", count: 1001))"}"#,
            status: .unprocessableContent,
            field: "description"
        ),
        Case(
            name: "cart items not objects",
            body: #"{"order_id":"X","user_id":1,"order_total":1,"cart_items":[1]}"#,
            status: .unprocessableContent,
            field: "cart_items"
        ),
    ]

    @Test(arguments: cases)
    func rejected(_ c: Case) async throws {
        try await TestApp.with(.sqlite) { app in
            let user = try await app.customer("b@example.com")
            #expect(user == 1)
            let r = try await app.post("/en/shop/transactions/create", c.body)
            #expect(r.status == c.status, "\(r.json.serializedString())")
            #expect(r.json["success"] == .bool(false))
            if let field = c.field {
                #expect(r.json["errors"]?[field] != nil, "errors must name \(field): \(r.json.serializedString())")
                #expect(r.string("message")?.contains(field) == true)
            }
            #expect(try await app.get("/en/shop/transactions").int("meta", "total") == 0)
            #expect(try await app.balance(user) == 0)
        }
    }

    @Test func unknownFieldsAreIgnored() async throws {
        try await TestApp.with(.sqlite) { app in
            let user = try await app.customer("u@example.com")
            let r = try await app.post("/en/shop/transactions/create", #"{"order_id":"X","user_id":\#(user),"points":3,"surprise":{"deep":[1,2,3]}}"#)
            #expect(r.status == .created)
        }
    }

    @Test func oversizeBodyIs413AndWritesNothing() async throws {
        try await TestApp.with(.sqlite, configure: { $0.maxBodyBytes = 4096 }) { app in
            let user = try await app.customer("o@example.com")
            let big = #"{"order_id":"X","user_id":\#(user),"points":3,"description":"\#(String(repeating: "x", count: 8000))"}"#
            let r = try await app.post("/en/shop/transactions/create", big)
            #expect(r.status == .contentTooLarge)
            #expect(try await app.balance(user) == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func idempotencyKeyReplaysAndRejectsOtherBodies(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("k@example.com")
            let key = HTTPFields.of(["Idempotency-Key": "key-1"])
            let body = #"{"customer_id":\#(user),"points":7,"reason":"bonus"}"#
            let first = try await app.post("/en/shop/points/award", body, headers: key)
            #expect(first.status == .created)
            let replay = try await app.post("/en/shop/points/award", body, headers: key)
            #expect(replay.status == .created)
            #expect(replay.json == first.json)
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await app.balance(user) == 7)
            let other = try await app.post("/en/shop/points/award", #"{"customer_id":\#(user),"points":8}"#, headers: key)
            #expect(other.status == .unprocessableContent)
            #expect(other.string("error", "code") == "IDEMPOTENCY_KEY_REUSED")
            #expect(try await app.balance(user) == 7)
            try await app.expectLedgerConsistent()
        }
    }
}
