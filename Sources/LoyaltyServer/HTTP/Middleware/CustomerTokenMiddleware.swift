import Hummingbird
import LoyaltyCore

/// The customer route group: `Authorization: Bearer <customer token>` (a JWT from
/// ``CustomerTokens``). Sets ``LoyaltyRequestContext/principal`` to the customer's
/// partner and ``LoyaltyRequestContext/customerID``.
struct CustomerTokenMiddleware: RouterMiddleware {
    typealias Context = LoyaltyRequestContext
    let tokens: CustomerTokens
    let environment: DeploymentEnvironment

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw APIError.unauthorized("token_required", code: 1004, stringCode: .unauthenticated)
        }
        guard let claims = await tokens.verify(String(header.dropFirst(7)).asciiTrimmed), let id = claims.customerID else {
            throw APIError.unauthorized("token_invalid", code: 1103, stringCode: .invalidToken)
        }
        var context = context
        context.principal = Principal.customer(id, partnerID: claims.pid, environment: environment)
        context.customerID = id
        return try await next(request, context)
    }
}
