import LoyaltyCore
import SQLKit

/// POS QR sessions. Every state change is a conditional update, so two app scans racing
/// for one session complete it once.
public protocol QRSessionRepository: Sendable {
    func create(_ session: QRSession) async throws
    /// By id, whatever its partner: callers compare ``QRSession/partnerID``.
    func session(id: String) async throws -> QRSession?
    /// By the deep link's secret code.
    func session(code: String) async throws -> QRSession?
    /// The newest unexpired open session of `kind` with this manual code.
    func session(manualCode: String, kind: QRSessionKind, now: Int64) async throws -> QRSession?
    /// pending -> scanned (login sessions) for `customerID`; `nil` unless the session was
    /// pending, unexpired and not scanned by someone else.
    func markScanned(id: String, customerID: Int64, now: Int64) async throws -> QRSession?
    /// pending/scanned -> authenticated with the result; `nil` unless it was open and
    /// unexpired (and, once scanned, by the same customer).
    func complete(
        id: String,
        customerID: Int64,
        cardID: Int64?,
        resultJSON: String,
        pendingTokensJSON: String?,
        now: Int64
    ) async throws -> QRSession?
    /// Returns the login tokens once and forgets them.
    func takePendingTokens(id: String) async throws -> String?
    /// Marks open sessions past their expiry `expired` and returns them: each exactly
    /// once, whichever node asks.
    func expireDue(now: Int64, limit: Int) async throws -> [QRSession]
    /// Deletes sessions that expired before `before`; returns how many.
    func prune(before: Int64, limit: Int) async throws -> Int
}

public struct SQLQRSessionRepository: QRSessionRepository {
    let database: any DatabaseClient
    static let columns =
        "id, partner_id, shop_id, kind, code, manual_code, device_name, status, customer_id, card_id, result, pending_tokens, created_at, expires_at, completed_at"

    public init(database: any DatabaseClient) { self.database = database }

    public func create(_ s: QRSession) async throws {
        try await database.write { db in
            try await db.raw(
                """
                INSERT INTO qr_sessions (id, partner_id, shop_id, kind, code, manual_code, device_name, status, created_at, expires_at)
                VALUES (\(bind: s.id), \(bind: s.partnerID), \(bind: s.shopID), \(bind: s.kind.rawValue), \(bind: s.code), \(bind: s.manualCode),
                        \(bind: s.deviceName), \(bind: s.status.rawValue), \(bind: s.createdAt), \(bind: s.expiresAt))
                """
            ).run()
        }
    }

    public func session(id: String) async throws -> QRSession? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM qr_sessions WHERE id = \(bind: id)").first().map(Self.session)
        }
    }

    public func session(code: String) async throws -> QRSession? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM qr_sessions WHERE code = \(bind: code)").first().map(Self.session)
        }
    }

    public func session(manualCode: String, kind: QRSessionKind, now: Int64) async throws -> QRSession? {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.columns) FROM qr_sessions
                WHERE manual_code = \(bind: manualCode) AND kind = \(bind: kind.rawValue) AND expires_at > \(bind: now)
                ORDER BY created_at DESC LIMIT 1
                """
            ).first().map(Self.session)
        }
    }

    public func markScanned(id: String, customerID: Int64, now: Int64) async throws -> QRSession? {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE qr_sessions SET status = 'scanned', customer_id = \(bind: customerID)
                WHERE id = \(bind: id) AND expires_at > \(bind: now)
                  AND (status = 'pending' OR (status = 'scanned' AND customer_id = \(bind: customerID)))
                RETURNING \(unsafeRaw: Self.columns)
                """
            ).first().map(Self.session)
        }
    }

    public func complete(
        id: String,
        customerID: Int64,
        cardID: Int64?,
        resultJSON: String,
        pendingTokensJSON: String?,
        now: Int64
    ) async throws -> QRSession? {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE qr_sessions SET status = 'authenticated', customer_id = \(bind: customerID), card_id = \(bind: cardID),
                  result = \(bind: resultJSON), pending_tokens = \(bind: pendingTokensJSON), completed_at = \(bind: now)
                WHERE id = \(bind: id) AND expires_at > \(bind: now)
                  AND (status = 'pending' OR (status = 'scanned' AND customer_id = \(bind: customerID)))
                RETURNING \(unsafeRaw: Self.columns)
                """
            ).first().map(Self.session)
        }
    }

    public func takePendingTokens(id: String) async throws -> String? {
        try await database.write { db in
            let tokens = try await db.raw(
                """
                SELECT pending_tokens FROM qr_sessions WHERE id = \(bind: id) AND pending_tokens IS NOT NULL
                  \(unsafeRaw: db.dialect.name == "postgresql" ? "FOR UPDATE" : "")
                """
            ).first()
                .map { try $0.decode(column: "pending_tokens", as: String.self) }
            if tokens != nil { try await db.raw("UPDATE qr_sessions SET pending_tokens = NULL WHERE id = \(bind: id)").run() }
            return tokens
        }
    }

    public func expireDue(now: Int64, limit: Int) async throws -> [QRSession] {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE qr_sessions SET status = 'expired', pending_tokens = NULL
                WHERE id IN (SELECT id FROM qr_sessions WHERE expires_at <= \(bind: now) AND status IN ('pending', 'scanned') LIMIT \(literal: limit))
                  AND status IN ('pending', 'scanned')
                RETURNING \(unsafeRaw: Self.columns)
                """
            ).all().map(Self.session)
        }
    }

    public func prune(before: Int64, limit: Int) async throws -> Int {
        try await database.write { db in
            try await db.raw(
                """
                DELETE FROM qr_sessions WHERE id IN (SELECT id FROM qr_sessions WHERE expires_at < \(bind: before) LIMIT \(literal: limit))
                  RETURNING id
                """
            ).all().count
        }
    }

    static func session(_ r: any SQLRow) throws -> QRSession {
        QRSession(
            id: try r.decode(column: "id", as: String.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            shopID: try r.decode(column: "shop_id", as: Int64?.self),
            kind: QRSessionKind(rawValue: try r.decode(column: "kind", as: String.self)) ?? .card,
            code: try r.decode(column: "code", as: String.self),
            manualCode: try r.decode(column: "manual_code", as: String.self),
            deviceName: try r.decode(column: "device_name", as: String?.self),
            status: QRSessionStatus(rawValue: try r.decode(column: "status", as: String.self)) ?? .expired,
            customerID: try r.decode(column: "customer_id", as: Int64?.self),
            cardID: try r.decode(column: "card_id", as: Int64?.self),
            resultJSON: try r.decode(column: "result", as: String?.self),
            pendingTokensJSON: try r.decode(column: "pending_tokens", as: String?.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            expiresAt: try r.decode(column: "expires_at", as: Int64.self),
            completedAt: try r.decode(column: "completed_at", as: Int64?.self)
        )
    }
}
