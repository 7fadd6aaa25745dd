import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// A partner's webhook endpoints and their delivery log. Every call is scoped by
/// `partnerID`: another partner's endpoint is "not found".
public protocol WebhookRepository: Sendable {
    /// Creates an endpoint and returns it with its secret (shown once).
    /// Throws ``LoyaltyError/webhookLimitReached`` past ``SQLWebhookRepository/maxPerPartner``.
    func create(partnerID: Int64, url: String, events: [String], description: String?) async throws -> (Webhook, secret: String)
    func list(partnerID: Int64) async throws -> [Webhook]
    func webhook(partnerID: Int64, id: Int64) async throws -> Webhook?
    /// Applies `change`. Re-activating resets the failure counter and the disabled
    /// reason; de-activating drops the endpoint's pending deliveries.
    func update(partnerID: Int64, id: Int64, change: WebhookChange) async throws -> Webhook?
    /// Deletes the endpoint with its deliveries and their attempts.
    func delete(partnerID: Int64, id: Int64) async throws -> Bool
    /// A new secret; the old one stops signing at once.
    func rotateSecret(partnerID: Int64, id: Int64) async throws -> String?
    /// The endpoint's deliveries, newest first, each with its attempts.
    func deliveries(partnerID: Int64, webhookID: Int64, status: WebhookDelivery.Status?, page: PageRequest) async throws -> Page<WebhookDelivery>
    func delivery(partnerID: Int64, webhookID: Int64, uuid: String) async throws -> WebhookDelivery?
    /// Queues one more attempt of a finished delivery (same id and body), due now.
    /// Throws ``LoyaltyError/webhookInactive`` for a disabled endpoint and
    /// ``LoyaltyError/deliveryPending`` when the delivery is still being attempted.
    func redeliver(partnerID: Int64, webhookID: Int64, uuid: String, now: Int64) async throws -> WebhookDelivery?
    /// Queues a `webhook.test` delivery (one attempt) through the normal queue.
    func queueTest(partnerID: Int64, webhookID: Int64, now: Int64) async throws -> WebhookDelivery?
}

public struct SQLWebhookRepository: WebhookRepository {
    /// Endpoints per partner; a bound on fan-out per event.
    public static let maxPerPartner = 20

    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    static let columns =
        "id, partner_id, url, events, description, is_active, failure_count, disabled_reason, disabled_at, last_success_at, last_failure_at, created_at, updated_at"
    static let deliveryColumns =
        "id, uuid, partner_id, webhook_id, event_seq, event_type, body, status, attempts, max_attempts, next_attempt_at, created_at, completed_at, success_status, success_duration_ms, success_excerpt"

