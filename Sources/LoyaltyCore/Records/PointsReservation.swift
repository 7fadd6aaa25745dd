public enum ReservationStatus: String, Sendable {
    case active
    case released
    case consumed
}

public struct PointsReservation: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var cardID: Int64
    public var customerID: Int64
    public var orderID: String
    public var points: Int64
    public var status: ReservationStatus
    public var sessionID: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: Int64,
        partnerID: Int64,
        cardID: Int64,
        customerID: Int64,
        orderID: String,
        points: Int64,
        status: ReservationStatus,
        sessionID: String?,
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.partnerID = partnerID
        self.cardID = cardID
        self.customerID = customerID
        self.orderID = orderID
        self.points = points
        self.status = status
        self.sessionID = sessionID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
