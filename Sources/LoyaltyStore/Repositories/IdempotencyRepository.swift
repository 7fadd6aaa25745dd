import LoyaltyCore
import SQLKit

/// Stored outcomes of requests sent with an `Idempotency-Key` header (Stripe's model).
public protocol IdempotencyRepository: Sendable {
    /// Claims `key` for a request with `requestHash`, or tells what happened to it before.
    func claim(partnerID: Int64, key: String, requestHash: String) async throws -> IdempotencyClaim
    /// Stores the response that later requests with the key will receive.
    func complete(partnerID: Int64, key: String, status: Int, body: String) async throws
    /// Forgets a claim whose request failed without a definite answer, so it can be retried.
    func abandon(partnerID: Int64, key: String) async throws
}

public enum IdempotencyClaim: Sendable, Equatable {
    /// First use: go ahead, then call `complete` or `abandon`.
    case claimed
    /// Done before with the same request: send this response again.
    case replay(status: Int, body: String)
    /// Used before with a different request body.
    case mismatch
    /// The first request with this key is still running.
    case inProgress
}

public struct SQLIdempotencyRepository: IdempotencyRepository {
    let database: any DatabaseClient
    let clock: any WallClock
    /// A claim older than this without a response is taken to be from a crashed node.
    let staleAfterMillis: Int64 = 60_000

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    public func claim(partnerID: Int64, key: String, requestHash: String) async throws -> IdempotencyClaim {
        let stale = staleAfterMillis
        return try await database.write { db in
            let now = clock.nowMillis()
            let inserted = try await db.raw(
                """
                INSERT INTO idempotency_keys (partner_id, idem_key, request_hash, created_at) VALUES (\(bind: partnerID), \(bind: key),
                  \(bind: requestHash), \(bind: now))
                ON CONFLICT (partner_id, idem_key) DO NOTHING RETURNING idem_key
                """
            ).first()
            if inserted != nil { return .claimed }
            guard
                let row = try await db.raw(
                    """
                    SELECT request_hash, status_code, response_body, created_at FROM idempotency_keys WHERE partner_id = \(bind: partnerID) AND
                      idem_key = \(bind: key)
                    """
                ).first()
            else { return .inProgress }
            if try row.decode(column: "request_hash", as: String.self) != requestHash { return .mismatch }
            if let status = try row.decode(column: "status_code", as: Int64?.self),
                let body = try row.decode(column: "response_body", as: String?.self)
            {
                return .replay(status: Int(status), body: body)
            }
            if now - (try row.decode(column: "created_at", as: Int64.self)) > stale {
                try await db.raw(
                    "UPDATE idempotency_keys SET created_at = \(bind: now) WHERE partner_id = \(bind: partnerID) AND idem_key = \(bind: key)"
                ).run()
                return .claimed
            }
            return .inProgress
        }
    }

    public func complete(partnerID: Int64, key: String, status: Int, body: String) async throws {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE idempotency_keys SET status_code = \(bind: Int64(status)), response_body = \(bind: body) WHERE partner_id =
                  \(bind: partnerID) AND idem_key = \(bind: key)
                """
            ).run()
        }
    }

    public func abandon(partnerID: Int64, key: String) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM idempotency_keys WHERE partner_id = \(bind: partnerID) AND idem_key = \(bind: key) AND status_code IS NULL")
                .run()
        }
    }
}
