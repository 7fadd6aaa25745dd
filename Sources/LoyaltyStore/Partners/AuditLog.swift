import LoyaltyCore
import SQLKit

/// One action of a partner user or API credential: who, what, on which object, with
/// what outcome. Details name the fields sent, never their values (passwords, secrets).
public struct AuditEntry: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    /// `user`, `credential` or `system` (a CLI command).
    public var actorKind: String
    public var actorID: Int64
    /// The user's email or the key's masked form, as it was when acting.
    public var actorLabel: String
    /// `METHOD /path` as routed (`PUT /partners/shops/{id}`), or an event (`auth.login_failed`).
    public var action: String
    /// The object acted on (`/partners/shops/7`).
    public var target: String
    public var status: Int64
    public var requestID: String
    public var details: String
    public var createdAt: Int64

    public init(
        id: Int64 = 0,
        partnerID: Int64,
        actorKind: String,
        actorID: Int64,
        actorLabel: String,
        action: String,
        target: String,
        status: Int64,
        requestID: String,
        details: String,
        createdAt: Int64 = 0
    ) {
        self.id = id
        self.partnerID = partnerID
        self.actorKind = actorKind
        self.actorID = actorID
        self.actorLabel = actorLabel
        self.action = action
        self.target = target
        self.status = status
        self.requestID = requestID
        self.details = details
        self.createdAt = createdAt
    }
}

/// The append-only audit log of partner actions (issue 14, GDPR): rows are never
/// updated or deleted by the application.
public protocol AuditLogRepository: Sendable {
    func append(_ entry: AuditEntry) async throws
    /// A partner's entries, newest first, optionally of one actor or action prefix.
    func entries(partnerID: Int64, actorID: Int64?, action: String?, page: PageRequest) async throws -> Page<AuditEntry>
}

public struct SQLAuditLogRepository: AuditLogRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    public func append(_ e: AuditEntry) async throws {
        let now = clock.nowMillis()
        try await database.write { db in
            try await db.raw(
                """
                INSERT INTO audit_log (partner_id, actor_kind, actor_id, actor_label, action, target, status, request_id, details, created_at)
                VALUES (\(bind: e.partnerID), \(bind: e.actorKind), \(bind: e.actorID), \(bind: e.actorLabel), \(bind: e.action),
                  \(bind: e.target), \(bind: e.status), \(bind: e.requestID), \(bind: e.details), \(bind: now))
                """
            ).run()
        }
    }

    public func entries(partnerID: Int64, actorID: Int64?, action: String?, page: PageRequest) async throws -> Page<AuditEntry> {
        var condition: SQLQueryString = "partner_id = \(bind: partnerID)"
        if let actorID { condition += " AND actor_kind = 'user' AND actor_id = \(bind: actorID)" }
        if let action, !action.isEmpty { condition += " AND action LIKE \(bind: action + "%")" }
        let finalCondition = condition
        return try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM audit_log WHERE \(finalCondition)").first())
            let rows = try await db.raw(
                """
                SELECT id, partner_id, actor_kind, actor_id, actor_label, action, target, status, request_id, details, created_at
                FROM audit_log WHERE \(finalCondition) ORDER BY id DESC LIMIT \(literal: page.perPage) OFFSET \(literal: page.offset)
                """
            ).all()
            let items = try rows.map { r in
                AuditEntry(
                    id: try r.decode(column: "id", as: Int64.self),
                    partnerID: try r.decode(column: "partner_id", as: Int64.self),
                    actorKind: try r.decode(column: "actor_kind", as: String.self),
                    actorID: try r.decode(column: "actor_id", as: Int64.self),
                    actorLabel: try r.decode(column: "actor_label", as: String.self),
                    action: try r.decode(column: "action", as: String.self),
                    target: try r.decode(column: "target", as: String.self),
                    status: try r.decode(column: "status", as: Int64.self),
                    requestID: try r.decode(column: "request_id", as: String.self),
                    details: try r.decode(column: "details", as: String.self),
                    createdAt: try r.decode(column: "created_at", as: Int64.self)
                )
            }
            return Page(items: items, request: page, total: total)
        }
    }
}
