/// Which deployment a credential belongs to; a key only works on a server of its environment.
public enum DeploymentEnvironment: String, Sendable, CaseIterable {
    case production
    case staging
}

public struct ApiCredential: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var shopID: Int64?
    public var key: String
    public var secretHash: String
    public var environment: DeploymentEnvironment
    public var name: String?
    public var createdAt: Int64
    public var expiresAt: Int64?
    public var revokedAt: Int64?
    /// Whether the owning partner is active (a deactivated partner's keys are refused).
    public var partnerActive: Bool

    public init(
        id: Int64,
        partnerID: Int64,
        shopID: Int64?,
        key: String,
        secretHash: String,
        environment: DeploymentEnvironment,
        name: String?,
        createdAt: Int64,
        expiresAt: Int64?,
        revokedAt: Int64?,
        partnerActive: Bool = true
    ) {
        self.id = id
        self.partnerID = partnerID
        self.shopID = shopID
        self.key = key
        self.secretHash = secretHash
        self.environment = environment
        self.name = name
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.partnerActive = partnerActive
    }
}
