import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Webhook endpoints (the Partner API's P26-P33, mounted under both `/shop` and
/// `/partners`) and the replayable event feed. Everything is scoped to the caller's
/// partner; another partner's endpoint or delivery is "not found".
extension ShopAPI {
    func registerWebhooks(_ routes: APIRoutes) {
        routes.get("webhooks/events", webhookEvents)
        routes.get("webhooks", listWebhooks)
        routes.post("webhooks", createWebhook)
        routes.get("webhooks/:id", getWebhook)
        routes.put("webhooks/:id", updateWebhook)
        routes.delete("webhooks/:id", deleteWebhook)
        routes.post("webhooks/:id/rotate-secret", rotateWebhookSecret)
        routes.post("webhooks/:id/test", testWebhook)
        routes.get("webhooks/:id/deliveries", webhookDeliveries)
        routes.get("webhooks/:id/deliveries/:delivery", webhookDelivery)
        routes.post("webhooks/:id/deliveries/:delivery/redeliver", redeliver)
        routes.get("events", eventFeed)
    }

    var webhooks: any WebhookRepository { services.webhooks }

    @Sendable func webhookEvents(_ call: APICall) async throws -> APIResult {
        APIResult(data: .array(EventType.catalogue.map { .object([("event", .string($0.0)), ("description", .string($0.1))]) }))
    }

    @Sendable func listWebhooks(_ call: APICall) async throws -> APIResult {
        APIResult(data: .array(try await webhooks.list(partnerID: call.partnerID).map { Present.webhook($0) }))
    }

    @Sendable func createWebhook(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let url = await webhookURL(&f, required: true)
        let events = webhookEventList(&f, required: true)
        let description = f.string("description", maxLength: 500)
        try f.throwIfInvalid()
        let (hook, secret) = try await webhooks.create(
            partnerID: call.partnerID,
            url: try f.required(url, "url"),
            events: try f.required(events, "events"),
            description: description
        )
        return APIResult(status: .created, messageKey: "webhook_created", data: Present.webhook(hook, secret: secret))
    }

    @Sendable func getWebhook(_ call: APICall) async throws -> APIResult {
        APIResult(data: Present.webhook(try await webhook(call)))
    }

    @Sendable func updateWebhook(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let url = await webhookURL(&f, required: false)
        let events = webhookEventList(&f, required: false)
        var change = WebhookChange(url: url, events: events, isActive: f.bool("is_active"))
        if f.has("description") {
            change.description = .some(f.string("description", maxLength: 500))
        } else if call.fields.raw["description"]?.isNull == true {
            change.description = .some(nil)
        }
        try f.throwIfInvalid()
        guard let id = webhookID(call), let hook = try await webhooks.update(partnerID: call.partnerID, id: id, change: change) else {
            throw Self.webhookNotFound
        }
        return APIResult(messageKey: "webhook_updated", data: Present.webhook(hook))
    }

    @Sendable func deleteWebhook(_ call: APICall) async throws -> APIResult {
        guard let id = webhookID(call), try await webhooks.delete(partnerID: call.partnerID, id: id) else { throw Self.webhookNotFound }
        return APIResult(messageKey: "webhook_deleted", data: .object([("id", .int(id)), ("deleted", .bool(true))]))
    }

    @Sendable func rotateWebhookSecret(_ call: APICall) async throws -> APIResult {
        guard let id = webhookID(call), let secret = try await webhooks.rotateSecret(partnerID: call.partnerID, id: id) else {
            throw Self.webhookNotFound
        }
        return APIResult(messageKey: "secret_rotated", data: .object([("id", .int(id)), ("secret", .string(secret))]))
    }

    @Sendable func testWebhook(_ call: APICall) async throws -> APIResult {
        guard let id = webhookID(call),
            let delivery = try await webhooks.queueTest(partnerID: call.partnerID, webhookID: id, now: services.clock.nowMillis())
        else { throw Self.webhookNotFound }
        return APIResult(status: .accepted, messageKey: "delivery_queued", data: Present.delivery(delivery))
    }

    @Sendable func webhookDeliveries(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let status = f.oneOf("status", WebhookDelivery.Status.allCases.map(\.rawValue))
        let page = f.page(maxPerPage: 100)
        try f.throwIfInvalid()
        let hook = try await webhook(call)
        let result = try await webhooks.deliveries(
            partnerID: call.partnerID,
            webhookID: hook.id,
            status: status.flatMap(WebhookDelivery.Status.init(rawValue:)),
            page: page
        )
        return APIResult(data: .array(result.items.map { Present.delivery($0) }), meta: Envelope.meta(result))
    }

    @Sendable func webhookDelivery(_ call: APICall) async throws -> APIResult {
        guard let id = webhookID(call), let uuid = call.parameters["delivery"],
            let d = try await webhooks.delivery(partnerID: call.partnerID, webhookID: id, uuid: uuid.lowercased())
        else { throw Self.deliveryNotFound }
        return APIResult(data: Present.delivery(d))
    }

    @Sendable func redeliver(_ call: APICall) async throws -> APIResult {
        guard let id = webhookID(call), let uuid = call.parameters["delivery"],
            let d = try await webhooks.redeliver(partnerID: call.partnerID, webhookID: id, uuid: uuid.lowercased(), now: services.clock.nowMillis())
        else { throw Self.deliveryNotFound }
        return APIResult(status: .accepted, messageKey: "delivery_queued", data: Present.delivery(d))
    }

    /// `GET events?after=<cursor>&types=a,b&limit=n`: events in publication order.
    /// `next_cursor` is where to continue; an empty page returns the same cursor.
    @Sendable func eventFeed(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        var after: Int64 = 0
        if let text = f.string("after", maxLength: 20) {
            if let n = Int64(text), n >= 0 { after = n } else { f.fail("after", "cursor_invalid") }
        }
        var types: [String] = []
        if let text = f.string("types", maxLength: 1000) {
            types = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for t in types where !EventType.all.contains(t) { f.fail("types", "event_unknown", ["event": String(t.prefix(64))]) }
        }
        let limit = Int(f.int("limit", min: 1, max: 1000) ?? 100)
        try f.throwIfInvalid()
        let page = try await services.events.events(partnerID: call.partnerID, after: after, types: types, limit: limit)
        return APIResult(
            data: .array(page.events.map(Present.event)),
            meta: .object([
                ("next_cursor", .string(String(page.nextCursor))), ("has_more", .bool(page.hasMore)), ("limit", .int(Int64(limit))),
            ])
        )
    }

    // MARK: Helpers

    static let webhookNotFound = APIError.notFound("webhook_not_found", code: 1207, stringCode: .webhookNotFound)
    static let deliveryNotFound = APIError.notFound("delivery_not_found", code: 1208, stringCode: .deliveryNotFound)

    func webhookID(_ call: APICall) -> Int64? {
        call.parameters["id"].flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    func webhook(_ call: APICall) async throws -> Webhook {
        guard let id = webhookID(call), let hook = try await webhooks.webhook(partnerID: call.partnerID, id: id) else { throw Self.webhookNotFound }
        return hook
    }

    /// A URL the dispatcher may call (see ``WebhookTargetPolicy``), or a field error.
    func webhookURL(_ f: inout Fields, required: Bool) async -> String? {
        guard let url = f.string("url", required: required, maxLength: 2048) else { return nil }
        switch await services.webhookTargets.check(url) {
        case nil: return url
        case .invalid?: f.fail("url", "url_invalid")
        case .scheme?: f.fail("url", "url_scheme")
        case let .blocked(address)?: f.fail("url", "url_blocked", ["detail": address])
        case .unresolvable?: f.fail("url", "url_unresolvable")
        }
        return nil
    }

    func webhookEventList(_ f: inout Fields, required: Bool) -> [String]? {
        guard let items = f.array("events", required: required, maxItems: EventType.catalogue.count) else { return nil }
        var events: [String] = []
        for item in items {
            guard case let .string(name) = item, EventType.all.contains(name) else {
                let shown = if case let .string(s) = item { String(s.prefix(64)) } else { "non-string value" }
                f.fail("events", "event_unknown", ["event": shown])
                return nil
            }
            if !events.contains(name) { events.append(name) }
        }
        if events.isEmpty {
            f.fail("events", "v_required")
            return nil
        }
        return events
    }
}

extension Present {
    static func webhook(_ w: Webhook, secret: String? = nil) -> JSON {
        var members: [(String, JSON)] = [
            ("id", .int(w.id)), ("url", .string(w.url)), ("events", .array(w.events.map(JSON.string))), ("description", .optional(w.description)),
            ("is_active", .bool(w.isActive)), ("failure_count", .int(w.failureCount)), ("disabled_reason", .optional(w.disabledReason)),
            ("disabled_at", w.disabledAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
            ("last_success_at", w.lastSuccessAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
            ("last_failure_at", w.lastFailureAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
            ("created_at", .string(Timestamp.iso8601(w.createdAt))), ("updated_at", .string(Timestamp.iso8601(w.updatedAt))),
        ]
        if let secret { members.append(("secret", .string(secret))) }
        return .object(members)
    }

    static func delivery(_ d: WebhookDelivery) -> JSON {
        let body = (try? JSONDecoder().decode(JSON.self, from: Data(d.body.utf8))) ?? .string(d.body)
        return .object([
            ("id", .string(d.uuid)), ("event", .string(d.eventType)), ("event_id", body["event_id"] ?? .null), ("status", .string(d.status.rawValue)),
            ("attempts", .int(d.attempts)), ("max_attempts", .int(d.maxAttempts)),
            ("next_attempt_at", d.nextAttemptAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
            ("last_status_code", .optional(d.log.last?.statusCode)),
            ("created_at", .string(Timestamp.iso8601(d.createdAt))), ("completed_at", d.completedAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
            (
                "attempt_log",
                .array(
                    d.log.map { a in
                        .object([
                            ("attempt", .int(a.attempt)), ("status_code", .optional(a.statusCode)), ("success", .bool(a.succeeded)),
                            ("error", .optional(a.error)),
                            ("duration_ms", .int(a.durationMillis)), ("response_excerpt", .optional(a.responseExcerpt)),
                            ("at", .string(Timestamp.iso8601(a.createdAt))),
                        ])
                    }
                )
            ),
            ("payload", body),
        ])
    }

    static func event(_ e: PublishedEvent) -> JSON {
        .object([
            ("id", .string(e.uuid)), ("cursor", .string(String(e.seq))), ("event", .string(e.type)),
            ("created_at", .string(Timestamp.iso8601(e.createdAt))),
            ("partner_id", .int(e.partnerID)), ("shop_id", .optional(e.shopID)),
            ("data", (try? JSONDecoder().decode(JSON.self, from: Data(e.data.utf8))) ?? .object([])),
        ])
    }
}
