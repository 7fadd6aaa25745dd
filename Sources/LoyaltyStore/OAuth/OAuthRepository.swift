import Crypto
import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// A third-party app registered with one partner.
public struct OAuthClient: Sendable, Hashable {
    public enum Status: String, Sendable { case pending, approved, revoked }

    public var id: Int64
    public var partnerID: Int64
    /// The public identifier (`lac_...`).
    public var clientID: String
    /// Nil for a public client (a mobile or browser app: PKCE only, no client credentials grant).
    public var secretHash: String?
    public var name: String
    public var redirectURIs: [String]
    /// The scopes the app may ever be granted.
    public var scopes: [String]
    public var status: Status
    public var createdBy: String
    public var approvedBy: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public var isConfidential: Bool { secretHash != nil }
}

/// A live token as presented: what it grants.
public struct OAuthGrant: Sendable, Hashable {
    public var tokenID: Int64
    public var client: OAuthClient
    public var partnerID: Int64
    /// The user who consented (authorization code); nil for client credentials.
    public var userID: Int64?
    public var scope: [String]
    public var family: String
    public var createdAt: Int64
    public var expiresAt: Int64
}

/// Why a token request is refused, as RFC 6749's `error` codes.
public enum OAuthFailure: Error, Equatable {
    case invalidGrant(String)
    case invalidClient
}

/// OAuth clients, codes and tokens. Tokens are opaque random strings; only their
/// SHA-256 is stored, so a database leak yields none.
///
/// Contract:
/// - ``redeemCode(_:clientRow:redirectURI:verifier:now:)`` succeeds once per code; a second
///   use revokes every token issued from that code (RFC 6749 4.1.2) and fails.
/// - ``refresh(_:clientRow:now:)`` rotates: the presented refresh token is spent, and
///   presenting a spent one revokes its whole family (a stolen token is detected).
public protocol OAuthRepository: Sendable {
    func createClient(
        partnerID: Int64,
        name: String,
        redirectURIs: [String],
        scopes: [String],
        confidential: Bool,
        createdBy: String
    ) async throws
        -> (OAuthClient, secret: String?)
    func clients(partnerID: Int64) async throws -> [OAuthClient]
    func client(partnerID: Int64, id: Int64) async throws -> OAuthClient?
    func client(clientID: String) async throws -> OAuthClient?
    func setStatus(partnerID: Int64, id: Int64, _ status: OAuthClient.Status, by actor: String) async throws -> OAuthClient?
    /// A one-time code bound to client, user, redirect URI, scope and PKCE challenge.
    func issueCode(
        client: OAuthClient,
        userID: Int64,
        redirectURI: String,
        scope: [String],
        challenge: String,
        ttlMillis: Int64
    ) async throws
        -> String
    /// Exchanges a code for a token pair.
    func redeemCode(
        _ code: String,
        clientRow: Int64,
        redirectURI: String,
        verifier: String,
        accessTTL: Int64,
        refreshTTL: Int64
    ) async throws
        -> OAuthTokenPair
    /// Client credentials: an access token for the client itself, no refresh token.
    func issueClientToken(client: OAuthClient, scope: [String], accessTTL: Int64) async throws -> OAuthTokenPair
    /// Spends a refresh token for a new pair with `scope` (a subset of the original).
    func refresh(_ token: String, clientRow: Int64, scope: [String]?, accessTTL: Int64, refreshTTL: Int64) async throws -> OAuthTokenPair
    /// The grant of a live access token (or of any live token with `anyKind`).
    func grant(forToken token: String, anyKind: Bool) async throws -> (OAuthGrant, kind: String)?
    /// Revokes the token's family (RFC 7009: revoking either token ends both) when it
    /// belongs to `clientRow`; unknown tokens are ignored.
    func revoke(_ token: String, clientRow: Int64) async throws
}

public struct OAuthTokenPair: Sendable, Hashable {
    public var accessToken: String
    public var refreshToken: String?
    public var expiresIn: Int64
    public var scope: [String]
}

