import LoyaltyCore
import SQLKit

/// Partner users: who may sign in, with which role, and what signing in checks (the
/// password hash, the second factor, the lock-out, the token version). Emails are
/// unique across the platform and stored in lower case.
public protocol PartnerUserRepository: Sendable {
    /// A new active user; `nil` when the email is taken.
    func create(
        partnerID: Int64?,
        email: String,
        name: String,
        passwordHash: String,
        role: PartnerRole,
        isOperator: Bool
    ) async throws -> PartnerUser?
    func credentials(email: String) async throws -> PartnerUserCredentials?
    func credentials(id: Int64) async throws -> PartnerUserCredentials?
    /// The users of a partner, by id.
    func users(partnerID: Int64) async throws -> [PartnerUser]
    /// Changes role, name or active flag of a user of `partnerID`; deactivating or a
    /// role change ends the user's sessions. `nil` when no such user.
    func update(partnerID: Int64, id: Int64, name: String?, role: PartnerRole?, isActive: Bool?) async throws -> PartnerUser?
    /// Counts a failed sign-in and locks the account per `backoff`; returns the lock's end (0: not locked).
    func recordFailure(id: Int64, backoff: LoginBackoff) async throws -> Int64
    /// Clears the failure count and notes the sign-in (and the TOTP step used, if any).
    func recordSuccess(id: Int64, totpStep: Int64?) async throws
    /// A new password hash; every session ends.
    func setPassword(id: Int64, hash: String) async throws
    /// Stores a TOTP secret not yet enabled (`enabled` false), enables it, or removes it (`secret` nil).
    func setTOTP(id: Int64, secret: String?, enabled: Bool, step: Int64) async throws
    /// Raises the token version: every access token issued so far stops working.
    func endSessions(id: Int64) async throws
}

