/// What a partner's plan allows per calendar month (UTC), as the platform operator sets
/// it. A limit of 0 is unlimited. Without `hardStop` usage over a limit is metered and
/// reported, never refused; with it, requests that would go over are refused before
/// anything is done (402), so no acknowledged write is ever lost to a quota.
public struct PartnerPlan: Sendable, Hashable {
    public var name: String
    /// Distinct customers with at least one transaction in the month.
    public var activeCustomerLimit: Int64
    public var shopCallsLimit: Int64
    public var partnerCallsLimit: Int64
    public var memberCallsLimit: Int64
    public var hardStop: Bool

    public init(
        name: String = "unlimited",
        activeCustomerLimit: Int64 = 0,
        shopCallsLimit: Int64 = 0,
        partnerCallsLimit: Int64 = 0,
        memberCallsLimit: Int64 = 0,
        hardStop: Bool = false
    ) {
        self.name = name
        self.activeCustomerLimit = activeCustomerLimit
        self.shopCallsLimit = shopCallsLimit
        self.partnerCallsLimit = partnerCallsLimit
        self.memberCallsLimit = memberCallsLimit
        self.hardStop = hardStop
    }

    /// A partner without a plan row.
    public static let unlimited = PartnerPlan()

    /// The monthly call limit of an API family (`shop`, `partner`, `member`).
    public func callsLimit(_ family: String) -> Int64 {
        switch family {
        case "shop": shopCallsLimit
        case "partner": partnerCallsLimit
        case "member": memberCallsLimit
        default: 0
        }
    }
}
