import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Third-party apps (OAuth 2.0 clients) of the partner: a manager registers one (its
/// secret shown once), an owner approves it before any user can allow it, and an owner
/// revokes it (every token it holds ends at once). docs/OAUTH.md.
extension PartnerAPI {
    func registerOAuthClients(manager: APIRoutes, owner: APIRoutes) {
        manager.get("oauth/clients", listOAuthClients)
        manager.post("oauth/clients", createOAuthClient)
        manager.get("oauth/clients/:id", getOAuthClient)
        owner.post("oauth/clients/:id/approve", approveOAuthClient)
        owner.post("oauth/clients/:id/revoke", revokeOAuthClient)
    }

    static func present(_ c: OAuthClient) -> JSON {
        .object([
            ("id", .int(c.id)), ("client_id", .string(c.clientID)), ("name", .string(c.name)), ("confidential", .bool(c.isConfidential)),
            ("redirect_uris", .array(c.redirectURIs.map(JSON.string))), ("scopes", .array(c.scopes.map(JSON.string))),
            ("status", .string(c.status.rawValue)), ("created_by", .string(c.createdBy)), ("approved_by", .optional(c.approvedBy)),
            ("created_at", Present.time(c.createdAt)), ("updated_at", Present.time(c.updatedAt)),
        ])
    }

    /// `https` redirect URIs, or `http` to a loopback host (native apps, RFC 8252 7.3);
    /// exact strings, no fragment.
    static func validRedirectURI(_ s: String) -> Bool {
        guard s.utf8.count <= 2048, !s.contains("#"), let url = URL(string: s), let host = url.host, !host.isEmpty else { return false }
        switch url.scheme?.lowercased() {
        case "https": return true
        case "http": return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1"
        default: return false
        }
    }

    /// `{name, redirect_uris: [..], scopes: [..] or "a b", confidential: true}`.
    @Sendable func createOAuthClient(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let name = f.string("name", required: true, maxLength: 100)
        let uris = f.array("redirect_uris", required: true, maxItems: 10)
        let confidential = f.bool("confidential") ?? true
        var scopes: [String]?
        switch f.values["scopes"] {
        case let .string(s)?: scopes = OAuthScope.parse(s)
        case let .array(items)?: scopes = OAuthScope.parse(items.compactMap { if case let .string(s) = $0 { s } else { nil } }.joined(separator: " "))
        default: f.fail("scopes", "v_required")
        }
        if f.values["scopes"] != nil, scopes == nil || scopes?.isEmpty == true { f.fail("scopes", "v_scope") }
        var redirects: [String] = []
        if let uris {
            redirects = uris.compactMap { if case let .string(s) = $0 { s } else { nil } }
            if redirects.isEmpty || redirects.count != uris.count || !redirects.allSatisfy(Self.validRedirectURI) {
                f.fail("redirect_uris", "v_redirect_uri")
            }
        }
        try f.throwIfInvalid()
        let (client, secret) = try await services.oauth.createClient(
            partnerID: call.partnerID,
            name: try f.required(name, "name"),
            redirectURIs: redirects,
            scopes: scopes ?? [],
            confidential: confidential,
            createdBy: "\(call.principal.actor.kind):\(call.principal.actor.id)"
        )
        guard case let .object(fields) = Self.present(client) else { throw APIError.unexpected }
        return APIResult(status: .created, messageKey: "oauth_client_created", data: .object(fields + [("client_secret", .optional(secret))]))
    }

    @Sendable func listOAuthClients(_ call: APICall) async throws -> APIResult {
        APIResult(data: .array(try await services.oauth.clients(partnerID: call.partnerID).map(Self.present)))
    }

    func pathClient(_ call: APICall) async throws -> OAuthClient {
        guard let id = call.parameters["id"].flatMap(Int64.init), let c = try await services.oauth.client(partnerID: call.partnerID, id: id) else {
            throw APIError.notFound("oauth_client_not_found", code: 1333, stringCode: .oauthClientNotFound)
        }
        return c
    }

    @Sendable func getOAuthClient(_ call: APICall) async throws -> APIResult {
        APIResult(data: Self.present(try await pathClient(call)))
    }

    @Sendable func approveOAuthClient(_ call: APICall) async throws -> APIResult {
        try await setClientStatus(call, .approved)
    }

    @Sendable func revokeOAuthClient(_ call: APICall) async throws -> APIResult {
        try await setClientStatus(call, .revoked)
    }

    func setClientStatus(_ call: APICall, _ status: OAuthClient.Status) async throws -> APIResult {
        let client = try await pathClient(call)
        if status == .approved, client.status == .revoked {
            throw APIError.conflict("oauth_client_revoked", code: 1334)
        }
        let actor = "\(call.principal.actor.kind):\(call.principal.actor.id)"
        guard let updated = try await services.oauth.setStatus(partnerID: call.partnerID, id: client.id, status, by: actor) else {
            throw APIError.notFound("oauth_client_not_found", code: 1333, stringCode: .oauthClientNotFound)
        }
        return APIResult(messageKey: "oauth_client_updated", data: Self.present(updated))
    }
}
