import Foundation
import Hummingbird
import LoyaltyCore
import LoyaltyModels

/// Per-request state: the request id (echoed as `X-Request-Id` and in every body),
/// the locale, and after authentication the caller.
public struct LoyaltyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String
    public var locale: APILocale = .en
    /// Set by the route group's authentication middleware.
    var principal: Principal?
    /// The customer of a customer-token request (``CustomerTokenMiddleware``).
    var customerID: Int64?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = Self.newRequestID()
    }

    /// A random (v4) UUID in lower case, formatted without intermediate strings.
    static func newRequestID() -> String {
        let u = UUID().uuid
        let bytes = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            Hex.append(b, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bodies are read by the endpoints with their own limits.
    public var maxUploadSize: Int { 8 << 20 }
}
