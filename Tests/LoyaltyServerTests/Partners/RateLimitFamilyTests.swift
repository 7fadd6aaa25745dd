import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// Each API family draws from its own buckets: the Partner API per partner (its users
/// and its API credentials together), the Shop API per credential, member routes per
/// customer; the same headers and 429 everywhere.
@Suite("Rate limits per API family", .databases)
struct RateLimitFamilyTests {
    @Test func familiesHaveTheirOwnBuckets() async throws {
        try await TestApp.with(
            .sqlite,
            configure: {
                $0.partnerRateLimitPerHour = 3
                $0.memberRateLimitPerMinute = 2
                $0.shopRateLimitPerMinute = 100
            }
        ) { app in
            let owner = try await app.partnerToken("owner@example.com")
            let manager = try await app.partnerToken("manager@example.com", role: .manager)
            let first = try await app.asUser(owner, .get, "/en/partners/shops")
            #expect(first.headers[HTTPField.Name("X-RateLimit-Limit")!] == "3")
            #expect(first.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "2")
            #expect(try await app.asUser(manager, .get, "/en/partners/shops").status == .ok)
            // The partner's API key on a Partner API route shares the partner's bucket.
            #expect(try await app.get("/en/partners/games").status == .ok)
            let over = try await app.asUser(manager, .get, "/en/partners/shops")
            #expect(over.status == .tooManyRequests && over.string("error", "code") == "RATE_LIMIT_EXCEEDED")
            let retry = Int(over.headers[.retryAfter] ?? "0") ?? 0
            #expect((1_100...1_200).contains(retry), "one request per 1,200 s refills: \(retry)")
            #expect(try await app.get("/en/partners/games").status == .tooManyRequests)
            // The Shop API with the same key is another family, with its own bucket.
            let shop = try await app.get("/en/shop/shops")
            #expect(shop.status == .ok && shop.headers[HTTPField.Name("X-RateLimit-Limit")!] == "100")
            // Another partner is not affected.
            let other = try await app.services.provisionShop(name: "Other")
            try await app.partnerUser("other@example.com", partnerID: other.partner.id)
            let otherToken = try #require(try await app.login("other@example.com").string("data", "access_token"))
            #expect(try await app.asUser(otherToken, .get, "/en/partners/shops").status == .ok)

            // Members: per customer.
            let member = try await app.customer("member@example.com")
            let token = try #require(try await app.post("/en/shop/customers/\(member)/token", "{}").string("data", "token"))
            let asMember = HTTPFields.of(["Authorization": "Bearer \(token)"])
            for _ in 0..<2 { #expect(try await app.call(.get, "/en/shop/auth/me", headers: asMember, auth: false).status == .ok) }
            let memberOver = try await app.call(.get, "/en/shop/auth/me", headers: asMember, auth: false)
            #expect(memberOver.status == .tooManyRequests && memberOver.headers[HTTPField.Name("X-RateLimit-Limit")!] == "2")
        }
    }
}
