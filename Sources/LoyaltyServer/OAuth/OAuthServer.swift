import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import NIOCore

/// The OAuth 2.0 authorization server (docs/OAUTH.md): authorization code with PKCE
/// (S256 only) behind a consent page, client credentials, refresh token rotation,
/// revocation (RFC 7009), introspection (RFC 7662) and server metadata (RFC 8414).
///
/// Its endpoints speak OAuth's own wire (form bodies, `{error, error_description}`),
/// not the API envelope. Tokens are opaque (`loa_` access, `lor_` refresh) and accepted
/// by the Partner API, limited by their scopes (``OAuthScope``).
struct OAuthServer: Sendable {
    let services: AppServices
    let formSigner: HMACTokenSigner
    static let codeTTLMillis: Int64 = 60_000
    static let formLimit = 16 * 1024

    init(services: AppServices) {
        self.services = services
        formSigner = HMACTokenSigner(
            keys: KeyRing(purpose: "oauth_form", keyBytes: 64, repository: services.signingKeys, clock: services.clock)
        )
    }

    func register(_ router: Router<LoyaltyRequestContext>, recorder: RouteRecorder) {
        for (method, path) in [
            ("GET", "/.well-known/oauth-authorization-server"), ("GET", "/oauth/authorize"), ("POST", "/oauth/authorize"), ("POST", "/oauth/token"),
            ("POST", "/oauth/revoke"), ("POST", "/oauth/introspect"),
        ] {
            recorder.record(method, path)
        }
        router.get(".well-known/oauth-authorization-server") { request, _ in self.metadata(request) }
        router.get("oauth/authorize") { request, context in try await self.authorize(request, context) }
        router.post("oauth/authorize") { request, context in try await self.consent(request, context) }
        router.post("oauth/token") { request, context in try await self.token(request, context) }
        router.post("oauth/revoke") { request, context in try await self.revoke(request, context) }
        router.post("oauth/introspect") { request, context in try await self.introspect(request, context) }
    }

    // MARK: Wire helpers

    func issuer(_ request: Request) -> String {
        let scheme = request.headers[HeaderName.forwardedProto] == "https" ? "https" : "http"
        return "\(scheme)://\(request.head.authority ?? "127.0.0.1:\(services.config.port)")"
    }

