/// How a batch of finished webhook attempts moves their deliveries and endpoints.
///
/// Contract, given the attempts (in completion order), the ``DeliveryPolicy`` and the time:
/// - a successful attempt delivers its delivery;
/// - a failed attempt before the delivery's last retries at `now + delay(after: attempt)`
///   (``retries``); a failed last attempt exhausts the delivery (``exhausted``);
/// - each move applies only while the delivery is still pending at that attempt (a
///   claim whose lease ran out is stale); the store reports which moved, and only those
///   count in ``endpointChanges(moved:)``;
/// - per endpoint, in completion order: a delivered event resets its run of failed
///   deliveries, an exhausted one adds one; `webhook.test` events neither count nor
///   reset. Every attempt that moved, and every failed one, stamps the endpoint's last
///   success or failure time;
/// - an endpoint whose run reaches `disableAfter` is disabled (``disables(_:storedCount:)``).
public struct DeliveryTally: Sendable {
    /// One finished attempt, as far as the tally cares.
    public struct Attempt: Sendable, Hashable {
        public var deliveryID: Int64
        public var webhookID: Int64
        public var eventType: String
        /// This attempt's number (1-based) and the delivery's allowance.
        public var attempt: Int64
        public var maxAttempts: Int64
        public var succeeded: Bool
        public var finishedAt: Int64

        public init(deliveryID: Int64, webhookID: Int64, eventType: String, attempt: Int64, maxAttempts: Int64, succeeded: Bool, finishedAt: Int64) {
            self.deliveryID = deliveryID
            self.webhookID = webhookID
            self.eventType = eventType
            self.attempt = attempt
            self.maxAttempts = maxAttempts
            self.succeeded = succeeded
            self.finishedAt = finishedAt
        }

        /// The delivery has no attempt after this one.
        public var isLast: Bool { attempt >= maxAttempts }
        /// Whether the delivery counts towards (or resets) the endpoint's run of failures.
        public var counts: Bool { eventType != EventType.webhookTest }
    }

    /// Failed deliveries, all at attempt `attempt`, that are due again at `dueAt`.
    public struct Retry: Sendable, Hashable {
        public var attempt: Int64
        public var dueAt: Int64
        public var deliveryIDs: [Int64]

        public init(attempt: Int64, dueAt: Int64, deliveryIDs: [Int64]) {
            self.attempt = attempt
            self.dueAt = dueAt
            self.deliveryIDs = deliveryIDs
        }
    }

    /// Deliveries whose last attempt, number `attempt`, failed: finished as failed.
    public struct Exhausted: Sendable, Hashable {
        public var attempt: Int64
        public var deliveryIDs: [Int64]

        public init(attempt: Int64, deliveryIDs: [Int64]) {
            self.attempt = attempt
            self.deliveryIDs = deliveryIDs
        }
    }

    /// What the batch does to one endpoint's counters.
    public struct EndpointChange: Sendable, Hashable {
        public var webhookID: Int64
        /// A counted delivery succeeded: the run restarts from ``failures``.
        public var resetsCount: Bool
        /// Failed deliveries to add (after the last reset, when there was one).
        public var failures: Int64
        public var lastSuccessAt: Int64?
        public var lastFailureAt: Int64?

        /// The consecutive-failure count once applied to the stored one.
        public func failureCount(after stored: Int64) -> Int64 { resetsCount ? failures : stored + failures }
    }

    public let policy: DeliveryPolicy
    public let attempts: [Attempt]
    /// Grouped by attempt number (the store moves each group in one statement), in order of first appearance.
    public let retries: [Retry]
    public let exhausted: [Exhausted]

    public init(_ attempts: [Attempt], policy: DeliveryPolicy, now: Int64) {
        self.policy = policy
        self.attempts = attempts
        var retries: [Retry] = []
        var exhausted: [Exhausted] = []
        for a in attempts where !a.succeeded {
            if a.isLast {
                if let i = exhausted.firstIndex(where: { $0.attempt == a.attempt }) {
                    exhausted[i].deliveryIDs.append(a.deliveryID)
                } else {
                    exhausted.append(Exhausted(attempt: a.attempt, deliveryIDs: [a.deliveryID]))
                }
            } else if let i = retries.firstIndex(where: { $0.attempt == a.attempt }) {
                retries[i].deliveryIDs.append(a.deliveryID)
            } else {
                retries.append(Retry(attempt: a.attempt, dueAt: now + policy.delay(after: a.attempt), deliveryIDs: [a.deliveryID]))
            }
        }
        self.retries = retries
        self.exhausted = exhausted
    }

    /// Successful attempts: their deliveries are delivered.
    public var delivered: [Attempt] { attempts.filter(\.succeeded) }
    /// Failed attempts: each is logged.
    public var failed: [Attempt] { attempts.filter { !$0.succeeded } }

    /// The endpoints' counter changes, in order of first appearance, given the
    /// deliveries the store actually moved (stale attempts moved nothing).
    public func endpointChanges(moved: Set<Int64>) -> [EndpointChange] {
        var changes: [EndpointChange] = []
        var index: [Int64: Int] = [:]
        for a in attempts where moved.contains(a.deliveryID) || !a.succeeded {
            let i: Int
            if let known = index[a.webhookID] {
                i = known
            } else {
                i = changes.count
                index[a.webhookID] = i
                changes.append(EndpointChange(webhookID: a.webhookID, resetsCount: false, failures: 0))
            }
            if a.succeeded {
                changes[i].lastSuccessAt = a.finishedAt
                if a.counts {
                    changes[i].resetsCount = true
                    changes[i].failures = 0
                }
            } else {
                changes[i].lastFailureAt = a.finishedAt
                if moved.contains(a.deliveryID), a.isLast, a.counts { changes[i].failures += 1 }
            }
        }
        return changes
    }

    /// Whether the change takes an endpoint whose stored count is `storedCount` to the
    /// policy's limit. The store applies the same rule inside its `UPDATE`, against the
    /// count as other nodes left it.
    public func disables(_ change: EndpointChange, storedCount: Int64) -> Bool {
        change.failureCount(after: storedCount) >= policy.disableAfter
    }
}