    static func webhook(_ r: any SQLRow) throws -> Webhook {
        Webhook(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            url: try r.decode(column: "url", as: String.self),
            events: try r.decode(column: "events", as: String.self).split(separator: ",").map(String.init),
            description: try r.decode(column: "description", as: String?.self),
            isActive: try r.decode(column: "is_active", as: Bool.self),
            failureCount: try r.decode(column: "failure_count", as: Int64.self),
            disabledReason: try r.decode(column: "disabled_reason", as: String?.self),
            disabledAt: try r.decode(column: "disabled_at", as: Int64?.self),
            lastSuccessAt: try r.decode(column: "last_success_at", as: Int64?.self),
            lastFailureAt: try r.decode(column: "last_failure_at", as: Int64?.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            updatedAt: try r.decode(column: "updated_at", as: Int64.self)
        )
    }

    static func delivery(_ r: any SQLRow) throws -> WebhookDelivery {
        let status = try r.decode(column: "status", as: String.self)
        var d = WebhookDelivery(
            id: try r.decode(column: "id", as: Int64.self),
            uuid: try r.decode(column: "uuid", as: String.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            webhookID: try r.decode(column: "webhook_id", as: Int64.self),
            eventSeq: try r.decode(column: "event_seq", as: Int64?.self),
            eventType: try r.decode(column: "event_type", as: String.self),
            body: try r.decode(column: "body", as: String.self),
            status: WebhookDelivery.Status(rawValue: status) ?? .pending,
            attempts: try r.decode(column: "attempts", as: Int64.self),
            maxAttempts: try r.decode(column: "max_attempts", as: Int64.self),
            nextAttemptAt: status == "pending" ? try r.decode(column: "next_attempt_at", as: Int64.self) : nil,
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            completedAt: try r.decode(column: "completed_at", as: Int64?.self)
        )
        if let code = try r.decode(column: "success_status", as: Int64?.self) {
            let excerpt = try r.decode(column: "success_excerpt", as: String?.self)
            d.success = WebhookAttempt(
                attempt: d.attempts,
                statusCode: code,
                error: nil,
                durationMillis: try r.decode(column: "success_duration_ms", as: Int64?.self) ?? 0,
                responseExcerpt: excerpt?.isEmpty == false ? excerpt : nil,
                createdAt: d.completedAt ?? d.createdAt
            )
        }
        return d
    }

    /// `whsec_` and 64 hex digits (256 random bits).
    static func newSecret() -> String {
        "whsec_" + Hex.random(bytes: 32)
    }

    public func create(partnerID: Int64, url: String, events: [String], description: String?) async throws -> (Webhook, secret: String) {
        let secret = Self.newSecret()
        let now = clock.nowMillis()
        let hook = try await database.write { db in
            let count = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM webhooks WHERE partner_id = \(bind: partnerID)").first())
            guard count < Self.maxPerPartner else { throw LoyaltyError.webhookLimitReached(Self.maxPerPartner) }
            return try Self.webhook(
                try await db.raw(
                    """
                    INSERT INTO webhooks (partner_id, url, events, description, secret, is_active, failure_count, created_at, updated_at)
                    VALUES (\(bind: partnerID), \(bind: url), \(bind: events.joined(separator: ",")), \(bind: description), \(bind: secret),
                      \(bind: true), 0, \(bind: now), \(bind: now))
                    RETURNING \(unsafeRaw: Self.columns)
                    """
                ).first().required("the returned row")
            )
        }
        return (hook, secret)
    }

    public func list(partnerID: Int64) async throws -> [Webhook] {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM webhooks WHERE partner_id = \(bind: partnerID) ORDER BY id").all().map(
                Self.webhook
            )
        }
    }

