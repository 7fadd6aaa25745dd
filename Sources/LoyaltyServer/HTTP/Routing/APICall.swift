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
    /// The uploaded body of an ``APIRoutes/upload(_:limit:_:)`` route (not JSON).
    var upload: Upload?
    /// The request's `Host` header and forwarded scheme, for URLs the answer advertises.
    var host: String?
    var forwardedScheme: String?

    var partnerID: Int64 { principal.partnerID }
}

/// A request body that is a file: multipart form data or a raw document.
struct Upload: Sendable {
    var contentType: String
    var bytes: [UInt8]
}
