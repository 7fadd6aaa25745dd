/// One play of a session game (J30-J33): started by a member, its outcome decided and
/// committed to at the start, played (progress), then claimed once.
public struct GameSession: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case active, completed, expired, cancelled
    }

    public var id: Int64
    public var partnerID: Int64
    public var gameID: Int64
    public var customerID: Int64
    public var cardID: Int64
    public var key: String
    /// The committed outcome (`prize:3`, `item:cup`, `quiz:1,0,2`) and its salt: kept
    /// secret until the claim reveals them.
    public var outcome: String
    public var salt: String
    public var commitment: String
    /// The prize slot a chance game drew (nil: no prize, or a quiz/collection).
    public var prizePosition: Int?
    public var score: Int64?
    public var level: Int64?
    /// The client's progress document (JSON text), and a quiz's answers.
    public var progressData: String?
    public var pointsCost: Int64
    public var pointsEarned: Int64
    public var couponID: Int64?
    public var claimedAt: Int64?
    public var startedAt: Int64
    public var expiresAt: Int64
    public var completedAt: Int64?

    public init(
        id: Int64,
        partnerID: Int64,
        gameID: Int64,
        customerID: Int64,
        cardID: Int64,
        key: String,
        outcome: String,
        salt: String,
        commitment: String,
        startedAt: Int64,
        expiresAt: Int64
    ) {
        self.id = id
        self.partnerID = partnerID
        self.gameID = gameID
        self.customerID = customerID
        self.cardID = cardID
        self.key = key
        self.outcome = outcome
        self.salt = salt
        self.commitment = commitment
        self.pointsCost = 0
        self.pointsEarned = 0
        self.startedAt = startedAt
        self.expiresAt = expiresAt
    }

    public var rewardClaimed: Bool { claimedAt != nil }

    /// The status at `now`: claimed sessions are completed; an unclaimed one past its
    /// expiry is expired (lazily, as coupons are).
    public func status(at now: Int64) -> Status {
        if claimedAt != nil { return .completed }
        return now >= expiresAt ? .expired : .active
    }
}
