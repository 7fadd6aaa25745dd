import LoyaltyCore
import Synchronization

/// When each background loop of this node last completed a round, and whether the
/// realtime listener holds its connection: what the health endpoint reports instead of
/// assuming that a configured service runs.
///
/// A loop calls ``beat(_:)`` at the end of every round that did not fail; the
/// listener calls ``setConnected(_:)`` when its `LISTEN` starts and ends.
final class Heartbeats: Sendable {
    enum Loop: String, CaseIterable, Sendable {
        case sweeper
        case webhookDispatcher = "webhook_dispatcher"
        case qrSessionExpiry = "qr_session_expiry"
    }

    private struct State {
        var lastBeat: [Loop: Int64] = [:]
        var listener: ListenerState = .starting
    }

    enum ListenerState: String, Sendable {
        /// Not connected yet since this node started.
        case starting
        case operational
        /// Was connected, lost its connection, and is reconnecting.
        case down
    }

    private let state = Mutex(State())
    /// The time a beat records (and the loops' own clock).
    let clock: any WallClock

    init(clock: any WallClock) {
        self.clock = clock
    }

    func beat(_ loop: Loop) {
        let now = clock.nowMillis()
        state.withLock { $0.lastBeat[loop] = now }
    }

    func lastBeat(_ loop: Loop) -> Int64? {
        state.withLock { $0.lastBeat[loop] }
    }

    func setConnected(_ connected: Bool) {
        state.withLock { $0.listener = connected ? .operational : .down }
    }

    var listener: ListenerState { state.withLock { $0.listener } }
}
