/// Webhook retry and auto-disable policy (`LOYALTY_WEBHOOK_RETRY_SCHEDULE`,
/// `LOYALTY_WEBHOOK_DISABLE_AFTER`, `LOYALTY_WEBHOOK_LEASE_SECONDS`).
public struct DeliveryPolicy: Sendable, Hashable {
    /// Delay before each attempt, in milliseconds; the first is normally 0. Its length
    /// is the number of attempts (an empty schedule is one immediate attempt).
    public var scheduleMillis: [Int64]
    /// Consecutive failed deliveries that disable an endpoint.
    public var disableAfter: Int64
    public var leaseMillis: Int64

    public init(scheduleMillis: [Int64], disableAfter: Int64, leaseMillis: Int64) {
        self.scheduleMillis = scheduleMillis.isEmpty ? [0] : scheduleMillis
        self.disableAfter = disableAfter
        self.leaseMillis = leaseMillis
    }

    public var maxAttempts: Int { scheduleMillis.count }

    /// Delay after failed attempt number `attempt` (1-based): the schedule's entry for
    /// the next attempt, its last entry beyond the end.
    public func delay(after attempt: Int64) -> Int64 {
        scheduleMillis[min(Int(attempt), scheduleMillis.count - 1)]
    }

    /// The endpoint's `disabled_reason` when this policy disables it.
    public var disabledReason: String { "\(disableAfter) consecutive deliveries failed" }
}
