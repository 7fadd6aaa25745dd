/// A business running a programme: the tenant every other record belongs to.
public struct Partner: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var createdAt: Int64
    public var description: String?
    public var contactEmail: String?
    public var contactPhone: String?
    public var website: String?
    public var logoURL: String?
    /// A deactivated partner's credentials and users are refused (P06).
    public var isActive: Bool
    public var updatedAt: Int64

    public init(
        id: Int64,
        name: String,
        createdAt: Int64,
        description: String? = nil,
        contactEmail: String? = nil,
        contactPhone: String? = nil,
        website: String? = nil,
        logoURL: String? = nil,
        isActive: Bool = true,
        updatedAt: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.description = description
        self.contactEmail = contactEmail
        self.contactPhone = contactPhone
        self.website = website
        self.logoURL = logoURL
        self.isActive = isActive
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// The profile fields of P03/P05; `nil` leaves a field as it is on update, and an
/// empty string clears an optional one.
public struct PartnerProfilePatch: Sendable {
    public var name: String?
    public var description: String?
    public var contactEmail: String?
    public var contactPhone: String?
    public var website: String?
    public var logoURL: String?
    public var isActive: Bool?

    public init(
        name: String? = nil,
        description: String? = nil,
        contactEmail: String? = nil,
        contactPhone: String? = nil,
        website: String? = nil,
        logoURL: String? = nil,
        isActive: Bool? = nil
    ) {
        self.name = name
        self.description = description
        self.contactEmail = contactEmail
        self.contactPhone = contactPhone
        self.website = website
        self.logoURL = logoURL
        self.isActive = isActive
    }
}
