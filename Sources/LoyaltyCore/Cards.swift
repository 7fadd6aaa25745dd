/// A card's state as the API shows it. Only `active` cards earn and redeem.
public enum CardStatus: String, Sendable {
    case active, blocked, expired
}

extension LoyaltyCard {
    /// `blocked` wins over `expired`: unblocking an expired card leaves it expired.
    public func status(at now: Int64) -> CardStatus {
        if !isActive { return .blocked }
        if let expiresAt, expiresAt <= now { return .expired }
        return .active
    }

    /// Throws ``LoyaltyError/cardInactive`` or ``LoyaltyError/cardExpired`` unless the card
    /// may earn and redeem at `now`.
    public func requireUsable(at now: Int64) throws {
        switch status(at: now) {
        case .active: return
        case .blocked: throw LoyaltyError.cardInactive
        case .expired: throw LoyaltyError.cardExpired
        }
    }
}

/// What a POS QR session is for: logging a customer in (`login`) or identifying their
/// card at the till (`card`).
public enum QRSessionKind: String, Sendable {
    case login, card
}

/// `pending` until the customer's app acts; a login session passes through `scanned`
/// (code read, not yet confirmed). `expired` is reported once five minutes pass.
public enum QRSessionStatus: String, Sendable {
    case pending, scanned, authenticated, expired
}

/// A five-minute, single-use QR session opened by a POS (spec 4.11).
public struct QRSession: Sendable {
    public var id: String
    public var partnerID: Int64
    public var shopID: Int64?
    public var kind: QRSessionKind
    /// The 32-character secret in the deep link.
    public var code: String
    /// Nine digits, shown as `XXX-XXX-XXX`, for typing instead of scanning.
    public var manualCode: String
    public var deviceName: String?
    public var status: QRSessionStatus
    public var customerID: Int64?
    public var cardID: Int64?
    /// The completion payload (`card_data`, or the login's user and card), JSON text.
    public var resultJSON: String?
    /// Tokens minted at login confirmation, handed out by the first poll only.
    public var pendingTokensJSON: String?
    public var createdAt: Int64
    public var expiresAt: Int64
    public var completedAt: Int64?

    public init(
        id: String,
        partnerID: Int64,
        shopID: Int64?,
        kind: QRSessionKind,
        code: String,
        manualCode: String,
        deviceName: String?,
        status: QRSessionStatus,
        customerID: Int64?,
        cardID: Int64?,
        resultJSON: String?,
        pendingTokensJSON: String?,
        createdAt: Int64,
        expiresAt: Int64,
        completedAt: Int64?
    ) {
        self.id = id
        self.partnerID = partnerID
        self.shopID = shopID
        self.kind = kind
        self.code = code
        self.manualCode = manualCode
        self.deviceName = deviceName
        self.status = status
        self.customerID = customerID
        self.cardID = cardID
        self.resultJSON = resultJSON
        self.pendingTokensJSON = pendingTokensJSON
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.completedAt = completedAt
    }

    /// The status a reader sees: a pending or scanned session past its expiry is `expired`.
    public func effectiveStatus(at now: Int64) -> QRSessionStatus {
        if (status == .pending || status == .scanned) && expiresAt <= now { return .expired }
        return status
    }

    /// `XXX-XXX-XXX`.
    public var manualCodeFormatted: String {
        let d = Array(manualCode)
        guard d.count == 9 else { return manualCode }
        return String(d[0..<3]) + "-" + String(d[3..<6]) + "-" + String(d[6..<9])
    }
}

/// A key for signing or encrypting, identified by `id` (carried in what it protects, so
/// keys rotate without invalidating what older keys produced).
public struct SigningKey: Sendable, Equatable {
    public var id: Int64
    public var purpose: String
    public var material: [UInt8]
    public var createdAt: Int64
    public var retiredAt: Int64?

    public init(id: Int64, purpose: String, material: [UInt8], createdAt: Int64, retiredAt: Int64?) {
        self.id = id
        self.purpose = purpose
        self.material = material
        self.createdAt = createdAt
        self.retiredAt = retiredAt
    }
}
