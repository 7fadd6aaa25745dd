import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@Suite("Webhook endpoints and the event feed", .databases)
struct WebhookAPITests {
    @Test(arguments: Backend.allCases)
    func endpointsAreManagedAndScopedToTheirPartner(_ backend: Backend) async throws {
        try await TestApp.with(backend, configure: { $0.fastWebhooks() }) { app in
            let created = try await app.post(
                "/en/shop/webhooks",
                #"{"url":"http://127.0.0.1:9/hooks","events":["transaction.created","points.awarded","points.awarded"],"description":"CRM"}"#
            )
            #expect(created.status == .created)
            let id = try #require(created.int("data", "id"))
            let secret = try #require(created.string("data", "secret"))
            #expect(secret.hasPrefix("whsec_") && secret.count == 70)
            #expect(created.data["events"] == .array([.string("transaction.created"), .string("points.awarded")]))
            #expect(created.data["is_active"] == .bool(true) && created.int("data", "failure_count") == 0)

            // The secret is shown once.
            let listed = try await app.get("/en/shop/webhooks")
            #expect(listed.data.array.count == 1 && listed.data.arrayFirst?["secret"] == nil)
            #expect(try await app.get("/en/shop/webhooks/\(id)").data["secret"] == nil)
            #expect(!listed.json.serializedString().contains(secret))

            let changed = try await app.call(.put, "/en/shop/webhooks/\(id)", json: #"{"events":["tier.changed"],"description":null}"#)
            #expect(changed.status == .ok && changed.data["events"] == .array([.string("tier.changed")]) && changed.data["description"] == .null)

            // Bad input is named and writes nothing.
            let badEvent = try await app.call(.put, "/en/shop/webhooks/\(id)", json: #"{"events":["points.stolen"]}"#)
            #expect(badEvent.status == .unprocessableContent && badEvent.json["errors"]?["events"] != nil)
            #expect(try await app.get("/en/shop/webhooks/\(id)").data["events"] == .array([.string("tier.changed")]))
            for body in [
                #"{"url":"ftp://example.com/x","events":["tier.changed"]}"#, #"{"url":"not a url","events":["tier.changed"]}"#,
                #"{"url":"http://127.0.0.1:9/x","events":[]}"#, #"{"url":"http://127.0.0.1:9/x","events":"tier.changed"}"#,
                #"{"events":["tier.changed"]}"#, #"{"url":"http://127.0.0.1:9/x","events":[42]}"#,
            ] {
                let r = try await app.post("/en/shop/webhooks", body)
                #expect(r.status == .unprocessableContent, "accepted \(body)")
                #expect(r.json["errors"]?["url"] != nil || r.json["errors"]?["events"] != nil, "\(r.json.serializedString())")
            }
            #expect(try await app.get("/en/shop/webhooks").data.array.count == 1)

            let rotated = try await app.post("/en/shop/webhooks/\(id)/rotate-secret", "")
            #expect(
                rotated.status == .ok && rotated.string("data", "secret")?.hasPrefix("whsec_") == true && rotated.string("data", "secret") != secret
            )

            let catalogue = try await app.get("/en/shop/webhooks/events").data.array.compactMap { $0["event"]?.string }
            for t in [
                "transaction.created", "points.awarded", "points.deducted", "points.expired", "tier.changed", "coupon.redeemed", "card.issued",
                "customer.created", "webhook.test",
            ] {
                #expect(catalogue.contains(t))
            }
            // The Partner API family serves the same endpoints.
            #expect(try await app.get("/en/partners/webhooks").data.array.count == 1)

            // Another partner sees none of it, and cannot touch it.
            let other = try await app.services.provisionShop(name: "Other")
            let theirs = app.credentials(other)
            #expect(try await app.call(.get, "/en/shop/webhooks", headers: theirs).data.array.isEmpty)
            for (method, path, body) in [
                (HTTPRequest.Method.get, "/en/shop/webhooks/\(id)", nil), (.put, "/en/shop/webhooks/\(id)", #"{"is_active":false}"#),
                (.delete, "/en/shop/webhooks/\(id)", nil), (.post, "/en/shop/webhooks/\(id)/rotate-secret", "{}"),
                (.post, "/en/shop/webhooks/\(id)/test", "{}"), (.get, "/en/shop/webhooks/\(id)/deliveries", nil),
                (.get, "/en/partners/webhooks/\(id)", nil),
            ] as [(HTTPRequest.Method, String, String?)] {
                #expect(try await app.call(method, path, json: body, headers: theirs).status == .notFound, "\(method) \(path)")
            }
            #expect(try await app.get("/en/shop/webhooks/\(id)").data["is_active"] == .bool(true))

            #expect(try await app.call(.delete, "/en/shop/webhooks/\(id)").status == .ok)
            #expect(try await app.get("/en/shop/webhooks/\(id)").status == .notFound)
            #expect(try await app.get("/en/shop/webhooks/abc").status == .notFound)
        }
    }

    @Test(arguments: Backend.allCases)
    func theFeedReplaysCommittedEventsInOrder(_ backend: Backend) async throws {
        try await TestApp.with(backend, configure: { $0.fastWebhooks() }) { app in
            let user = try await app.customer("feed@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"F-1","user_id":\#(user),"order_total":10.00}"#)
            try await app.post("/en/shop/points/deduct", #"{"customer_id":\#(user),"order_id":"F-1","refund_id":"R-1","points":4}"#)
            // A refused change emits nothing.
            let refused = try await app.post("/en/shop/points/award", #"{"customer_id":999999,"points":5,"order_id":"F-2"}"#)
            #expect(refused.status == .notFound)
            #expect(try await app.feedTypes().isEmpty, "events appear only once published")
            try await app.services.dispatcher.tick()
            let types = try await app.feedTypes()
            #expect(types == ["customer.created", "card.issued", "transaction.created", "points.awarded", "transaction.created", "points.deducted"])
            #expect(try await app.column("SELECT COUNT(*) AS n FROM outbox WHERE seq IS NULL", "n") == ["0"])

            let first = try await app.get("/en/shop/events?limit=2")
            #expect(first.data.array.count == 2 && first.json["meta"]?["has_more"] == .bool(true))
            let cursor = try #require(first.json["meta"]?["next_cursor"]?.string)
            let rest = try await app.get("/en/shop/events?after=\(cursor)&limit=10")
            #expect(rest.data.array.compactMap { $0["event"]?.string } == Array(types.dropFirst(2)))
            #expect(rest.json["meta"]?["has_more"] == .bool(false))
            let end = try #require(rest.json["meta"]?["next_cursor"]?.string)
            let empty = try await app.get("/en/shop/events?after=\(end)")
            #expect(empty.data.array.isEmpty && empty.json["meta"]?["next_cursor"]?.string == end)

            // A page boundary inside one transaction's events: the cursor continues within it.
            let three = try await app.get("/en/shop/events?limit=3")
            let mid = try #require(three.json["meta"]?["next_cursor"]?.string)
            let after3 = try await app.get("/en/shop/events?after=\(mid)&limit=10").data.array.compactMap { $0["event"]?.string }
            #expect(three.data.array.compactMap { $0["event"]?.string } + after3 == types)
            let ids = try await app.get("/en/shop/events?limit=10").data.array.compactMap { $0["id"]?.string }
            let again = try await app.get("/en/shop/events?limit=10").data.array.compactMap { $0["id"]?.string }
            #expect(Set(ids).count == types.count && ids == again, "event ids are unique and stable")
            let awarded = try await app.get("/en/shop/events?types=points.awarded,points.deducted").data.array
            #expect(awarded.map { $0["event"]?.string } == ["points.awarded", "points.deducted"])
            #expect(
                awarded[0]["data"]?["points"] == .int(10) && awarded[0]["data"]?["user_id"] == .int(user)
                    && awarded[0]["data"]?["source"] == .string("purchase")
            )
            #expect(awarded[1]["data"]?["points"] == .int(4) && awarded[1]["data"]?["source"] == .string("refund"))
            let tx = try await app.get("/en/shop/events?types=transaction.created").data.array[0]
            #expect(
                tx["data"]?["reference_number"] == .string("F-1") && tx["data"]?["status"] == .string("completed")
                    && [JSON.double(10), .int(10)].contains(tx["data"]?["amount"] ?? .null)
            )
            #expect(tx["id"]?.string?.count == 36 && tx["partner_id"] == .int(app.partnerID))

            #expect(try await app.get("/en/shop/events?after=abc").status == .unprocessableContent)
            #expect(try await app.get("/en/shop/events?types=points.stolen").status == .unprocessableContent)
            let other = try await app.services.provisionShop(name: "Other")
            #expect(try await app.call(.get, "/en/shop/events", headers: app.credentials(other)).data.array.isEmpty)

            // Retention: once pruned, an older cursor is refused instead of skipping events.
            #expect(
                try await app.services.events.prune(before: SystemWallClock().nowMillis() + 1, limit: 100) == 4,
                "four facts: customer, card, purchase, refund"
            )
            #expect(try await app.get("/en/shop/events?after=\(cursor)").status == .gone)
            #expect(try await app.get("/en/shop/events?after=\(end)").status == .ok)
        }
    }
}
