public struct Customer: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var externalID: String?
    public var email: String?
    public var phone: String?
    public var name: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: Int64, partnerID: Int64, externalID: String?, email: String?, phone: String?, name: String?, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.partnerID = partnerID
        self.externalID = externalID
        self.email = email
        self.phone = phone
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
