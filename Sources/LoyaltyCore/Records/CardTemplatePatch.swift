import LoyaltyModels

/// The fields of a card template the Partner API writes (P22, P24); `nil` leaves a
/// field as it is. Rules are validated by the caller (positive rates, known shops).
public struct CardTemplatePatch: Sendable {
    public var titleLT: String?
    public var titleEN: String?
    public var descriptionLT: String?
    public var descriptionEN: String?
    public var termsLT: String?
    public var termsEN: String?
    public var cardType: String?
    public var isActive: Bool?
    public var autoAssign: Bool?
    public var shopIDs: [Int64]?
    public var earning = TemplateRulesPatch()
    public var initialBonusPoints: Int64?
    /// 0 = points never expire.
    public var pointsExpirationDays: Int64?
    public var backgroundColor: String?
    public var textColor: String?
    /// The rest of `card_design` (logo, label colour, QR colours, opacity, background image).
    public var design: JSON?
    /// `.some(nil)` clears it (coupons then use each game's or offer's own validity).
    public var couponValidityDays: Int64??

    public init() {}
}

/// What the Partner API shows of a template beyond its rules.
public struct CardTemplateDetails: Sendable, Equatable {
    public var termsLT: String?
    public var termsEN: String?
    public var design: JSON
    public var couponValidityDays: Int64?

    public init(termsLT: String? = nil, termsEN: String? = nil, design: JSON = .object([]), couponValidityDays: Int64? = nil) {
        self.termsLT = termsLT
        self.termsEN = termsEN
        self.design = design
        self.couponValidityDays = couponValidityDays
    }
}
