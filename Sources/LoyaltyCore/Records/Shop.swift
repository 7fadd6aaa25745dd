public struct Shop: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var name: String
    public var address: String?
    public var city: String?
    public var phone: String?
    public var email: String?
    public var website: String?
    public var description: String?
    public var openingHours: String?
    public var latitude: Double?
    public var longitude: Double?
    public var isActive: Bool
    public var isVirtual: Bool
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: Int64,
        partnerID: Int64,
        name: String,
        address: String? = nil,
        city: String? = nil,
        phone: String? = nil,
        email: String? = nil,
        website: String? = nil,
        description: String? = nil,
        openingHours: String? = nil,
        latitude: Double? = nil,
        longitude: Double? = nil,
        isActive: Bool = true,
        isVirtual: Bool = false,
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.partnerID = partnerID
        self.name = name
        self.address = address
        self.city = city
        self.phone = phone
        self.email = email
        self.website = website
        self.description = description
        self.openingHours = openingHours
        self.latitude = latitude
        self.longitude = longitude
        self.isActive = isActive
        self.isVirtual = isVirtual
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The fields of a shop that the Partner API writes; `nil` leaves a field as it is, an
/// empty string clears an optional text, and `clearLocation` removes the coordinates.
public struct ShopPatch: Sendable {
    public var name: String?
    public var address: String?
    public var city: String?
    public var phone: String?
    public var email: String?
    public var website: String?
    public var description: String?
    public var openingHours: String?
    public var latitude: Double?
    public var longitude: Double?
    public var clearLocation = false
    public var isActive: Bool?
    public var isVirtual: Bool?

    public init() {}
}
