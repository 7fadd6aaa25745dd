/// A partner's webhook endpoint. The secret is not part of the record: it is shown
/// once, on create and on rotate.
public struct Webhook: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var url: String
    /// Subscribed event types (see ``EventType``).
    public var events: [String]
    public var description: String?
    public var isActive: Bool
    /// Consecutive deliveries that exhausted every attempt; one success resets it.
    public var failureCount: Int64
    public var disabledReason: String?
    public var disabledAt: Int64?
    public var lastSuccessAt: Int64?
    public var lastFailureAt: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: Int64,
        partnerID: Int64,
        url: String,
        events: [String],
        description: String?,
        isActive: Bool,
        failureCount: Int64,
        disabledReason: String?,
        disabledAt: Int64?,
        lastSuccessAt: Int64?,
        lastFailureAt: Int64?,
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.partnerID = partnerID
        self.url = url
        self.events = events
        self.description = description
        self.isActive = isActive
        self.failureCount = failureCount
        self.disabledReason = disabledReason
        self.disabledAt = disabledAt
        self.lastSuccessAt = lastSuccessAt
        self.lastFailureAt = lastFailureAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a webhook create or update asks for; `nil` leaves a field as it is.
public struct WebhookChange: Sendable {
    public var url: String?
    public var events: [String]?
    /// `.some(nil)` clears the description.
    public var description: String??
    public var isActive: Bool?

    public init(url: String? = nil, events: [String]? = nil, description: String?? = nil, isActive: Bool? = nil) {
        self.url = url
        self.events = events
        self.description = description
        self.isActive = isActive
    }
}

/// One event's delivery to one endpoint: the body is fixed when it is queued, so every
/// attempt sends the same bytes under the same `X-Loyalty-Delivery` id.
public struct WebhookDelivery: Sendable, Hashable {
    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for its next attempt (or being attempted).
        case pending
        case delivered
        /// Every attempt failed.
        case failed
        /// Dropped unsent because the endpoint was disabled.
        case dropped
    }

    public var id: Int64
    /// The public delivery id (`X-Loyalty-Delivery`, body `id`).
    public var uuid: String
    public var partnerID: Int64
    public var webhookID: Int64
    /// The event's position in the feed; `nil` for test events.
    public var eventSeq: Int64?
    public var eventType: String
    public var body: String
    public var status: Status
    public var attempts: Int64
    public var maxAttempts: Int64
    public var nextAttemptAt: Int64?
    public var createdAt: Int64
    public var completedAt: Int64?
    /// The successful attempt, when there was one (it is stored on the delivery).
    public var success: WebhookAttempt?
    /// Filled by the delivery log: every attempt, failed ones first, in order.
    public var log: [WebhookAttempt] = []

    public init(
        id: Int64,
        uuid: String,
        partnerID: Int64,
        webhookID: Int64,
        eventSeq: Int64?,
        eventType: String,
        body: String,
        status: Status,
        attempts: Int64,
        maxAttempts: Int64,
        nextAttemptAt: Int64?,
        createdAt: Int64,
        completedAt: Int64?
    ) {
        self.id = id
        self.uuid = uuid
        self.partnerID = partnerID
        self.webhookID = webhookID
        self.eventSeq = eventSeq
        self.eventType = eventType
        self.body = body
        self.status = status
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.completedAt = completedAt
    }
}

/// One HTTP attempt of a delivery, as the delivery log shows it.
public struct WebhookAttempt: Sendable, Hashable {
    public var attempt: Int64
    /// `nil` when no HTTP answer came (refused, timed out, blocked target).
    public var statusCode: Int64?
    public var error: String?
    public var durationMillis: Int64
    public var responseExcerpt: String?
    public var createdAt: Int64

    public init(attempt: Int64, statusCode: Int64?, error: String?, durationMillis: Int64, responseExcerpt: String?, createdAt: Int64) {
        self.attempt = attempt
        self.statusCode = statusCode
        self.error = error
        self.durationMillis = durationMillis
        self.responseExcerpt = responseExcerpt
        self.createdAt = createdAt
    }

