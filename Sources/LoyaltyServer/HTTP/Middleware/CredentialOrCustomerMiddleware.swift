import Hummingbird

/// Routes that both families share under one path (spec D16: `GET /shop/coupons` is
/// the shop's list with API credentials and the member's own with a customer token):
/// API credentials when the request carries them (`X-API-Key`, or a Bearer API key),
/// a customer token otherwise. The handler tells them apart by
/// ``Principal/kind``.
struct CredentialOrCustomerMiddleware: RouterMiddleware {
    typealias Context = LoyaltyRequestContext
    let credentials: CredentialAuthMiddleware
    let customer: CustomerTokenMiddleware

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let bearer = request.headers[.authorization].map { $0.lowercased().hasPrefix("bearer lty_") } ?? false
        if request.headers[HeaderName.apiKey] != nil || bearer {
            return try await credentials.handle(request, context: context, next: next)
        }
        return try await customer.handle(request, context: context, next: next)
    }
}
