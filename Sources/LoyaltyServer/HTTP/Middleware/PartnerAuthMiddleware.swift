import Hummingbird
import LoyaltyCore
import LoyaltyStore

/// The Partner API route group: `Authorization: Bearer <partner token>` (a JWT from
/// ``PartnerTokens``), or the partner's API credentials as the Shop API takes them.
/// Which of the two a route accepts, and which role it needs, is the route's
/// ``RouteAccess``; this middleware only establishes who is calling.
///
/// `auth/login` and `auth/refresh` authenticate by their body and are registered on an
/// open group instead.
struct PartnerAuthMiddleware: RouterMiddleware {
    typealias Context = LoyaltyRequestContext
    let tokens: PartnerTokens
    let oauth: any OAuthRepository
    let tenants: any TenantRepository
    let credentials: CredentialAuthMiddleware
    let environment: DeploymentEnvironment

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var bearer: String?
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            bearer = String(header.dropFirst(7)).asciiTrimmed
        }
        // An API key in the Bearer slot is the FAQ's credential form, not a token.
        guard let token = bearer, !ApiKeyFormat.isWellFormed(token) else {
            if bearer == nil, request.headers[HeaderName.apiKey] == nil {
                throw APIError.unauthorized("partner_token_required", code: 1004, stringCode: .authRequired)
            }
            return try await credentials.handle(request, context: context, next: next)
        }
        if token.hasPrefix("loa_") { return try await next(request, try await oauthContext(token, context)) }
        guard let user = try await tokens.user(for: token) else {
            throw APIError.unauthorized("partner_token_invalid", code: 1110, stringCode: .invalidToken)
        }
        // Read with the user: one query per request for both.
        guard user.partnerActive else { throw APIError.partnerInactive }
        var context = context
        context.principal = Principal.partnerUser(user.user, environment: environment)
        return try await next(request, context)
    }

    /// An OAuth access token: the consenting user (role capped at manager) or, for client
    /// credentials, the app acting as the partner's integration; with the token's scopes.
    func oauthContext(_ token: String, _ context: Context) async throws -> Context {
        guard let (grant, _) = try await oauth.grant(forToken: token, anyKind: false) else {
            throw APIError.unauthorized("partner_token_invalid", code: 1110, stringCode: .invalidToken)
        }
        var principal: Principal
        if let userID = grant.userID {
            guard let account = try await tokens.users.credentials(id: userID), account.user.isActive, account.user.partnerID == grant.partnerID
            else { throw APIError.unauthorized("partner_token_invalid", code: 1110, stringCode: .invalidToken) }
            guard account.partnerActive else { throw APIError.partnerInactive }
            var user = account.user
            user.role = min(user.role, OAuthScope.maximumRole)
            principal = Principal.partnerUser(user, environment: environment)
        } else {
            guard let partner = try await tenants.partner(id: grant.partnerID) else {
                throw APIError.unauthorized("partner_token_invalid", code: 1110, stringCode: .invalidToken)
            }
            guard partner.isActive else { throw APIError.partnerInactive }
            principal = Principal(
                kind: .credential,
                credentialID: Principal.oauthBucketBase - grant.client.id,
                partnerID: grant.partnerID,
                shopID: nil,
                key: "",
                environment: environment
            )
        }
        principal.scopes = Set(grant.scope)
        principal.oauthClient = grant.client.clientID
        var context = context
        context.principal = principal
        return context
    }
}
