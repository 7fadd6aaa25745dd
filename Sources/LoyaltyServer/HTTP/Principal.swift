import LoyaltyCore

/// Who is calling: an API credential, a customer (customer token) or nobody (public
/// routes), with the tenant the call is scoped to.
struct Principal: Sendable {
    enum Kind: Sendable { case credential, customer, anonymous }

    var kind: Kind = .credential
    var credentialID: Int64
    var partnerID: Int64
    var shopID: Int64?
    var key: String
    var environment: DeploymentEnvironment

    /// A customer of `partnerID`, as a customer token names them.
    static func customer(_ customerID: Int64, partnerID: Int64, environment: DeploymentEnvironment) -> Principal {
        Principal(kind: .customer, credentialID: -customerID, partnerID: partnerID, shopID: nil, key: "", environment: environment)
    }

    /// The caller of a public route: no tenant.
    static func anonymous(environment: DeploymentEnvironment) -> Principal {
        Principal(kind: .anonymous, credentialID: 0, partnerID: 0, shopID: nil, key: "", environment: environment)
    }

    /// The rate-limit bucket: credentials by their id, customers by minus theirs.
    var rateLimitBucket: Int64 { credentialID }
}
