/// What a partner user may do, in increasing power: `staff` reads, `manager` also runs
/// the programme (customers, points, offers, games, shops, webhooks), `owner` also
/// manages users, API keys, the partner's profile and settings.
public enum PartnerRole: String, Sendable, CaseIterable, Comparable {
    case staff, manager, owner

    var rank: Int {
        switch self {
        case .staff: 0
        case .manager: 1
        case .owner: 2
        }
    }

    public static func < (a: PartnerRole, b: PartnerRole) -> Bool { a.rank < b.rank }
}

/// A person who signs in to the Partner API (and the portal). A user either belongs to
/// one partner with a role, or is a platform operator (`partnerID == nil`), who
/// manages partners and their plans but no partner's programme.
public struct PartnerUser: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64?
    public var email: String
    public var name: String
    public var role: PartnerRole
    public var isOperator: Bool
    public var isActive: Bool
    public var totpEnabled: Bool
    public var lastLoginAt: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: Int64,
        partnerID: Int64?,
        email: String,
        name: String,
        role: PartnerRole,
        isOperator: Bool,
        isActive: Bool,
        totpEnabled: Bool,
        lastLoginAt: Int64?,
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.partnerID = partnerID
        self.email = email
        self.name = name
        self.role = role
        self.isOperator = isOperator
        self.isActive = isActive
        self.totpEnabled = totpEnabled
        self.lastLoginAt = lastLoginAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A partner user with what signing in checks: the password hash, the second factor,
/// the lock-out state and the token version (raised to end every session).
public struct PartnerUserCredentials: Sendable {
    public var user: PartnerUser
    public var passwordHash: String
    public var totpSecret: String?
    /// The last TOTP time step accepted: a code is good once.
    public var totpLastStep: Int64
    public var failedLogins: Int64
    public var lockedUntil: Int64
    public var tokenVersion: Int64
    /// Whether the user's partner is active (true for an operator), read with the user.
    public var partnerActive: Bool

    public init(
        user: PartnerUser,
        passwordHash: String,
        totpSecret: String?,
        totpLastStep: Int64,
        failedLogins: Int64,
        lockedUntil: Int64,
        tokenVersion: Int64,
        partnerActive: Bool = true
    ) {
        self.user = user
        self.passwordHash = passwordHash
        self.totpSecret = totpSecret
        self.totpLastStep = totpLastStep
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.tokenVersion = tokenVersion
        self.partnerActive = partnerActive
    }
}

/// Lock-out with back-off: after `threshold` consecutive failures each further failure
/// locks the account for `baseSeconds` doubled per failure over the threshold, at most
/// `maxSeconds`. A success clears the count.
public struct LoginBackoff: Sendable {
    public var threshold: Int64
    public var baseSeconds: Int64
    public var maxSeconds: Int64

    public init(threshold: Int64 = 5, baseSeconds: Int64 = 30, maxSeconds: Int64 = 3600) {
        self.threshold = threshold
        self.baseSeconds = baseSeconds
        self.maxSeconds = maxSeconds
    }

    /// How long the account is locked after its `failures`-th consecutive failure (0: not).
    public func lockSeconds(afterFailures failures: Int64) -> Int64 {
        guard failures >= threshold else { return 0 }
        let doublings = min(failures - threshold, 20)
        return min(baseSeconds << doublings, maxSeconds)
    }
}
