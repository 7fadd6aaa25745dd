import Foundation

/// What an API endpoint receives: the authenticated caller, the locale and the
/// request's fields (JSON body for writes, query string for reads).
struct APICall: Sendable {
    /// The caller; ``Principal/anonymous(environment:)`` on public routes.
    var principal: Principal
    var locale: APILocale
    var requestID: String
    var parameters: [String: String]
    var fields: Fields
    /// The customer of a customer-token call (``CustomerTokenMiddleware``).
    var customerID: Int64?
    /// The request's `Host` header and forwarded scheme, for URLs the answer advertises.
    var host: String?
    var forwardedScheme: String?

    var partnerID: Int64 { principal.partnerID }
}
