import LoyaltyCore

/// Who is calling: an API credential, a customer (customer token), a partner user
/// (partner token) or nobody (public routes), with the tenant the call is scoped to.
struct Principal: Sendable {
    enum Kind: Sendable { case credential, customer, partnerUser, anonymous }

    var kind: Kind = .credential
    var credentialID: Int64
    var partnerID: Int64
    var shopID: Int64?
    var key: String
    var environment: DeploymentEnvironment
    /// The signed-in partner user (``Kind/partnerUser``).
    var user: PartnerUser?
    /// An OAuth token's scopes and app (`client_id`); nil for every other caller. A
    /// token a user consented to is a ``Kind/partnerUser`` with the user's role capped at
    /// ``OAuthScope/maximumRole``; a client-credentials token is a ``Kind/credential``.
    var scopes: Set<String>?
    var oauthClient: String?

    /// A customer of `partnerID`, as a customer token names them.
    static func customer(_ customerID: Int64, partnerID: Int64, environment: DeploymentEnvironment) -> Principal {
        Principal(kind: .customer, credentialID: -customerID, partnerID: partnerID, shopID: nil, key: "", environment: environment)
    }

    /// A partner user, as a partner token names them (an operator has partner 0).
    static func partnerUser(_ user: PartnerUser, environment: DeploymentEnvironment) -> Principal {
        Principal(
            kind: .partnerUser,
            credentialID: Self.userBucketBase - user.id,
            partnerID: user.partnerID ?? 0,
            shopID: nil,
            key: "",
            environment: environment,
            user: user
        )
    }

    /// The caller of a public route: no tenant.
    static func anonymous(environment: DeploymentEnvironment) -> Principal {
        Principal(kind: .anonymous, credentialID: 0, partnerID: 0, shopID: nil, key: "", environment: environment)
    }

    /// Partner users' rate-limit buckets sit far below customers' (minus their ids).
    static let userBucketBase: Int64 = -(1 << 52)
    /// OAuth apps acting on their own (client credentials) sit below partner users.
    static let oauthBucketBase: Int64 = -(1 << 53)

    /// The rate-limit bucket: credentials by their id, customers by minus theirs,
    /// partner users below both.
    var rateLimitBucket: Int64 { credentialID }

    /// Who acted, for the audit log: kind, id and a label.
    var actor: (kind: String, id: Int64, label: String) {
        switch kind {
        case .partnerUser where oauthClient != nil: ("oauth", user?.id ?? 0, "\(user?.email ?? "") via \(oauthClient ?? "")")
        case .partnerUser: ("user", user?.id ?? 0, user?.email ?? "")
        case .credential where oauthClient != nil: ("oauth", 0, oauthClient ?? "")
        case .credential: ("credential", credentialID, ApiKeyFormat.masked(key))
        case .customer: ("customer", -credentialID, "")
        case .anonymous: ("anonymous", 0, "")
        }
    }
}
