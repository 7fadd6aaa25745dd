import LoyaltyCore
import Testing

@testable import LoyaltyServer

/// What health says of a background loop and of the realtime listener, over pinned time:
/// a started loop that never completes a round becomes `stale`, never `starting` forever.
@Suite struct HeartbeatsTests {
    @Test func aLoopIsStartingThenOperationalThenStale() {
        let clock = ManualWallClock(1_000_000)
        let beats = Heartbeats(clock: clock)
        func status() -> Heartbeats.Status {
            beats.status(of: .webhookDispatcher, intervalSeconds: 1, enabled: true, now: clock.nowMillis())
        }
        #expect(status() == .starting)  // not started: migrations still running
        beats.start(.webhookDispatcher)
        clock.advance(byMillis: 11_000)
        #expect(status() == .starting)  // within two intervals plus 10 s of its start
        clock.advance(byMillis: 2_000)
        #expect(status() == .stale)  // started 13 s ago, no round finished
        beats.beat(.webhookDispatcher)
        #expect(status() == .operational)
        clock.advance(byMillis: 12_001)
        #expect(status() == .stale)
        #expect(beats.status(of: .sweeper, intervalSeconds: 60, enabled: false, now: clock.nowMillis()) == .disabled)
    }

    @Test func aListenerThatNeverConnectsIsDown() {
        let clock = ManualWallClock(0)
        let beats = Heartbeats(clock: clock)
        #expect(beats.listenerStatus(now: clock.nowMillis()) == .starting)
        beats.startListener()
        clock.advance(byMillis: 10_001)
        #expect(beats.listenerStatus(now: clock.nowMillis()) == .down)
        beats.setConnected(true)
        #expect(beats.listenerStatus(now: clock.nowMillis()) == .operational)
        beats.setConnected(false)
        #expect(beats.listenerStatus(now: clock.nowMillis()) == .down)
    }
}
