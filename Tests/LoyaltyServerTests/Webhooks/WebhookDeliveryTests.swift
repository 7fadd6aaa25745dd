import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltySDK
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@Suite("Webhook delivery", .databases)
struct WebhookDeliveryTests {
    /// 500, 500, 500, then 200: one delivery, delivered once, with three failures in its
    /// log, every attempt the same signed body under the same delivery id, and each
    /// retry no sooner than the schedule says.
    @Test(arguments: Backend.allCases)
    func failedAttemptsAreRetriedOnTheSchedule(_ backend: Backend) async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await TestApp.with(backend, configure: { $0.fastWebhooks(schedule: [0, 200, 300, 400, 500]) }) { app in
            let hook = try await app.createWebhook(receiver.url("/flaky/3/a"), events: ["points.awarded"])
            let user = try await app.customer("retry@example.com")
            try await app.post("/en/shop/points/award", #"{"customer_id":\#(user),"points":25,"order_id":"W-1"}"#)
            try await app.dispatch { try await app.deliveries(hook.id).first?["status"] == .string("delivered") }

            let deliveries = try await app.deliveries(hook.id)
            #expect(deliveries.count == 1)
            let d = deliveries[0]
            #expect(d["attempts"] == .int(4) && d["event"] == .string("points.awarded") && d["last_status_code"] == .int(200))
            let log = d["attempt_log"]?.array ?? []
            #expect(log.map { $0["status_code"] } == [.int(500), .int(500), .int(500), .int(200)])
            #expect(log.map { $0["attempt"] } == [.int(1), .int(2), .int(3), .int(4)])
            #expect(log[0]["response_excerpt"] == .string("boom 1"))
            let times = log.compactMap { $0["at"]?.string }.compactMap { ISO8601DateFormatter.withMillis.date(from: $0) }
            #expect(times.count == 4)
            for (i, delay) in [200.0, 300, 400].enumerated() where times.count == 4 {
                #expect(times[i + 1].timeIntervalSince(times[i]) * 1000 >= delay - 1, "retry \(i + 1) came early")
            }

            let got = await receiver.requests(under: "/flaky/3/a")
            #expect(got.count == 4)
            #expect(Set(got.map(\.body)).count == 1, "every attempt sends the same bytes")
            #expect(Set(got.compactMap { $0.header("X-Loyalty-Delivery") }) == [d["id"]?.string ?? "?"])
            #expect(got.map { $0.header("X-Loyalty-Attempt") } == ["1", "2", "3", "4"])
            let verifier = WebhookVerifier(secret: hook.secret)
            for r in got {
                #expect(r.header("X-Loyalty-Event") == "points.awarded" && r.header("Content-Type") == "application/json")
                try verifier.verify(body: r.body, signature: r.header("X-Loyalty-Signature"))
                try verifier.verify(body: r.body, timestampedSignature: r.header("X-Loyalty-Timestamped-Signature"))
            }
            let body = try JSONDecoder().decode(JSON.self, from: Data(got[0].body))
            #expect(body["id"] == d["id"] && body["event"] == .string("points.awarded") && body["partner_id"] == .int(app.partnerID))
            #expect(body["data"]?["points"] == .int(25) && body["data"]?["user_id"] == .int(user))
            let fed = try await app.get("/en/shop/events?types=points.awarded").data.arrayFirst
            #expect(
                fed?["id"] != nil && fed?["id"] == body["event_id"] && fed?["data"] == body["data"],
                "the feed and the delivery name the same event"
            )
            #expect(try await app.get("/en/shop/webhooks/\(hook.id)").int("data", "failure_count") == 0)
        }
    }

    /// Deliveries that exhaust every attempt count up; at the limit the endpoint is
    /// disabled with a reason, its queue is dropped and `webhook.disabled` goes out.
    @Test(arguments: Backend.allCases)
    func repeatedFailuresDisableTheEndpoint(_ backend: Backend) async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await TestApp.with(backend, configure: { $0.fastWebhooks(schedule: [0], disableAfter: 2) }) { app in
            let failing = try await app.createWebhook(receiver.url("/status/503/d"), events: ["points.awarded"])
            let watcher = try await app.createWebhook(receiver.url("/ok/watch"), events: ["webhook.disabled"])
            let user = try await app.customer("disable@example.com")
            for i in 1...2 { try await app.post("/en/shop/points/award", #"{"customer_id":\#(user),"points":1,"order_id":"D-\#(i)"}"#) }
            try await app.dispatch { await !receiver.requests(under: "/ok/watch").isEmpty }

            let hook = try await app.get("/en/shop/webhooks/\(failing.id)")
            #expect(hook.data["is_active"] == .bool(false) && hook.int("data", "failure_count") == 2)
            #expect(hook.string("data", "disabled_reason")?.contains("2 consecutive deliveries failed") == true)
            #expect(try await app.deliveries(failing.id).map { $0["status"] } == [.string("failed"), .string("failed")])
            let notice = try JSONDecoder().decode(JSON.self, from: Data(await receiver.requests(under: "/ok/watch")[0].body))
            #expect(notice["event"] == .string("webhook.disabled") && notice["data"]?["webhook_id"] == .int(failing.id))
            #expect(try await app.feedTypes().contains("webhook.disabled"))

            // Disabled: new events are not queued for it; a test or redelivery is refused.
            try await app.post("/en/shop/points/award", #"{"customer_id":\#(user),"points":1,"order_id":"D-3"}"#)
            try await app.services.dispatcher.tick()
            #expect(try await app.deliveries(failing.id).count == 2)
            #expect(try await app.post("/en/shop/webhooks/\(failing.id)/test", "{}").status == .conflict)
            let first = try #require(try await app.deliveries(failing.id).first?["id"]?.string)
            #expect(try await app.post("/en/shop/webhooks/\(failing.id)/deliveries/\(first)/redeliver", "{}").status == .conflict)

            // Re-enabling resets the counter.
            let back = try await app.call(.put, "/en/shop/webhooks/\(failing.id)", json: #"{"is_active":true}"#)
            #expect(back.data["is_active"] == .bool(true) && back.int("data", "failure_count") == 0 && back.data["disabled_reason"] == .null)
            #expect(watcher.id != failing.id)
        }
    }

    /// A redirect is a failed attempt: the client does not follow it.
    @Test(arguments: Backend.allCases)
    func redirectsAreNotFollowed(_ backend: Backend) async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await TestApp.with(backend, configure: { $0.fastWebhooks(schedule: [0]) }) { app in
            let hook = try await app.createWebhook(receiver.url("/redirect"), events: ["customer.created"])
            _ = try await app.customer("redirect@example.com")
            try await app.dispatch { try await app.deliveries(hook.id).first?["status"] == .string("failed") }
            #expect(try await app.deliveries(hook.id).first?["last_status_code"] == .int(302))
            #expect(await receiver.requests(under: "/target").isEmpty)
        }
    }

    /// `test` queues a signed `webhook.test`; a finished delivery can be sent again,
    /// under the same delivery id.
    @Test(arguments: Backend.allCases)
    func testEventsAndRedelivery(_ backend: Backend) async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await TestApp.with(backend, configure: { $0.fastWebhooks() }) { app in
            let hook = try await app.createWebhook(receiver.url("/ok/test"), events: ["tier.changed"])
            let queued = try await app.post("/en/shop/webhooks/\(hook.id)/test", "{}")
            #expect(queued.status == .accepted && queued.string("data", "status") == "pending" && queued.string("data", "event") == "webhook.test")
            let id = try #require(queued.string("data", "id"))
            try await app.dispatch { try await app.get("/en/shop/webhooks/\(hook.id)/deliveries/\(id)").string("data", "status") == "delivered" }
            let again = try await app.post("/en/shop/webhooks/\(hook.id)/deliveries/\(id)/redeliver", "{}")
            #expect(again.status == .accepted && again.string("data", "status") == "pending")
            #expect(try await app.post("/en/shop/webhooks/\(hook.id)/deliveries/\(id)/redeliver", "{}").status == .conflict)
            try await app.dispatch { try await app.get("/en/shop/webhooks/\(hook.id)/deliveries/\(id)").string("data", "status") == "delivered" }
            let got = await receiver.requests(under: "/ok/test")
            #expect(got.count == 2 && got.allSatisfy { $0.header("X-Loyalty-Delivery") == id && $0.header("X-Loyalty-Event") == "webhook.test" })
            let log = try await app.get("/en/shop/webhooks/\(hook.id)/deliveries/\(id)").data["attempt_log"]?.array ?? []
            #expect(log.map { $0["attempt"] } == [.int(1), .int(2)])
            #expect(try await app.get("/en/shop/webhooks/\(hook.id)/deliveries/00000000-0000-0000-0000-000000000000").status == .notFound)
            try WebhookVerifier(secret: hook.secret).verify(body: got[0].body, signature: got[0].header("X-Loyalty-Signature"))
        }
    }

    /// Each partner's endpoints get that partner's events and nothing else.
    @Test(arguments: Backend.allCases)
    func endpointsOnlyReceiveTheirPartnersEvents(_ backend: Backend) async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await TestApp.with(backend, configure: { $0.fastWebhooks() }) { app in
            let other = try await app.services.provisionShop(name: "Other")
            let all = EventType.catalogue.map(\.0)
            _ = try await app.createWebhook(receiver.url("/ok/a"), events: all)
            _ = try await app.createWebhook(receiver.url("/ok/b"), events: all, headers: app.credentials(other))
            let a = try await app.customer("a@example.com")
            let b = try #require(
                try await app.call(.post, "/en/shop/customers", json: #"{"email":"b@example.com"}"#, headers: app.credentials(other)).int(
                    "data",
                    "id"
                )
            )
            try await app.post("/en/shop/points/award", #"{"customer_id":\#(a),"points":3,"order_id":"A-1"}"#)
            try await app.call(
                .post,
                "/en/shop/points/award",
                json: #"{"customer_id":\#(b),"points":4,"order_id":"B-1"}"#,
                headers: app.credentials(other)
            )
            try await app.dispatch {
                let (x, y) = (await receiver.requests(under: "/ok/a").count, await receiver.requests(under: "/ok/b").count)
                return x >= 4 && y >= 4
            }
            for (path, partner, user) in [("/ok/a", app.partnerID, a), ("/ok/b", other.partner.id, b)] {
                for r in await receiver.requests(under: path) {
                    let body = try JSONDecoder().decode(JSON.self, from: Data(r.body))
                    #expect(body["partner_id"] == .int(partner), "\(path) got \(body.serializedString())")
                    #expect(body["data"]?["user_id"] == .int(user))
                }
            }
        }
    }

    /// A node that claimed an attempt and died: the lease runs out and another node
    /// delivers it. Nothing committed is lost.
    @Test(arguments: Backend.allCases)
    func aDeadNodesAttemptIsRetriedAfterItsLease(_ backend: Backend) async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await TestApp.with(backend, configure: { $0.fastWebhooks() }) { app in
            let hook = try await app.createWebhook(receiver.url("/ok/lease"), events: ["points.awarded"])
            let user = try await app.customer("lease@example.com")
            try await app.post("/en/shop/points/award", #"{"customer_id":\#(user),"points":7,"order_id":"L-1"}"#)
            // The dead node: published and claimed, never sent.
            _ = try await EventPublisher(database: app.services.database).publish(maxAttempts: 5)
            #expect(try await DeliveryQueue(database: app.services.database).claim(limit: 10, leaseMillis: 3000).count == 1)

            let survivor = AppServices(config: app.services.config, database: app.services.database)
            try await survivor.dispatcher.tick()
            #expect(await receiver.requests(under: "/ok/lease").isEmpty, "claimed by the dead node until its lease ends")
            // A lease long enough that a loaded machine cannot run out of it before the
            // survivor's first tick above.
            try await Task.sleep(for: .milliseconds(3050))
            for _ in 0..<50 where await receiver.requests(under: "/ok/lease").isEmpty {
                try await survivor.dispatcher.tick()
                try await Task.sleep(for: .milliseconds(50))
            }
            await survivor.dispatcher.shutdown()
            #expect(await receiver.requests(under: "/ok/lease").count == 1)
            let d = try #require(try await app.deliveries(hook.id).first)
            #expect(d["status"] == .string("delivered") && d["attempts"] == .int(2))
            #expect(d["attempt_log"]?.array.map { $0["attempt"] } == [.int(2)], "the lost attempt left no log row")
        }
    }

    /// Two dispatchers on one database never send one attempt twice.
    @Test(arguments: Backend.allCases)
    func twoDispatchersShareTheQueue(_ backend: Backend) async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await TestApp.with(backend, configure: { $0.fastWebhooks() }) { app in
            _ = try await app.createWebhook(receiver.url("/ok/shared"), events: ["points.awarded"])
            let user = try await app.customer("shared@example.com")
            let items = (1...60).map { #"{"customer_id":\#(user),"points":1,"order_id":"S-\#($0)"}"# }.joined(separator: ",")
            let bulk = try await app.post("/en/shop/points/bulk-award", #"{"items":[\#(items)]}"#)
            #expect(bulk.status == .ok, "\(bulk.json.serializedString())")
            let nodes = [app.services, AppServices(config: app.services.config, database: app.services.database)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in nodes {
                    group.addTask {
                        for _ in 0..<200 where await receiver.requests(under: "/ok/shared").count < 60 {
                            try await node.dispatcher.tick()
                            try await Task.sleep(for: .milliseconds(10))
                        }
                    }
                }
                try await group.waitForAll()
            }
            await nodes[1].dispatcher.shutdown()
            let got = await receiver.requests(under: "/ok/shared")
            #expect(got.count == 60)
            #expect(Set(got.compactMap { $0.header("X-Loyalty-Delivery") }).count == 60)
            #expect(got.allSatisfy { $0.header("X-Loyalty-Attempt") == "1" })
        }
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withMillis: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
