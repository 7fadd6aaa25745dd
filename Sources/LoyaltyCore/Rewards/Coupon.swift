/// Where a coupon is in its life: active -> pending (held by one shop's till) -> used;
/// or cancelled; or expired.
public enum CouponStatus: String, Sendable, CaseIterable {
    case active
    case pending
    case used
    case cancelled
    case expired

    /// The name the member-facing models use (`used` is `redeemed` there).
    public var memberName: String { self == .used ? "redeemed" : rawValue }

    /// A status filter from the wire: either vocabulary.
    public init?(wire: String) {
        if wire == "redeemed" { self = .used } else { self.init(rawValue: wire) }
    }
}

/// A coupon issued to a member: by claiming an offer (or, later, as a game prize).
public struct Coupon: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var offerID: Int64
    public var customerID: Int64
    public var cardID: Int64
    /// The normalised code (``CouponCode``), unique across the server.
    public var code: String
    public var status: CouponStatus
    public var pendingShopID: Int64?
    public var pendingAt: Int64?
    public var selectedProductID: Int64?
    public var redeemedAt: Int64?
    public var redeemedShopID: Int64?
    public var notes: String?
    /// Points the member paid for it.
    public var pointsSpent: Int64
    /// Points given back (cancel or expiry policy).
    public var pointsReturned: Int64
    public var claimTransactionID: Int64?
    public var expiresAt: Int64?
    public var cancelledAt: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: Int64,
        partnerID: Int64,
        offerID: Int64,
        customerID: Int64,
        cardID: Int64,
        code: String,
        status: CouponStatus,
        pendingShopID: Int64? = nil,
        pendingAt: Int64? = nil,
        selectedProductID: Int64? = nil,
        redeemedAt: Int64? = nil,
        redeemedShopID: Int64? = nil,
        notes: String? = nil,
        pointsSpent: Int64 = 0,
        pointsReturned: Int64 = 0,
        claimTransactionID: Int64? = nil,
        expiresAt: Int64? = nil,
        cancelledAt: Int64? = nil,
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.partnerID = partnerID
        self.offerID = offerID
        self.customerID = customerID
        self.cardID = cardID
        self.code = code
        self.status = status
        self.pendingShopID = pendingShopID
        self.pendingAt = pendingAt
        self.selectedProductID = selectedProductID
        self.redeemedAt = redeemedAt
        self.redeemedShopID = redeemedShopID
        self.notes = notes
        self.pointsSpent = pointsSpent
        self.pointsReturned = pointsReturned
        self.claimTransactionID = claimTransactionID
        self.expiresAt = expiresAt
        self.cancelledAt = cancelledAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The status at `now`: an open coupon past its expiry is expired even before the
    /// sweeper has recorded it.
    public func status(at now: Int64) -> CouponStatus {
        if status == .active || status == .pending, let e = expiresAt, now >= e { return .expired }
        return status
    }
}
