import Hummingbird

/// The Shop API and partner route groups: the caller must present API credentials
/// (``CredentialAuthenticator``); the principal is then in ``LoyaltyRequestContext/principal``.
struct CredentialAuthMiddleware: RouterMiddleware {
    typealias Context = LoyaltyRequestContext
    let authenticator: CredentialAuthenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.principal = try await authenticator.authenticate(request.headers)
        return try await next(request, context)
    }
}
