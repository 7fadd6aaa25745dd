import HTTPTypes
import Hummingbird
import LoyaltyModels

/// Token buckets per caller and API family (``RateLimits``) for authenticated route
/// groups: every answer, errors included, carries `X-RateLimit-Limit/Remaining/Reset`;
/// a caller over its limit gets 429 with `Retry-After`. Must run after an
/// authentication middleware; a request without a principal passes untouched.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = LoyaltyRequestContext
    let limits: RateLimits
    let family: RateLimits.Family

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let principal = context.principal else { return try await next(request, context) }
        let (limiter, key) = limits.bucket(for: principal, family: family)
        guard limiter.enabled else { return try await next(request, context) }
        let decision = limiter.take(key)
        var headers: HTTPFields = [:]
        headers[HeaderName.rateLimitLimit] = String(decision.limit)
        headers[HeaderName.rateLimitRemaining] = String(decision.remaining)
        headers[HeaderName.rateLimitReset] = String(decision.resetAt)
        guard decision.allowed else {
            headers[.retryAfter] = String(decision.retryAfter)
            var error = APIError(
                status: .tooManyRequests,
                code: 1003,
                stringCode: .rateLimitExceeded,
                messageKey: "rate_limited",
                args: ["seconds": String(decision.retryAfter)],
                details: [("retry_after", .int(Int64(decision.retryAfter)))]
            )
            error.headers = headers
            throw error
        }
        do {
            var response = try await next(request, context)
            for field in headers { response.headers[field.name] = field.value }
            return response
        } catch {
            var apiError = ErrorMapping.apiError(error, logger: context.logger)
            for field in headers where apiError.headers[field.name] == nil { apiError.headers[field.name] = field.value }
            throw apiError
        }
    }
}
