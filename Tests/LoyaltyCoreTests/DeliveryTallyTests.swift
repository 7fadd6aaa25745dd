import LoyaltyCore
import Testing

@Suite("Delivery tally: retries, exhaustion, consecutive failures, auto-disable")
struct DeliveryTallyTests {
    /// Three attempts: now, +1 min, +5 min; three failed deliveries in a row disable.
    let policy = DeliveryPolicy(scheduleMillis: [0, 60_000, 300_000], disableAfter: 3, leaseMillis: 30_000)
    let now: Int64 = 1_000_000

    /// Attempt `n` of delivery `delivery` (of `max`), finished at `at` (default: `now + delivery`).
    func attempt(
        _ delivery: Int64,
        hook: Int64 = 1,
        _ n: Int64,
        ok: Bool,
        at: Int64? = nil,
        type: String = EventType.transactionCreated,
        max: Int64 = 3
    ) -> DeliveryTally.Attempt {
        DeliveryTally.Attempt(
            deliveryID: delivery,
            webhookID: hook,
            eventType: type,
            attempt: n,
            maxAttempts: max,
            succeeded: ok,
            finishedAt: at ?? now + delivery
        )
    }

    @Test func failedAttemptsRetryOnTheScheduleUntilExhausted() {
        let t = DeliveryTally([attempt(1, 1, ok: false), attempt(2, 2, ok: false), attempt(3, 3, ok: false)], policy: policy, now: now)
        #expect(
            t.retries == [
                DeliveryTally.Retry(attempt: 1, dueAt: now + 60_000, deliveryIDs: [1]),
                DeliveryTally.Retry(attempt: 2, dueAt: now + 300_000, deliveryIDs: [2]),
            ]
        )
        #expect(t.exhausted == [DeliveryTally.Exhausted(attempt: 3, deliveryIDs: [3])])
        #expect(t.delivered.isEmpty && t.failed.map(\.deliveryID) == [1, 2, 3])
    }

    @Test func aDeliveryAllowedMoreAttemptsThanTheScheduleWaitsItsLastDelay() {
        // Queued under an older, longer schedule: the last delay repeats.
        let t = DeliveryTally([attempt(1, 5, ok: false, max: 10)], policy: policy, now: now)
        #expect(t.retries == [DeliveryTally.Retry(attempt: 5, dueAt: now + 300_000, deliveryIDs: [1])] && t.exhausted.isEmpty)
        #expect(policy.delay(after: 1) == 60_000 && policy.delay(after: 2) == 300_000 && policy.delay(after: 9) == 300_000)
    }

    @Test func anEmptyScheduleIsOneImmediateAttempt() {
        let once = DeliveryPolicy(scheduleMillis: [], disableAfter: 5, leaseMillis: 1)
        #expect(once.maxAttempts == 1 && once.scheduleMillis == [0])
        let t = DeliveryTally([attempt(1, 1, ok: false, max: Int64(once.maxAttempts))], policy: once, now: now)
        #expect(t.exhausted.map(\.deliveryIDs) == [[1]] && t.retries.isEmpty)
    }

    @Test func successResetsTheCount() throws {
        let t = DeliveryTally([attempt(1, 2, ok: true, at: 777)], policy: policy, now: now)
        let change = try #require(t.endpointChanges(moved: [1]).first)
        #expect(change.resetsCount && change.failures == 0 && change.lastSuccessAt == 777 && change.lastFailureAt == nil)
        #expect(change.failureCount(after: 2) == 0 && !t.disables(change, storedCount: 2))
        #expect(t.delivered.map(\.deliveryID) == [1] && t.retries.isEmpty && t.exhausted.isEmpty)
    }

    @Test func consecutiveExhaustedDeliveriesDisable() {
        // One exhausted delivery per batch: the stored count climbs 1, 2, 3; the third disables.
        var stored: Int64 = 0
        var disabledAt: [Int] = []
        for batch in 1...4 {
            let t = DeliveryTally([attempt(Int64(batch), 3, ok: false)], policy: policy, now: now)
            let change = t.endpointChanges(moved: [Int64(batch)])[0]
            #expect(change.failures == 1 && !change.resetsCount)
            if t.disables(change, storedCount: stored) { disabledAt.append(batch) }
            stored = change.failureCount(after: stored)
        }
        #expect(disabledAt == [3, 4] && stored == 4)
        // Three in one batch reach the limit at once.
        let t = DeliveryTally((1...3).map { attempt($0, 3, ok: false) }, policy: policy, now: now)
        let change = t.endpointChanges(moved: [1, 2, 3])[0]
        #expect(change.failures == 3 && t.disables(change, storedCount: 0))
    }

    @Test func onlyFailuresAfterTheLastSuccessCountInABatch() {
        let batch = [attempt(1, 3, ok: false, at: 10), attempt(2, 1, ok: true, at: 20), attempt(3, 3, ok: false, at: 30)]
        let t = DeliveryTally(batch, policy: policy, now: now)
        let change = t.endpointChanges(moved: [1, 2, 3])[0]
        #expect(change.resetsCount && change.failures == 1 && change.lastSuccessAt == 20 && change.lastFailureAt == 30)
        #expect(change.failureCount(after: 2) == 1 && !t.disables(change, storedCount: 2))
    }

    @Test func aFailedAttemptThatWillBeRetriedDoesNotCount() {
        let t = DeliveryTally([attempt(1, 1, ok: false, at: 40)], policy: policy, now: now)
        let change = t.endpointChanges(moved: [1])[0]
        #expect(change.failures == 0 && !change.resetsCount && change.lastFailureAt == 40)
        #expect(change.failureCount(after: 2) == 2 && !t.disables(change, storedCount: 2))
    }

    @Test func testEventsNeitherCountNorReset() {
        let t = DeliveryTally(
            [
                attempt(1, 3, ok: false, at: 10, type: EventType.webhookTest), attempt(2, 1, ok: true, at: 20, type: EventType.webhookTest),
            ],
            policy: policy,
            now: now
        )
        let change = t.endpointChanges(moved: [1, 2])[0]
        #expect(change.failures == 0 && !change.resetsCount && change.lastFailureAt == 10 && change.lastSuccessAt == 20)
        #expect(change.failureCount(after: 2) == 2)
        // The delivery itself still finishes as any other.
        #expect(t.exhausted.map(\.deliveryIDs) == [[1]])
    }

    @Test func staleAttemptsMoveNothingAndCountNothing() {
        let t = DeliveryTally([attempt(1, 3, ok: false, at: 10), attempt(2, 1, ok: true, at: 20)], policy: policy, now: now)
        // Neither delivery was still at that attempt: the failure stamps the time, the success is ignored.
        let changes = t.endpointChanges(moved: [])
        #expect(changes.count == 1 && changes[0].failures == 0 && changes[0].lastFailureAt == 10 && changes[0].lastSuccessAt == nil)
        let onlySuccess = DeliveryTally([attempt(2, 1, ok: true)], policy: policy, now: now)
        #expect(onlySuccess.endpointChanges(moved: []).isEmpty)
    }

    @Test func mixedBatchGroupsByAttemptAndEndpoint() {
        let t = DeliveryTally(
            [
                attempt(1, hook: 2, 1, ok: false, at: 1), attempt(2, hook: 1, 1, ok: true, at: 2), attempt(3, hook: 2, 1, ok: false, at: 3),
                attempt(4, hook: 1, 3, ok: false, at: 4), attempt(5, hook: 2, 2, ok: false, at: 5), attempt(6, hook: 3, 3, ok: false, at: 6),
            ],
            policy: policy,
            now: now
        )
        #expect(
            t.retries == [
                DeliveryTally.Retry(attempt: 1, dueAt: now + 60_000, deliveryIDs: [1, 3]),
                DeliveryTally.Retry(attempt: 2, dueAt: now + 300_000, deliveryIDs: [5]),
            ]
        )
        #expect(t.exhausted == [DeliveryTally.Exhausted(attempt: 3, deliveryIDs: [4, 6])])
        #expect(t.delivered.map(\.deliveryID) == [2] && t.failed.map(\.deliveryID) == [1, 3, 4, 5, 6])
        // Delivery 6 was stale: endpoint 3 only stamps its failure.
        let changes = t.endpointChanges(moved: [1, 2, 3, 4, 5])
        #expect(changes.map(\.webhookID) == [2, 1, 3])
        #expect(changes[0].failures == 0 && !changes[0].resetsCount && changes[0].lastFailureAt == 5)
        #expect(changes[1].resetsCount && changes[1].failures == 1 && changes[1].lastSuccessAt == 2 && changes[1].lastFailureAt == 4)
        #expect(changes[2].failures == 0 && changes[2].lastFailureAt == 6)
    }

    @Test func disabledReasonNamesTheLimit() {
        #expect(policy.disabledReason == "3 consecutive deliveries failed")
    }
}
