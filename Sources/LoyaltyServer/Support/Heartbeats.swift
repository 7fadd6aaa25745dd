import LoyaltyCore
import Synchronization

/// When each background loop of this node started and last completed a round, and
/// whether the realtime listener holds its connection: what the health endpoint reports
/// instead of assuming that a configured service runs.
///
/// A loop calls ``start(_:)`` once it may run (after migrations) and ``beat(_:)`` at the
/// end of every round that did not fail; the listener calls ``startListener()`` and
/// ``setConnected(_:)`` when its `LISTEN` starts and ends. A loop that was started but
/// has not completed a round in time is `stale`, never `starting` forever.
final class Heartbeats: Sendable {
    enum Loop: String, CaseIterable, Sendable {
        case sweeper
        case webhookDispatcher = "webhook_dispatcher"
        case qrSessionExpiry = "qr_session_expiry"
        case analytics
    }

    /// What health reports for a loop or the listener.
    enum Status: String, Sendable {
        /// Not started yet (migrations running, or an app built without its services).
        case starting
        case operational
        /// Started, but its last round (or its first) is overdue.
        case stale
        /// The listener lost its connection, or never got one after starting.
        case down
        /// Configured off.
        case disabled
    }

    /// Slack on top of two intervals before a round is overdue, and how long a started
    /// listener may take to connect.
    static let graceMillis: Int64 = 10_000

    private struct State {
        var started: [Loop: Int64] = [:]
        var lastBeat: [Loop: Int64] = [:]
        var listenerStarted: Int64?
        var listenerConnected: Bool?
    }

    private let state = Mutex(State())
    /// The time a beat records (and the loops' own clock).
    let clock: any WallClock

    init(clock: any WallClock) {
        self.clock = clock
    }

    func start(_ loop: Loop) {
        let now = clock.nowMillis()
        state.withLock { $0.started[loop] = $0.started[loop] ?? now }
    }

    func beat(_ loop: Loop) {
        let now = clock.nowMillis()
        state.withLock {
            $0.started[loop] = $0.started[loop] ?? now
            $0.lastBeat[loop] = now
        }
    }

    func lastBeat(_ loop: Loop) -> Int64? {
        state.withLock { $0.lastBeat[loop] }
    }

    /// `loop`'s status at `now`, for a loop that runs a round every `intervalSeconds`.
    func status(of loop: Loop, intervalSeconds: Double, enabled: Bool, now: Int64) -> Status {
        guard enabled else { return .disabled }
        let (started, last) = state.withLock { ($0.started[loop], $0.lastBeat[loop]) }
        let allowed = Int64(2 * intervalSeconds * 1000) + Self.graceMillis
        if let last { return now - last <= allowed ? .operational : .stale }
        guard let started else { return .starting }
        return now - started <= allowed ? .starting : .stale
    }

    func startListener() {
        let now = clock.nowMillis()
        state.withLock { $0.listenerStarted = $0.listenerStarted ?? now }
    }

    func setConnected(_ connected: Bool) {
        state.withLock { $0.listenerConnected = connected }
    }

    /// The realtime listener's status at `now`.
    func listenerStatus(now: Int64) -> Status {
        let (started, connected) = state.withLock { ($0.listenerStarted, $0.listenerConnected) }
        switch connected {
        case true?: return .operational
        case false?: return .down
        case nil:
            guard let started else { return .starting }
            return now - started <= Self.graceMillis ? .starting : .down
        }
    }
}