    static func json(_ status: HTTPResponse.Status, _ body: JSON, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Pragma")!] = "no-cache"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }

    /// RFC 6749 5.2.
    static func error(_ code: String, _ description: String, status: HTTPResponse.Status = .badRequest) -> Response {
        var headers = HTTPFields()
        if code == "invalid_client" { headers[.wwwAuthenticate] = "Basic realm=\"oauth\"" }
        return json(status, .object([("error", .string(code)), ("error_description", .string(description))]), headers: headers)
    }

    /// An `application/x-www-form-urlencoded` body (or query), first value of each name.
    static func form(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            let key = decode(parts[0])
            if out[key] == nil { out[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return out
    }

    func readForm(_ request: Request) async throws -> [String: String] {
        let bytes = try await RequestBody.collect(request, limit: Self.formLimit, timeoutSeconds: services.config.bodyTimeoutSeconds)
        return Self.form(String(decoding: bytes, as: UTF8.self))
    }

    /// The client a token, revocation or introspection request authenticates as: HTTP
    /// Basic (`client_secret_basic`) or `client_id` + `client_secret` in the body
    /// (`client_secret_post`); a public client names itself with `client_id` alone.
    /// Nil when the client is unknown, not approved or its secret is wrong.
    func authenticateClient(_ request: Request, _ form: [String: String]) async throws -> (OAuthClient, authenticated: Bool)? {
        var id = form["client_id"]
        var secret = form["client_secret"]
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)).flatMap({
                String(data: $0, encoding: .utf8)
            }),
            let colon = decoded.firstIndex(of: ":")
        {
            id = String(decoded[..<colon]).removingPercentEncoding
            secret = String(decoded[decoded.index(after: colon)...]).removingPercentEncoding
        }
        guard let id, let client = try await services.oauth.client(clientID: id), client.status == .approved else { return nil }
        if let hash = client.secretHash {
            guard let secret, SecretHasher.verify(secret, against: hash) else { return nil }
            return (client, true)
        }
        return secret == nil ? (client, false) : nil
    }

    // MARK: RFC 8414

    func metadata(_ request: Request) -> Response {
        let base = issuer(request)
        return Self.json(
            .ok,
            .object([
                ("issuer", .string(base)), ("authorization_endpoint", .string(base + "/oauth/authorize")),
                ("token_endpoint", .string(base + "/oauth/token")), ("revocation_endpoint", .string(base + "/oauth/revoke")),
                ("introspection_endpoint", .string(base + "/oauth/introspect")),
                ("scopes_supported", .array(OAuthScope.allCases.map { .string($0.rawValue) })),
                ("response_types_supported", .array([.string("code")])),
                ("grant_types_supported", .array(["authorization_code", "client_credentials", "refresh_token"].map(JSON.string))),
                ("code_challenge_methods_supported", .array([.string("S256")])),
                ("token_endpoint_auth_methods_supported", .array(["client_secret_basic", "client_secret_post", "none"].map(JSON.string))),
                ("revocation_endpoint_auth_methods_supported", .array(["client_secret_basic", "client_secret_post", "none"].map(JSON.string))),
                ("introspection_endpoint_auth_methods_supported", .array(["client_secret_basic", "client_secret_post"].map(JSON.string))),
            ])
        )
    }

    // MARK: Authorization (consent page)

    /// What a consent form carries, signed so that nothing in it can be changed between
    /// the page and its answer.
    struct ConsentClaims: JWTPayload {
        var cid: String
        var ru: String
        var sc: String
        var ch: String
        var st: String?
        var aud: AudienceClaim
        var exp: ExpirationClaim

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
            try aud.verifyIntendedAudience(includes: "oauth-consent")
        }
    }

    /// `url` with `params` added to its query.
    static func redirect(_ url: String, _ params: [(String, String?)]) -> Response {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        let query = params.compactMap { k, v in v.map { "\(k)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" } }.joined(
            separator: "&"
        )
        var headers = HTTPFields()
        headers[.location] = url + (url.contains("?") ? "&" : "?") + query
        headers[.cacheControl] = "no-store"
        return Response(status: .found, headers: headers)
    }

    func authorize(_ request: Request, _ context: LoyaltyRequestContext) async throws -> Response {
        // Form rules (`+` is a space): clients encode the scope list that way.
        let query = Self.form(request.uri.query ?? "")
        // Until the client and its redirect URI are known good, nothing redirects (RFC 6749 4.1.2.1).
        guard let clientID = query["client_id"], let client = try await services.oauth.client(clientID: clientID), client.status == .approved else {
            return ConsentPage.error("This app is unknown or not approved by its partner.", status: .badRequest)
        }
        guard let redirectURI = query["redirect_uri"] ?? (client.redirectURIs.count == 1 ? client.redirectURIs[0] : nil),
            client.redirectURIs.contains(redirectURI)
        else {
            return ConsentPage.error("The redirect_uri is not one this app registered.", status: .badRequest)
        }
        let state = query["state"]
        func fail(_ code: String, _ description: String) -> Response {
            Self.redirect(redirectURI, [("error", code), ("error_description", description), ("state", state)])
        }
        guard query["response_type"] == "code" else { return fail("unsupported_response_type", "response_type must be code") }
        guard query["code_challenge_method"] == "S256", let challenge = query["code_challenge"], challenge.count == 43 else {
            return fail("invalid_request", "PKCE is required: code_challenge (43 characters) with code_challenge_method=S256")
        }
        let scope: [String]
        if let requested = query["scope"] {
            guard let parsed = OAuthScope.parse(requested), !parsed.isEmpty, Set(parsed).isSubset(of: client.scopes) else {
                return fail("invalid_scope", "the app may ask for: \(client.scopes.joined(separator: " "))")
            }
            scope = parsed
        } else {
            scope = client.scopes
        }
        let claims = ConsentClaims(
            cid: client.clientID,
            ru: redirectURI,
            sc: scope.joined(separator: " "),
            ch: challenge,
            st: state,
            aud: AudienceClaim(value: "oauth-consent"),
            exp: ExpirationClaim(value: Date().addingTimeInterval(600))
        )
        let partner = try await services.tenants.partner(id: client.partnerID)
        return ConsentPage.consent(
            client: client,
            partnerName: partner?.name ?? "",
            scope: scope,
            formToken: try await formSigner.sign(claims),
            message: nil
        )
    }

