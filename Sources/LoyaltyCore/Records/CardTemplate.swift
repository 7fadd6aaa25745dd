/// A partner's card design and points programme (the wire's "loyalty card" template).
public struct CardTemplate: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var titleLT: String
    public var titleEN: String
    public var descriptionLT: String?
    public var descriptionEN: String?
    public var cardType: String
    public var isActive: Bool
    public var autoAssign: Bool
    /// Empty = every shop of the partner.
    public var shopIDs: [Int64]
    public var earning: EarningRule
    public var redemption: RedemptionRule
    public var initialBonusPoints: Int64
    /// 0 = points never expire.
    public var pointsExpirationDays: Int64
    public var currency: String
    public var backgroundColor: String
    public var textColor: String
    public var code: String
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: Int64,
        partnerID: Int64,
        titleLT: String,
        titleEN: String,
        descriptionLT: String?,
        descriptionEN: String?,
        cardType: String,
        isActive: Bool,
        autoAssign: Bool,
        shopIDs: [Int64],
        earning: EarningRule,
        redemption: RedemptionRule,
        initialBonusPoints: Int64,
        pointsExpirationDays: Int64,
        currency: String,
        backgroundColor: String,
        textColor: String,
        code: String,
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.partnerID = partnerID
        self.titleLT = titleLT
        self.titleEN = titleEN
        self.descriptionLT = descriptionLT
        self.descriptionEN = descriptionEN
        self.cardType = cardType
        self.isActive = isActive
        self.autoAssign = autoAssign
        self.shopIDs = shopIDs
        self.earning = earning
        self.redemption = redemption
        self.initialBonusPoints = initialBonusPoints
        self.pointsExpirationDays = pointsExpirationDays
        self.currency = currency
        self.backgroundColor = backgroundColor
        self.textColor = textColor
        self.code = code
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
