import Crypto
import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Refresh tokens of one kind of subject (customers, or partner users): opaque, stored
/// as SHA-256 hashes, single use. Each use issues the next token of the same family;
/// presenting a used token again revokes the whole family (it was stolen, or replayed).
public protocol RefreshTokenRepository: Sendable {
    /// A new token (a new family unless `family` is given), valid for `ttlSeconds`.
    func issue(partnerID: Int64, subjectID: Int64, family: String?, ttlSeconds: Int64) async throws -> String
    /// Spends `token` and issues its successor. Throws ``LoyaltyError/refreshTokenInvalid``.
    func rotate(token: String, ttlSeconds: Int64) async throws -> (partnerID: Int64, subjectID: Int64, token: String)
    /// Revokes every refresh token of the subject (logout).
    func revokeAll(partnerID: Int64, subjectID: Int64) async throws
    /// Revokes the family `token` belongs to, and nothing else of the customer.
    func revokeFamily(of token: String) async throws
}

/// Where one kind of subject's tokens live: the table and its subject column.
public struct RefreshTokenTable: Sendable {
    let name: String
    let subject: String

    /// Customers' tokens (customer JWTs).
    public static let customers = RefreshTokenTable(name: "refresh_tokens", subject: "customer_id")
    /// Partner users' tokens (partner JWTs).
    public static let partnerUsers = RefreshTokenTable(name: "partner_refresh_tokens", subject: "user_id")
}

public struct SQLRefreshTokenRepository: RefreshTokenRepository {
    let database: any DatabaseClient
    let clock: any WallClock
    let table: RefreshTokenTable

    public init(database: any DatabaseClient, table: RefreshTokenTable = .customers, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.table = table
        self.clock = clock
    }

    static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Array(token.utf8)))
    }

    static func newToken() -> String {
        "rt_" + Hex.random(bytes: 32)
    }

    public func issue(partnerID: Int64, subjectID: Int64, family: String?, ttlSeconds: Int64) async throws -> String {
        try await database.write { db in
            try await insert(
                db,
                partnerID: partnerID,
                subjectID: subjectID,
                family: family ?? UUID().uuidString.lowercased(),
                ttlSeconds: ttlSeconds,
                now: clock.nowMillis()
            )
        }
    }

    func insert(
        _ db: any SQLDatabase,
        partnerID: Int64,
        subjectID: Int64,
        family: String,
        ttlSeconds: Int64,
        now: Int64
    ) async throws -> String {
        let token = Self.newToken()
        try await db.raw(
            """
            INSERT INTO \(unsafeRaw: table.name) (partner_id, \(unsafeRaw: table.subject), token_hash, family, created_at, expires_at)
            VALUES (\(bind: partnerID), \(bind: subjectID), \(bind: Self.hash(token)), \(bind: family), \(bind: now), \(bind: now + ttlSeconds * 1000))
            """
        ).run()
        return token
    }

    public func rotate(token: String, ttlSeconds: Int64) async throws -> (partnerID: Int64, subjectID: Int64, token: String) {
        let lock = database.features.forUpdate
        let outcome: Result<(Int64, Int64, String), LoyaltyError> = try await database.write { db in
            let now = clock.nowMillis()
            guard
                let row = try await db.raw(
                    """
                    SELECT id, partner_id, \(unsafeRaw: table.subject) AS subject_id, family, expires_at, used_at, revoked_at FROM
                      \(unsafeRaw: table.name) WHERE token_hash =
                      \(bind: Self.hash(token)) \(unsafeRaw: lock)
                    """
                ).first()
            else {
                return .failure(.refreshTokenInvalid)
            }
            let family = try row.decode(column: "family", as: String.self)
            if try row.decode(column: "used_at", as: Int64?.self) != nil {
                // Reuse: whoever holds the family's live token loses it too. Committed, then refused.
                try await db.raw(
                    "UPDATE \(unsafeRaw: table.name) SET revoked_at = \(bind: now) WHERE family = \(bind: family) AND revoked_at IS NULL"
                ).run()
                return .failure(.refreshTokenInvalid)
            }
            guard try row.decode(column: "revoked_at", as: Int64?.self) == nil, try row.decode(column: "expires_at", as: Int64.self) > now else {
                return .failure(.refreshTokenInvalid)
            }
            try await db.raw(
                "UPDATE \(unsafeRaw: table.name) SET used_at = \(bind: now) WHERE id = \(bind: try row.decode(column: "id", as: Int64.self))"
            )
            .run()
            let partnerID = try row.decode(column: "partner_id", as: Int64.self)
            let subjectID = try row.decode(column: "subject_id", as: Int64.self)
            let next = try await insert(db, partnerID: partnerID, subjectID: subjectID, family: family, ttlSeconds: ttlSeconds, now: now)
            return .success((partnerID, subjectID, next))
        }
        let (partnerID, subjectID, next) = try outcome.get()
        return (partnerID, subjectID, next)
    }

    public func revokeFamily(of token: String) async throws {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE \(unsafeRaw: table.name) SET revoked_at = \(bind: clock.nowMillis())
                WHERE family = (SELECT family FROM \(unsafeRaw: table.name) WHERE token_hash = \(bind: Self.hash(token))) AND revoked_at IS NULL
                """
            ).run()
        }
    }

    public func revokeAll(partnerID: Int64, subjectID: Int64) async throws {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE \(unsafeRaw: table.name) SET revoked_at = \(bind: clock.nowMillis()) WHERE partner_id = \(bind: partnerID) AND
                  \(unsafeRaw: table.subject) = \(bind: subjectID) AND revoked_at IS NULL
                """
            ).run()
        }
    }
}
