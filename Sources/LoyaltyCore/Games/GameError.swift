/// Why a game request is refused (mapped to HTTP in the server's error mapping).
public enum GameError: Error, Equatable, Sendable {
    case gameNotFound
    case sessionNotFound
    /// The game cannot be played now, or not this way (the reason is named).
    case notPlayable(PlayRefusal)
    /// The game is not of the type the endpoint serves (e.g. stamps on a wheel).
    case wrongType(expected: String)
    case sessionExpired
    case rewardAlreadyClaimed
    case stamps(StampRefusal)
    case alreadyCompleted
    /// The member still holds an open coupon from a game that allows one at a time.
    case activeCouponHeld
    /// A coupon prize names an offer that is not the partner's.
    case prizeOfferNotFound(position: Int)
    case questionNotFound(Int64)
}
