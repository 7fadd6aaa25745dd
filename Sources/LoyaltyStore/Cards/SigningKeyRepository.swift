import Foundation
import LoyaltyCore
import SQLKit

/// Keys shared by every node through the database: the card-token AEAD keys and the
/// customer-token HMAC keys. The newest unretired key of a purpose signs or encrypts;
/// every unretired key verifies, so rotation does not invalidate what is outstanding.
public protocol SigningKeyRepository: Sendable {
    /// Every key of `purpose`, newest first, retired ones included.
    func keys(purpose: String) async throws -> [SigningKey]
    /// Stores `material` as the new current key of `purpose`.
    func add(purpose: String, material: [UInt8]) async throws -> SigningKey
    /// Retires the key: what it protected stops verifying. `false` if unknown.
    func retire(id: Int64) async throws -> Bool
}

public struct SQLSigningKeyRepository: SigningKeyRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    public func keys(purpose: String) async throws -> [SigningKey] {
        try await database.read { db in
            try await db.raw(
                "SELECT id, purpose, material, created_at, retired_at FROM signing_keys WHERE purpose = \(bind: purpose) ORDER BY id DESC"
            ).all().map(Self.key)
        }
    }

    public func add(purpose: String, material: [UInt8]) async throws -> SigningKey {
        try await database.write { db in
            let row = try await db.raw(
                """
                INSERT INTO signing_keys (purpose, material, created_at) VALUES (\(bind: purpose), \(bind: Data(material).base64EncodedString()),
                  \(bind: clock.nowMillis()))
                RETURNING id, purpose, material, created_at, retired_at
                """
            ).first()
            return try Self.key(try row.required("the returned row"))
        }
    }

    public func retire(id: Int64) async throws -> Bool {
        try await database.write { db in
            try await db.raw(
                "UPDATE signing_keys SET retired_at = \(bind: clock.nowMillis()) WHERE id = \(bind: id) AND retired_at IS NULL RETURNING id"
            ).first() != nil
        }
    }

    static func key(_ r: any SQLRow) throws -> SigningKey {
        SigningKey(
            id: try r.decode(column: "id", as: Int64.self),
            purpose: try r.decode(column: "purpose", as: String.self),
            material: Array(Data(base64Encoded: try r.decode(column: "material", as: String.self)) ?? Data()),
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            retiredAt: try r.decode(column: "retired_at", as: Int64?.self)
        )
    }
}
