import Foundation
import Hummingbird
import LoyaltyCore

/// Per-request state: the request id (echoed as `X-Request-Id` and in every body),
/// the locale, and after authentication the caller.
public struct LoyaltyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String
    public var locale: Locale = .en
    var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = UUID().uuidString.lowercased()
    }

    /// Bodies are read by the endpoints with their own limits.
    public var maxUploadSize: Int { 8 << 20 }
}

/// Who is calling: the credential and its tenant.
struct Principal: Sendable {
    var credentialID: Int64
    var partnerID: Int64
    var shopID: Int64?
    var key: String
    var environment: DeploymentEnvironment
}