    public var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }
}

/// An event as the feed returns it.
public struct PublishedEvent: Sendable, Hashable {
    /// The feed cursor: events are numbered in publication order (see the feed).
    public var seq: Int64
    public var uuid: String
    public var partnerID: Int64
    public var shopID: Int64?
    public var type: String
    /// The event's `data` object, serialized.
    public var data: String
    public var createdAt: Int64

    public init(seq: Int64, uuid: String, partnerID: Int64, shopID: Int64?, type: String, data: String, createdAt: Int64) {
        self.seq = seq
        self.uuid = uuid
        self.partnerID = partnerID
        self.shopID = shopID
        self.type = type
        self.data = data
        self.createdAt = createdAt
    }
}

/// The event types a webhook can subscribe to and the feed can filter on.
public enum EventType {
    public static let transactionCreated = "transaction.created"
    public static let pointsAwarded = "points.awarded"
    public static let pointsDeducted = "points.deducted"
    public static let pointsExpired = "points.expired"
    public static let pointsTransferred = "points.transferred"
    public static let pointsAdjusted = "points.adjusted"
    public static let tierChanged = "tier.changed"
    public static let couponRedeemed = "coupon.redeemed"
    public static let couponCreated = "coupon.created"
    public static let couponCancelled = "coupon.cancelled"
    public static let couponExpired = "coupon.expired"
    public static let offerCreated = "offer.created"
    public static let offerUpdated = "offer.updated"
    public static let offerDeleted = "offer.deleted"
    public static let gameSessionStarted = "game.session_started"
    public static let gameCompleted = "game.completed"
    public static let gameRewardClaimed = "game.reward_claimed"
    public static let stampAdded = "stamp.added"
    public static let cardIssued = "card.issued"
    public static let customerCreated = "customer.created"
    public static let customerErased = "customer.erased"
    public static let webhookDisabled = "webhook.disabled"
    public static let webhookTest = "webhook.test"

    /// Every subscribable type with a one-line description (`GET .../webhooks/events`).
    public static let catalogue: [(String, String)] = [
        (transactionCreated, "Any transaction: purchase, award, refund, adjustment, transfer, activity"),
        (pointsAwarded, "Points were added to a card"),
        (pointsDeducted, "Points were taken from a card (redemption, refund, adjustment, transfer)"),
        (pointsExpired, "Points lapsed under the expiry policy"),
        (pointsTransferred, "Points moved from one customer to another"),
        (pointsAdjusted, "A manual adjustment with reason and actor"),
        (tierChanged, "A customer's tier changed (automatic, manual or override expiry)"),
        (couponCreated, "A coupon was issued: an offer claimed by a member or by a shop for one"),
        (couponRedeemed, "A coupon was redeemed at a shop"),
        (couponCancelled, "A coupon was cancelled (points returned per the offer's policy)"),
        (couponExpired, "A coupon expired unused (points returned per the offer's policy)"),
        (offerCreated, "An offer was created"),
        (offerUpdated, "An offer's terms changed"),
        (offerDeleted, "An offer was withdrawn"),
        (gameSessionStarted, "A member started a game session (its outcome committed, its cost paid)"),
        (gameCompleted, "A game was completed: a stamp card filled, a session finished, a collection or challenge done"),
        (gameRewardClaimed, "A game's prize was granted (points or a coupon)"),
        (stampAdded, "Stamps were added to a card's stamp game"),
        (cardIssued, "A loyalty card was issued to a customer"),
        (customerCreated, "A customer was created"),
        (customerErased, "A customer's personal data was erased (GDPR); erase your copies too"),
        (webhookDisabled, "A webhook endpoint was disabled after repeated failed deliveries"),
        (webhookTest, "A test event sent on request to one endpoint"),
    ]

    public static let all: Set<String> = Set(catalogue.map(\.0))
}