    public func webhook(partnerID: Int64, id: Int64) async throws -> Webhook? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM webhooks WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)").first()
                .map(Self.webhook)
        }
    }

    public func update(partnerID: Int64, id: Int64, change: WebhookChange) async throws -> Webhook? {
        let now = clock.nowMillis()
        return try await database.write { db in
            var set: SQLQueryString = "updated_at = \(bind: now)"
            if let url = change.url { set += ", url = \(bind: url)" }
            if let events = change.events { set += ", events = \(bind: events.joined(separator: ","))" }
            if let description = change.description { set += ", description = \(bind: description)" }
            if change.isActive == true { set += ", is_active = \(bind: true), failure_count = 0, disabled_reason = NULL, disabled_at = NULL" }
            if change.isActive == false { set += ", is_active = \(bind: false), disabled_reason = 'deactivated', disabled_at = \(bind: now)" }
            guard
                let row = try await db.raw(
                    "UPDATE webhooks SET \(set) WHERE partner_id = \(bind: partnerID) AND id = \(bind: id) RETURNING \(unsafeRaw: Self.columns)"
                ).first()
            else { return nil }
            if change.isActive == false { try await DeliveryQueue.dropPending(db, webhookID: id, now: now) }
            return try Self.webhook(row)
        }
    }

    public func delete(partnerID: Int64, id: Int64) async throws -> Bool {
        try await database.write { db in
            guard try await db.raw("DELETE FROM webhooks WHERE partner_id = \(bind: partnerID) AND id = \(bind: id) RETURNING id").first() != nil
            else { return false }
            try await db.raw("DELETE FROM webhook_attempts WHERE partner_id = \(bind: partnerID) AND webhook_id = \(bind: id)").run()
            try await db.raw("DELETE FROM webhook_deliveries WHERE partner_id = \(bind: partnerID) AND webhook_id = \(bind: id)").run()
            try await db.raw("DELETE FROM webhook_queue WHERE webhook_id = \(bind: id)").run()
            return true
        }
    }

    public func rotateSecret(partnerID: Int64, id: Int64) async throws -> String? {
        let secret = Self.newSecret()
        let now = clock.nowMillis()
        return try await database.write { db in
            try await db.raw(
                """
                UPDATE webhooks SET secret = \(bind: secret), updated_at = \(bind: now) WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)
                  RETURNING id
                """
            ).first() == nil ? nil : secret
        }
    }

    public func deliveries(
        partnerID: Int64,
        webhookID: Int64,
        status: WebhookDelivery.Status?,
        page: PageRequest
    ) async throws -> Page<WebhookDelivery> {
        var condition: SQLQueryString = "partner_id = \(bind: partnerID) AND webhook_id = \(bind: webhookID)"
        if let status { condition += " AND status = \(bind: status.rawValue)" }
        let final = condition
        return try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE \(final)").first())
            var items = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.deliveryColumns) FROM webhook_deliveries WHERE \(final) ORDER BY id DESC LIMIT \(literal: page.perPage)
                  OFFSET \(literal: page.offset)
                """
            ).all().map(Self.delivery)
            try await Self.attachAttempts(db, partnerID: partnerID, to: &items)
            return Page(items: items, request: page, total: total)
        }
    }

    public func delivery(partnerID: Int64, webhookID: Int64, uuid: String) async throws -> WebhookDelivery? {
        try await database.read { db in
            guard
                let d = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Self.deliveryColumns) FROM webhook_deliveries WHERE partner_id = \(bind: partnerID) AND webhook_id =
                      \(bind: webhookID) AND uuid = \(bind: uuid)
                    """
                ).first().map(Self.delivery)
            else { return nil }
            var items = [d]
            try await Self.attachAttempts(db, partnerID: partnerID, to: &items)
            return items[0]
        }
    }

    static func attachAttempts(_ db: any SQLDatabase, partnerID: Int64, to items: inout [WebhookDelivery]) async throws {
        guard !items.isEmpty else { return }
        let rows = try await db.raw(
            """
            SELECT delivery_id, attempt, status_code, error, duration_ms, response_excerpt, created_at FROM webhook_attempts
            WHERE partner_id = \(bind: partnerID) AND delivery_id IN (\(binds: items.map(\.id))) ORDER BY delivery_id, attempt, id
            """
        ).all()
        var byDelivery: [Int64: [WebhookAttempt]] = [:]
        for r in rows {
            byDelivery[try r.decode(column: "delivery_id", as: Int64.self), default: []].append(
                WebhookAttempt(
                    attempt: try r.decode(column: "attempt", as: Int64.self),
                    statusCode: try r.decode(column: "status_code", as: Int64?.self),
                    error: try r.decode(column: "error", as: String?.self),
                    durationMillis: try r.decode(column: "duration_ms", as: Int64.self),
                    responseExcerpt: try r.decode(column: "response_excerpt", as: String?.self),
                    createdAt: try r.decode(column: "created_at", as: Int64.self)
                )
            )
        }
        for i in items.indices {
            items[i].log = (byDelivery[items[i].id] ?? []) + (items[i].success.map { [$0] } ?? [])
        }
    }

    public func redeliver(partnerID: Int64, webhookID: Int64, uuid: String, now: Int64) async throws -> WebhookDelivery? {
        let found = try await database.write { db -> Bool in
            guard
                let hook = try await db.raw("SELECT is_active FROM webhooks WHERE partner_id = \(bind: partnerID) AND id = \(bind: webhookID)")
                    .first()
            else { return false }
            guard
                let row = try await db.raw(
                    """
                    SELECT status FROM webhook_deliveries WHERE partner_id = \(bind: partnerID) AND webhook_id = \(bind: webhookID) AND uuid =
                      \(bind: uuid)
                    """
                ).first()
            else { return false }
            guard try hook.decode(column: "is_active", as: Bool.self) else { throw LoyaltyError.webhookInactive }
            guard try row.decode(column: "status", as: String.self) != WebhookDelivery.Status.pending.rawValue else {
                throw LoyaltyError.deliveryPending
            }
            // The earlier success moves to the log table, so the log keeps every attempt.
            try await db.raw(
                """
                INSERT INTO webhook_attempts (delivery_id, partner_id, webhook_id, attempt, status_code, error, duration_ms, response_excerpt,
                  created_at)
                SELECT id, partner_id, webhook_id, attempts, success_status, NULL, COALESCE(success_duration_ms, 0), NULLIF(success_excerpt, ''),
                  COALESCE(completed_at, created_at)
                FROM webhook_deliveries WHERE partner_id = \(bind: partnerID) AND webhook_id = \(bind: webhookID) AND uuid = \(bind: uuid) AND
                  success_status IS NOT NULL
                """
            ).run()
            let id = try await db.raw(
                """
                UPDATE webhook_deliveries SET status = 'pending', max_attempts = attempts + 1, next_attempt_at = \(bind: now), completed_at = NULL,
                  success_status = NULL, success_duration_ms = NULL, success_excerpt = NULL
                WHERE partner_id = \(bind: partnerID) AND webhook_id = \(bind: webhookID) AND uuid = \(bind: uuid)
                RETURNING id
                """
            ).first().map { try $0.decode(column: "id", as: Int64.self) }
            if let id { try await DeliveryQueue.enqueue(db, [(id, webhookID, now)]) }
            return true
        }
        return found ? try await delivery(partnerID: partnerID, webhookID: webhookID, uuid: uuid) : nil
    }

    public func queueTest(partnerID: Int64, webhookID: Int64, now: Int64) async throws -> WebhookDelivery? {
        let uuid = UUID().uuidString.lowercased()
        let queued = try await database.write { db -> Bool in
            guard
                let hook = try await db.raw("SELECT is_active FROM webhooks WHERE partner_id = \(bind: partnerID) AND id = \(bind: webhookID)")
                    .first()
            else { return false }
            guard try hook.decode(column: "is_active", as: Bool.self) else { throw LoyaltyError.webhookInactive }
            let body = WebhookBody.render(
                deliveryID: uuid,
                eventID: UUID().uuidString.lowercased(),
                type: EventType.webhookTest,
                createdAt: now,
                partnerID: partnerID,
                shopID: nil,
                data: .object([("webhook_id", .int(webhookID)), ("message", .string("This is a test event"))])
            )
            let row = try await db.raw(
                """
                INSERT INTO webhook_deliveries (uuid, partner_id, webhook_id, event_seq, event_type, body, status, attempts, max_attempts,
                  next_attempt_at, created_at)
                VALUES (\(bind: uuid), \(bind: partnerID), \(bind: webhookID), NULL, \(bind: EventType.webhookTest), \(bind: body), 'pending', 0,
                  1, \(bind: now), \(bind: now))
                RETURNING id
                """
            ).first().required("the returned row")
            try await DeliveryQueue.enqueue(db, [(try row.decode(column: "id", as: Int64.self), webhookID, now)])
            return true
        }
        return queued ? try await delivery(partnerID: partnerID, webhookID: webhookID, uuid: uuid) : nil
    }
}

/// The body every delivery sends: the real platform's envelope (`id` = delivery id,
/// `event`, `created_at`, `data`) plus `event_id` (the same for every endpoint and in
/// the feed), `type` (the older docs' name for `event`), `partner_id` and `shop_id`.
public enum WebhookBody {
    public static func render(
        deliveryID: String,
        eventID: String,
        type: String,
        createdAt: Int64,
        partnerID: Int64,
        shopID: Int64?,
        data: JSON
    ) -> String {
        JSON.object([
            ("id", .string(deliveryID)), ("event_id", .string(eventID)), ("event", .string(type)), ("type", .string(type)),
            ("created_at", .string(Timestamp.iso8601(createdAt))), ("partner_id", .int(partnerID)), ("shop_id", .optional(shopID)), ("data", data),
        ]).serializedString()
    }
}
