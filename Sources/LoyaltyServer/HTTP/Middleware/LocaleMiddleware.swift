import Hummingbird

/// The `/{locale}/...` route groups: reads the `locale` path parameter into
/// ``LoyaltyRequestContext/locale``; an unknown locale is a 404 before anything else
/// (authentication included) looks at the request.
struct LocaleMiddleware: RouterMiddleware {
    typealias Context = LoyaltyRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let parameter = context.parameters.get("locale") ?? ""
        guard let locale = APILocale(rawValue: parameter) else {
            throw APIError.notFound("unknown_locale", args: ["locale": String(parameter.prefix(16))])
        }
        var context = context
        context.locale = locale
        return try await next(request, context)
    }
}
