/// The names under which the analytics rollup (`analytics_daily`) keeps its figures,
/// shared by the roller that writes them and the report that reads them.
///
/// A row is `(partner, day, metric, scope, subject) -> (plus, minus, n)`, additive.
/// `day` is the UTC day number (epoch milliseconds / 86,400,000), or ``stateDay`` for counters
/// that are a current state rather than a day's flow. `scope` is a shop id (0 = no
/// shop) or ``partnerScope`` for partner-wide figures that are not a sum of shops
/// (distinct members, firsts).
public enum AnalyticsMetric {
    /// Partner-wide scope.
    public static let partnerScope: Int64 = -1
    public static let millisPerDay: Int64 = 86_400_000

    /// Ledger entries of `type` at a shop: `plus` the positive points, `minus` the
    /// negative points (a negative number), `n` the entries.
    public static func ledger(_ type: String) -> String { "ledger:" + type }
    public static let ledgerPrefix = "ledger:"
    /// Customers who joined (partner scope), by day.
    public static let membersNew = "members_new"
    /// Members whose first activity in the scope fell on the day.
    public static let membersFirst = "members_first"
    /// Members whose latest activity in the scope falls on the day (a state: a member
    /// moves from day to day as they act), so "active in the last N days" is a sum.
    public static let lastActive = "last_active"
    /// First redemptions in the scope: `n` members, `plus` the milliseconds from joining.
    public static let firstRedemption = "first_redemption"
    /// Loyalty cards issued (partner scope), by day.
    public static let cardsNew = "cards_new"
    /// The `day` of counters that are a current state, not a day's flow.
    public static let stateDay: Int64 = -1
    /// Cards whose latest recorded tier is `name` (``stateDay``, partner scope).
    public static func tier(_ name: String) -> String { "tier:" + name }
    public static let tierPrefix = "tier:"
    /// Coupons claimed from offer `subject` (partner scope): `plus` the points paid.
    public static let offerClaim = "offer_claim"
    /// Plays of game `subject` (sessions started; stamps added on stamp cards).
    public static let gamePlay = "game_play"

    /// The ledger entry types that make a member active: they bought, redeemed or did
    /// a rewarded activity (expiry, adjustments and refunds do not).
    public static let activityTypes: Set<String> = ["earned", "redeemed", "activity"]

    public static func day(ofMillis ms: Int64) -> Int64 {
        ms >= 0 ? ms / millisPerDay : (ms - millisPerDay + 1) / millisPerDay
    }
}
