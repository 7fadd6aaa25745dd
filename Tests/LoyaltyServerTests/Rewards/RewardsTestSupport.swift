import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import Testing

extension TestApp {
    /// Creates an offer through the API and returns its id.
    func offer(_ body: String) async throws -> Int64 {
        let r = try await post("/en/shop/offers", body)
        try #require(r.status == .created, "offer create failed: \(r.json.serializedString())")
        return try #require(r.int("data", "id"))
    }

    /// A customer with `points` awarded.
    func member(_ email: String, points: Int64) async throws -> Int64 {
        let id = try await customer(email)
        if points > 0 {
            let r = try await post("/en/shop/points/award", #"{"customer_id":\#(id),"points":\#(points)}"#)
            try #require(r.status == .created, "award failed: \(r.json.serializedString())")
        }
        return id
    }

    /// A customer token for `customerID` (the shop endpoint that mints one).
    func tokenHeaders(_ customerID: Int64) async throws -> HTTPFields {
        let r = try await post("/en/shop/customers/\(customerID)/token", "{}")
        let token = try #require(r.string("data", "token"), "token failed: \(r.json.serializedString())")
        return .of(["Authorization": "Bearer \(token)"])
    }

    /// Calls as the member (customer token instead of API credentials).
    @discardableResult
    func asMember(_ headers: HTTPFields, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> Reply {
        try await call(method, path, json: body, headers: headers, auth: false)
    }

    /// The shop claims `offer` for `customerID`; returns the reply.
    @discardableResult
    func claim(_ offer: Int64, for customerID: Int64, headers: HTTPFields = [:]) async throws -> Reply {
        try await post("/en/shop/offers/\(offer)/claim", #"{"user_id":\#(customerID)}"#, headers: headers)
    }

    /// Every event type in the partner's feed so far (the outbox published first).
    func eventTypes() async throws -> [String] {
        try await services.dispatcher.tick()
        let r = try await get("/en/shop/events?limit=1000")
        guard case let .array(items)? = r.json["data"] else { return [] }
        return items.compactMap { $0["event"]?.string }
    }
}

/// A JSON number as minor units (amounts travel as numbers with two decimals).
func minor(_ json: JSON?) -> Int64? {
    switch json {
    case let .int(i)?: i * 100
    case let .double(d)?: Money.minorUnits(fromDecimal: d)
    case let .money(m)?: m
    default: nil
    }
}