public struct SQLPartnerUserRepository: PartnerUserRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    static let columns = """
        id, partner_id, email, name, password_hash, role, is_operator, is_active, token_version, totp_secret, totp_enabled,
        totp_last_step, failed_logins, locked_until, last_login_at, created_at, updated_at
        """

    static func user(_ r: any SQLRow) throws -> PartnerUser {
        PartnerUser(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64?.self),
            email: try r.decode(column: "email", as: String.self),
            name: try r.decode(column: "name", as: String.self),
            role: PartnerRole(rawValue: try r.decode(column: "role", as: String.self)) ?? .staff,
            isOperator: try r.decode(column: "is_operator", as: Bool.self),
            isActive: try r.decode(column: "is_active", as: Bool.self),
            totpEnabled: try r.decode(column: "totp_enabled", as: Bool.self),
            lastLoginAt: try r.decode(column: "last_login_at", as: Int64?.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            updatedAt: try r.decode(column: "updated_at", as: Int64.self)
        )
    }

    /// The user's columns and, in the same read, whether their partner is active.
    static let credentialColumns = columns + ", (SELECT is_active FROM partners WHERE partners.id = partner_users.partner_id) AS partner_active"

    static func credentials(_ r: any SQLRow) throws -> PartnerUserCredentials {
        PartnerUserCredentials(
            user: try user(r),
            passwordHash: try r.decode(column: "password_hash", as: String.self),
            totpSecret: try r.decode(column: "totp_secret", as: String?.self),
            totpLastStep: try r.decode(column: "totp_last_step", as: Int64.self),
            failedLogins: try r.decode(column: "failed_logins", as: Int64.self),
            lockedUntil: try r.decode(column: "locked_until", as: Int64.self),
            tokenVersion: try r.decode(column: "token_version", as: Int64.self),
            partnerActive: try r.decode(column: "partner_active", as: Bool?.self) ?? true
        )
    }

    public func create(
        partnerID: Int64?,
        email: String,
        name: String,
        passwordHash: String,
        role: PartnerRole,
        isOperator: Bool
    ) async throws -> PartnerUser? {
        let now = clock.nowMillis()
        let email = email.lowercased()
        return try await database.write { db in
            if try await db.raw("SELECT id FROM partner_users WHERE email = \(bind: email)").first() != nil { return nil }
            let row = try await db.raw(
                """
                INSERT INTO partner_users (partner_id, email, name, password_hash, role, is_operator, created_at, updated_at)
                VALUES (\(bind: partnerID), \(bind: email), \(bind: name), \(bind: passwordHash), \(bind: role.rawValue), \(bind: isOperator),
                  \(bind: now), \(bind: now))
                RETURNING \(unsafeRaw: Self.columns)
                """
            ).first()
            return try Self.user(try row.required("the returned row"))
        }
    }

    public func credentials(email: String) async throws -> PartnerUserCredentials? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.credentialColumns) FROM partner_users WHERE email = \(bind: email.lowercased())").first()
                .map(Self.credentials)
        }
    }

    public func credentials(id: Int64) async throws -> PartnerUserCredentials? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.credentialColumns) FROM partner_users WHERE id = \(bind: id)").first().map(Self.credentials)
        }
    }

    public func users(partnerID: Int64) async throws -> [PartnerUser] {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM partner_users WHERE partner_id = \(bind: partnerID) ORDER BY id").all()
                .map(Self.user)
        }
    }

    public func update(partnerID: Int64, id: Int64, name: String?, role: PartnerRole?, isActive: Bool?) async throws -> PartnerUser? {
        var sets: SQLQueryString = "updated_at = \(bind: clock.nowMillis())"
        if let name { sets += ", name = \(bind: name)" }
        if let role { sets += ", role = \(bind: role.rawValue), token_version = token_version + 1" }
        if let isActive { sets += ", is_active = \(bind: isActive), token_version = token_version + 1" }
        let finalSets = sets
        return try await database.write { db in
            try await db.raw(
                """
                UPDATE partner_users SET \(finalSets) WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)
                RETURNING \(unsafeRaw: Self.columns)
                """
            ).first().map(Self.user)
        }
    }

    public func recordFailure(id: Int64, backoff: LoginBackoff) async throws -> Int64 {
        let now = clock.nowMillis()
        return try await database.write { db in
            let row = try await db.raw(
                "UPDATE partner_users SET failed_logins = failed_logins + 1 WHERE id = \(bind: id) RETURNING failed_logins"
            ).first()
            let failures = try row.required("the returned row").decode(column: "failed_logins", as: Int64.self)
            let seconds = backoff.lockSeconds(afterFailures: failures)
            guard seconds > 0 else { return 0 }
            let until = now + seconds * 1000
            try await db.raw("UPDATE partner_users SET locked_until = \(bind: until) WHERE id = \(bind: id)").run()
            return until
        }
    }

    public func recordSuccess(id: Int64, totpStep: Int64?) async throws {
        let now = clock.nowMillis()
        var sets: SQLQueryString = "failed_logins = 0, locked_until = 0, last_login_at = \(bind: now)"
        if let totpStep { sets += ", totp_last_step = \(bind: totpStep)" }
        let finalSets = sets
        try await database.write { db in try await db.raw("UPDATE partner_users SET \(finalSets) WHERE id = \(bind: id)").run() }
    }

    public func setPassword(id: Int64, hash: String) async throws {
        let now = clock.nowMillis()
        try await database.write { db in
            try await db.raw(
                """
                UPDATE partner_users SET password_hash = \(bind: hash), token_version = token_version + 1, updated_at = \(bind: now)
                WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    public func setTOTP(id: Int64, secret: String?, enabled: Bool, step: Int64) async throws {
        let now = clock.nowMillis()
        try await database.write { db in
            try await db.raw(
                """
                UPDATE partner_users SET totp_secret = \(bind: secret), totp_enabled = \(bind: enabled), totp_last_step = \(bind: step),
                  updated_at = \(bind: now) WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    public func endSessions(id: Int64) async throws {
        try await database.write { db in
            try await db.raw("UPDATE partner_users SET token_version = token_version + 1 WHERE id = \(bind: id)").run()
        }
    }
}
