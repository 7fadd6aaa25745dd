import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import Testing

extension TestApp {
    /// Creates a game through the Partner API and returns its id.
    func game(_ body: String) async throws -> Int64 {
        let r = try await post("/en/partners/games", body)
        try #require(r.status == .created, "game create failed: \(r.json.serializedString())")
        return try #require(r.int("data", "id"))
    }

    /// The member's card id (issued on first use).
    func cardID(_ customerID: Int64) async throws -> Int64 {
        let r = try await get("/en/shop/loyalty-cards/info?user_id=\(customerID)")
        return try #require(r.int("data", "id"), "card lookup failed: \(r.json.serializedString())")
    }

    /// Adds stamps at the test shop.
    @discardableResult
    func stamps(_ game: Int64, card: Int64, count: Int64 = 1) async throws -> Reply {
        try await post("/en/shop/games/\(game)/add-stamps", #"{"card_id":\#(card),"shop_id":\#(shop.shop.id),"stamps_count":\#(count)}"#)
    }
}