    func consent(_ request: Request, _ context: LoyaltyRequestContext) async throws -> Response {
        let form = try await readForm(request)
        guard let token = form["form_token"], let claims = await formSigner.verify(token, as: ConsentClaims.self),
            let client = try await services.oauth.client(clientID: claims.cid), client.status == .approved, client.redirectURIs.contains(claims.ru)
        else {
            return ConsentPage.error("This consent form has expired or was changed. Start again from the app.", status: .badRequest)
        }
        let scope = claims.sc.split(separator: " ").map(String.init)
        let partner = try await services.tenants.partner(id: client.partnerID)
        func again(_ message: String, _ status: HTTPResponse.Status) -> Response {
            ConsentPage.consent(client: client, partnerName: partner?.name ?? "", scope: scope, formToken: token, message: message, status: status)
        }
        guard form["decision"] == "approve" else {
            return Self.redirect(claims.ru, [("error", "access_denied"), ("error_description", "the user declined"), ("state", claims.st)])
        }
        guard let email = form["email"], !email.isEmpty, let password = form["password"], !password.isEmpty else {
            return again("Enter your email and password.", .badRequest)
        }
        let account: PartnerUserCredentials
        let step: Int64?
        do {
            (account, step) = try await PartnerAPI(services: services).authenticate(
                email: email.lowercased(),
                password: password,
                totp: form["totp_code"].flatMap { $0.isEmpty ? nil : $0 },
                requestID: context.requestID
            )
        } catch let e as APIError {
            return again(e.message(.en), e.status)
        }
        guard account.user.partnerID == client.partnerID, !account.user.isOperator else {
            return again("Only users of \(partner?.name ?? "this app's partner") can allow this app.", .forbidden)
        }
        guard account.partnerActive else { return again("This partner is deactivated.", .forbidden) }
        try await services.partnerUsers.recordSuccess(id: account.user.id, totpStep: step)
        let code = try await services.oauth.issueCode(
            client: client,
            userID: account.user.id,
            redirectURI: claims.ru,
            scope: scope,
            challenge: claims.ch,
            ttlMillis: Self.codeTTLMillis
        )
        try await Audit.append(
            services,
            principal: Principal.partnerUser(account.user, environment: services.config.environment),
            action: "oauth.authorize",
            target: "/partners/oauth/clients/\(client.id)",
            status: 302,
            requestID: context.requestID,
            details: scope.joined(separator: " ")
        )
        return Self.redirect(claims.ru, [("code", code), ("state", claims.st)])
    }

    // MARK: Token endpoint

    func token(_ request: Request, _ context: LoyaltyRequestContext) async throws -> Response {
        let form = try await readForm(request)
        guard let (client, authenticated) = try await authenticateClient(request, form) else {
            return Self.error("invalid_client", "unknown client, not approved, or wrong secret", status: .unauthorized)
        }
        let accessTTL = services.config.oauthAccessTTLSeconds
        let refreshTTL = services.config.oauthRefreshTTLDays * 86_400
        let pair: OAuthTokenPair
        do {
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"], let redirectURI = form["redirect_uri"], let verifier = form["code_verifier"] else {
                    return Self.error("invalid_request", "code, redirect_uri and code_verifier are required")
                }
                pair = try await services.oauth.redeemCode(
                    code,
                    clientRow: client.id,
                    redirectURI: redirectURI,
                    verifier: verifier,
                    accessTTL: accessTTL,
                    refreshTTL: refreshTTL
                )
            case "client_credentials":
                guard authenticated else { return Self.error("unauthorized_client", "client credentials need a confidential client") }
                var scope = client.scopes
                if let requested = form["scope"] {
                    guard let parsed = OAuthScope.parse(requested), !parsed.isEmpty, Set(parsed).isSubset(of: client.scopes) else {
                        return Self.error("invalid_scope", "the app may ask for: \(client.scopes.joined(separator: " "))")
                    }
                    scope = parsed
                }
                pair = try await services.oauth.issueClientToken(client: client, scope: scope, accessTTL: accessTTL)
            case "refresh_token":
                guard let refresh = form["refresh_token"] else { return Self.error("invalid_request", "refresh_token is required") }
                var scope: [String]?
                if let requested = form["scope"] {
                    guard let parsed = OAuthScope.parse(requested), !parsed.isEmpty else { return Self.error("invalid_scope", "unknown scope") }
                    scope = parsed
                }
                pair = try await services.oauth.refresh(refresh, clientRow: client.id, scope: scope, accessTTL: accessTTL, refreshTTL: refreshTTL)
            case nil:
                return Self.error("invalid_request", "grant_type is required")
            default:
                return Self.error("unsupported_grant_type", "authorization_code, client_credentials or refresh_token")
            }
        } catch let OAuthFailure.invalidGrant(reason) {
            return Self.error(reason.hasPrefix("scope") ? "invalid_scope" : "invalid_grant", reason)
        }
        var body: [(String, JSON)] = [
            ("access_token", .string(pair.accessToken)), ("token_type", .string("Bearer")), ("expires_in", .int(pair.expiresIn)),
            ("scope", .string(pair.scope.joined(separator: " "))),
        ]
        if let refresh = pair.refreshToken { body.append(("refresh_token", .string(refresh))) }
        return Self.json(.ok, .object(body))
    }

    // MARK: RFC 7009, RFC 7662

    func revoke(_ request: Request, _ context: LoyaltyRequestContext) async throws -> Response {
        let form = try await readForm(request)
        guard let (client, _) = try await authenticateClient(request, form) else {
            return Self.error("invalid_client", "unknown client, not approved, or wrong secret", status: .unauthorized)
        }
        guard let token = form["token"] else { return Self.error("invalid_request", "token is required") }
        // Unknown and foreign tokens answer 200 too (RFC 7009 2.2): nothing to learn.
        try await services.oauth.revoke(token, clientRow: client.id)
        return Response(status: .ok, headers: [.cacheControl: "no-store"])
    }

    func introspect(_ request: Request, _ context: LoyaltyRequestContext) async throws -> Response {
        let form = try await readForm(request)
        guard let (client, authenticated) = try await authenticateClient(request, form), authenticated else {
            return Self.error("invalid_client", "introspection needs a confidential client's credentials", status: .unauthorized)
        }
        guard let token = form["token"] else { return Self.error("invalid_request", "token is required") }
        // Only the app's own tokens are described; anything else is simply inactive.
        guard let (grant, kind) = try await services.oauth.grant(forToken: token, anyKind: true), grant.client.id == client.id else {
            return Self.json(.ok, .object([("active", .bool(false))]))
        }
        return Self.json(
            .ok,
            .object([
                ("active", .bool(true)), ("scope", .string(grant.scope.joined(separator: " "))), ("client_id", .string(client.clientID)),
                ("token_type", .string(kind == "access" ? "Bearer" : "refresh_token")), ("exp", .int(grant.expiresAt / 1000)),
                ("iat", .int(grant.createdAt / 1000)), ("sub", .string(grant.userID.map { "user:\($0)" } ?? "client:\(client.clientID)")),
                ("partner_id", .int(grant.partnerID)), ("iss", .string(issuer(request))),
            ])
        )
    }
}