public struct SQLOAuthRepository: OAuthRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    static func hash(_ s: String) -> String { Hex.encode(SHA256.hash(data: Array(s.utf8))) }

    static let clientColumns =
        "id, partner_id, client_id, secret_hash, name, redirect_uris, scopes, status, created_by, approved_by, created_at, updated_at"

    static func client(_ r: any SQLRow, prefix p: String = "") throws -> OAuthClient {
        OAuthClient(
            id: try r.decode(column: p + "id", as: Int64.self),
            partnerID: try r.decode(column: p + "partner_id", as: Int64.self),
            clientID: try r.decode(column: p + "client_id", as: String.self),
            secretHash: try r.decode(column: p + "secret_hash", as: String?.self),
            name: try r.decode(column: p + "name", as: String.self),
            redirectURIs: try r.decode(column: p + "redirect_uris", as: String.self).split(separator: "\n").map(String.init),
            scopes: try r.decode(column: p + "scopes", as: String.self).split(separator: " ").map(String.init),
            status: OAuthClient.Status(rawValue: try r.decode(column: p + "status", as: String.self)) ?? .revoked,
            createdBy: try r.decode(column: p + "created_by", as: String.self),
            approvedBy: try r.decode(column: p + "approved_by", as: String?.self),
            createdAt: try r.decode(column: p + "created_at", as: Int64.self),
            updatedAt: try r.decode(column: p + "updated_at", as: Int64.self)
        )
    }

    public func createClient(
        partnerID: Int64,
        name: String,
        redirectURIs: [String],
        scopes: [String],
        confidential: Bool,
        createdBy: String
    )
        async throws -> (OAuthClient, secret: String?)
    {
        let now = clock.nowMillis()
        let clientID = "lac_" + Hex.random(bytes: 16)
        let secret = confidential ? "las_" + Hex.random(bytes: 32) : nil
        let client = try await database.write { db in
            try await db.raw(
                """
                INSERT INTO oauth_clients (partner_id, client_id, secret_hash, name, redirect_uris, scopes, status, created_by, created_at, updated_at)
                VALUES (\(bind: partnerID), \(bind: clientID), \(bind: secret.map(Self.hash)), \(bind: name), \(bind: redirectURIs.joined(separator: "\n")),
                  \(bind: scopes.joined(separator: " ")), 'pending', \(bind: createdBy), \(bind: now), \(bind: now))
                RETURNING \(unsafeRaw: Self.clientColumns)
                """
            ).first().map { try Self.client($0) }
        }
        return (try client.required("oauth client insert"), secret)
    }

    public func clients(partnerID: Int64) async throws -> [OAuthClient] {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.clientColumns) FROM oauth_clients WHERE partner_id = \(bind: partnerID) ORDER BY id").all()
                .map { try Self.client($0) }
        }
    }

    public func client(partnerID: Int64, id: Int64) async throws -> OAuthClient? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.clientColumns) FROM oauth_clients WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)")
                .first().map { try Self.client($0) }
        }
    }

    public func client(clientID: String) async throws -> OAuthClient? {
        guard clientID.utf8.count <= 64 else { return nil }
        return try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.clientColumns) FROM oauth_clients WHERE client_id = \(bind: clientID)").first()
                .map { try Self.client($0) }
        }
    }

    public func setStatus(partnerID: Int64, id: Int64, _ status: OAuthClient.Status, by actor: String) async throws -> OAuthClient? {
        let now = clock.nowMillis()
        return try await database.write { db in
            let row = try await db.raw(
                """
                UPDATE oauth_clients SET status = \(bind: status.rawValue), updated_at = \(bind: now),
                  approved_by = CASE WHEN \(bind: status.rawValue) = 'approved' THEN \(bind: actor) ELSE approved_by END
                WHERE partner_id = \(bind: partnerID) AND id = \(bind: id) RETURNING \(unsafeRaw: Self.clientColumns)
                """
            ).first().map { try Self.client($0) }
            // A revoked app loses every token at once.
            if status == .revoked, row != nil {
                try await db.raw("UPDATE oauth_tokens SET revoked_at = \(bind: now) WHERE client_row = \(bind: id) AND revoked_at IS NULL").run()
            }
            return row
        }
    }

    public func issueCode(
        client: OAuthClient,
        userID: Int64,
        redirectURI: String,
        scope: [String],
        challenge: String,
        ttlMillis: Int64
    )
        async throws -> String
    {
        let code = "loc_" + Hex.random(bytes: 32)
        let now = clock.nowMillis()
        try await database.write { db in
            try await db.raw(
                """
                INSERT INTO oauth_codes (code_hash, client_row, partner_id, user_id, redirect_uri, scope, challenge, family, expires_at)
                VALUES (\(bind: Self.hash(code)), \(bind: client.id), \(bind: client.partnerID), \(bind: userID), \(bind: redirectURI),
                  \(bind: scope.joined(separator: " ")), \(bind: challenge), \(bind: Hex.random(bytes: 16)), \(bind: now + ttlMillis))
                """
            ).run()
        }
        return code
    }

    /// Ends every live token of a grant (its access and refresh tokens, rotated or not).
    static func revokeFamily(_ db: any SQLDatabase, _ family: String, now: Int64) async throws {
        try await db.raw("UPDATE oauth_tokens SET revoked_at = \(bind: now) WHERE family = \(bind: family) AND revoked_at IS NULL").run()
    }

    /// The client's columns as `c.<name> AS c_<name>`, for joins decoded with prefix `c_`.
    static let prefixedClientColumns: String = clientColumns.split(separator: ",").map { (column: Substring) -> String in
        let name = column.trimmingCharacters(in: .whitespaces)
        return "c.\(name) AS c_\(name)"
    }.joined(separator: ", ")

    /// Inserts an access token (and a refresh token) of `family`.
    static func mint(
        _ db: any SQLDatabase,
        clientRow: Int64,
        partnerID: Int64,
        userID: Int64?,
        scope: [String],
        family: String,
        refresh: Bool,
        accessTTL: Int64,
        refreshTTL: Int64,
        now: Int64
    ) async throws -> OAuthTokenPair {
        let access = "loa_" + Hex.random(bytes: 32)
        let refreshToken = refresh ? "lor_" + Hex.random(bytes: 32) : nil
        for (token, kind, ttl) in [(access, "access", accessTTL), (refreshToken, "refresh", refreshTTL)] {
            guard let token else { continue }
            try await db.raw(
                """
                INSERT INTO oauth_tokens (token_hash, kind, client_row, partner_id, user_id, scope, family, created_at, expires_at)
                VALUES (\(bind: hash(token)), \(bind: kind), \(bind: clientRow), \(bind: partnerID), \(bind: userID), \(bind: scope.joined(separator: " ")),
                  \(bind: family), \(bind: now), \(bind: now + ttl * 1000))
                """
            ).run()
        }
        return OAuthTokenPair(accessToken: access, refreshToken: refreshToken, expiresIn: accessTTL, scope: scope)
    }

    /// PKCE S256 (RFC 7636): BASE64URL(SHA-256(verifier)) == challenge. The verifier is
    /// 43-128 unreserved characters.
    public static func pkceMatches(verifier: String, challenge: String) -> Bool {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        guard (43...128).contains(verifier.count), verifier.allSatisfy(allowed.contains) else { return false }
        let digest = Data(SHA256.hash(data: Array(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return SecretHasher.constantTimeEqual(digest, challenge)
    }

    public func redeemCode(
        _ code: String,
        clientRow: Int64,
        redirectURI: String,
        verifier: String,
        accessTTL: Int64,
        refreshTTL: Int64
    ) async throws
        -> OAuthTokenPair
    {
        let now = clock.nowMillis()
        let result: Result<OAuthTokenPair, OAuthFailure> = try await database.write { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT client_row, partner_id, user_id, redirect_uri, scope, challenge, family, expires_at, used_at FROM oauth_codes
                    WHERE code_hash = \(bind: Self.hash(code))\(unsafeRaw: database.features.forUpdate)
                    """
                ).first()
            else { return .failure(.invalidGrant("unknown or expired code")) }
            let family = try row.decode(column: "family", as: String.self)
            if try row.decode(column: "used_at", as: Int64?.self) != nil {
                try await Self.revokeFamily(db, family, now: now)
                return .failure(.invalidGrant("code already used; the tokens issued from it are revoked"))
            }
            guard try row.decode(column: "client_row", as: Int64.self) == clientRow else {
                return .failure(.invalidGrant("code issued to another client"))
            }
            guard try row.decode(column: "expires_at", as: Int64.self) > now else { return .failure(.invalidGrant("code expired")) }
            guard try row.decode(column: "redirect_uri", as: String.self) == redirectURI else {
                return .failure(.invalidGrant("redirect_uri does not match"))
            }
            guard Self.pkceMatches(verifier: verifier, challenge: try row.decode(column: "challenge", as: String.self)) else {
                return .failure(.invalidGrant("code_verifier does not match the code_challenge"))
            }
            try await db.raw("UPDATE oauth_codes SET used_at = \(bind: now) WHERE code_hash = \(bind: Self.hash(code))").run()
            return .success(
                try await Self.mint(
                    db,
                    clientRow: clientRow,
                    partnerID: try row.decode(column: "partner_id", as: Int64.self),
                    userID: try row.decode(column: "user_id", as: Int64.self),
                    scope: try row.decode(column: "scope", as: String.self).split(separator: " ").map(String.init),
                    family: family,
                    refresh: true,
                    accessTTL: accessTTL,
                    refreshTTL: refreshTTL,
                    now: now
                )
            )
        }
        return try result.get()
    }

    public func issueClientToken(client: OAuthClient, scope: [String], accessTTL: Int64) async throws -> OAuthTokenPair {
        let now = clock.nowMillis()
        return try await database.write { db in
            try await Self.mint(
                db,
                clientRow: client.id,
                partnerID: client.partnerID,
                userID: nil,
                scope: scope,
                family: Hex.random(bytes: 16),
                refresh: false,
                accessTTL: accessTTL,
                refreshTTL: 0,
                now: now
            )
        }
    }

    public func refresh(_ token: String, clientRow: Int64, scope: [String]?, accessTTL: Int64, refreshTTL: Int64) async throws -> OAuthTokenPair {
        let now = clock.nowMillis()
        let result: Result<OAuthTokenPair, OAuthFailure> = try await database.write { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT id, client_row, partner_id, user_id, scope, family, expires_at, used_at, revoked_at FROM oauth_tokens
                    WHERE token_hash = \(bind: Self.hash(token)) AND kind = 'refresh'\(unsafeRaw: database.features.forUpdate)
                    """
                ).first()
            else { return .failure(.invalidGrant("unknown refresh token")) }
            let family = try row.decode(column: "family", as: String.self)
            guard try row.decode(column: "client_row", as: Int64.self) == clientRow else {
                return .failure(.invalidGrant("token issued to another client"))
            }
            if try row.decode(column: "used_at", as: Int64?.self) != nil {
                try await Self.revokeFamily(db, family, now: now)
                return .failure(.invalidGrant("refresh token already used; its family is revoked"))
            }
            guard try row.decode(column: "revoked_at", as: Int64?.self) == nil else { return .failure(.invalidGrant("refresh token revoked")) }
            guard try row.decode(column: "expires_at", as: Int64.self) > now else { return .failure(.invalidGrant("refresh token expired")) }
            let granted = try row.decode(column: "scope", as: String.self).split(separator: " ").map(String.init)
            let wanted = scope ?? granted
            guard Set(wanted).isSubset(of: granted) else { return .failure(.invalidGrant("scope exceeds the original grant")) }
            let id = try row.decode(column: "id", as: Int64.self)
            try await db.raw("UPDATE oauth_tokens SET used_at = \(bind: now) WHERE id = \(bind: id)").run()
            return .success(
                try await Self.mint(
                    db,
                    clientRow: clientRow,
                    partnerID: try row.decode(column: "partner_id", as: Int64.self),
                    userID: try row.decode(column: "user_id", as: Int64?.self),
                    scope: wanted,
                    family: family,
                    refresh: true,
                    accessTTL: accessTTL,
                    refreshTTL: refreshTTL,
                    now: now
                )
            )
        }
        return try result.get()
    }

    public func grant(forToken token: String, anyKind: Bool) async throws -> (OAuthGrant, kind: String)? {
        guard token.utf8.count <= 128 else { return nil }
        let now = clock.nowMillis()
        return try await database.read { db in
            guard
                let r = try await db.raw(
                    """
                    SELECT t.id AS token_id, t.kind, t.partner_id AS grant_partner, t.user_id, t.scope, t.family, t.created_at AS issued_at,
                      t.expires_at, \(unsafeRaw: Self.prefixedClientColumns)
                    FROM oauth_tokens t JOIN oauth_clients c ON c.id = t.client_row
                    WHERE t.token_hash = \(bind: Self.hash(token)) AND t.revoked_at IS NULL AND t.expires_at > \(bind: now)
                      AND (t.kind = 'access' OR (\(bind: anyKind) AND t.used_at IS NULL)) AND c.status = 'approved'
                    """
                ).first()
            else { return nil }
            let client = try Self.client(r, prefix: "c_")
            return (
                OAuthGrant(
                    tokenID: try r.decode(column: "token_id", as: Int64.self),
                    client: client,
                    partnerID: try r.decode(column: "grant_partner", as: Int64.self),
                    userID: try r.decode(column: "user_id", as: Int64?.self),
                    scope: try r.decode(column: "scope", as: String.self).split(separator: " ").map(String.init),
                    family: try r.decode(column: "family", as: String.self),
                    createdAt: try r.decode(column: "issued_at", as: Int64.self),
                    expiresAt: try r.decode(column: "expires_at", as: Int64.self)
                ),
                try r.decode(column: "kind", as: String.self)
            )
        }
    }

    public func revoke(_ token: String, clientRow: Int64) async throws {
        let now = clock.nowMillis()
        try await database.write { db in
            guard
                let r = try await db.raw(
                    "SELECT family, client_row FROM oauth_tokens WHERE token_hash = \(bind: Self.hash(token))"
                ).first(), try r.decode(column: "client_row", as: Int64.self) == clientRow
            else { return }
            try await Self.revokeFamily(db, try r.decode(column: "family", as: String.self), now: now)
        }
    }
}
