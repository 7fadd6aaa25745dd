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
        guard let user = try await tokens.user(for: token) else {
            throw APIError.unauthorized("partner_token_invalid", code: 1110, stringCode: .invalidToken)
        }
        // Read with the user: one query per request for both.
        guard user.partnerActive else { throw APIError.partnerInactive }
        var context = context
        context.principal = Principal.partnerUser(user.user, environment: environment)
        return try await next(request, context)
    }
}
