import Logging
import LoyaltyCore
import LoyaltyStore
import ServiceLifecycle

/// Runs ``AnalyticsRoller`` every `LOYALTY_ANALYTICS_SECONDS` (default 10, 0 = off):
/// the lag of analytics figures. Every node may run it; the roller's row locks let one
/// node fold each source at a time. A failed tick is logged and retried at the next.
struct AnalyticsRollService: Service {
    let roller: AnalyticsRoller
    let intervalSeconds: Double
    let logger: Logger
    /// The schema must exist before the first tick.
    let ready: StartupGate
    let heartbeats: Heartbeats

    func run() async throws {
        // A service that returns ends the whole application: when rolling is off, idle until shutdown.
        guard intervalSeconds > 0 else {
            try? await gracefulShutdown()
            return
        }
        await repeatUntilShutdown(
            ready: ready,
            pause: .milliseconds(Int(intervalSeconds * 1000)),
            logger: logger,
            label: "analytics roll",
            onStart: { heartbeats.start(.analytics) },
            onRound: { heartbeats.beat(.analytics) }
        ) {
            let folded = try await roller.rollAll()
            if folded > 0 { logger.debug("analytics: \(folded) rows rolled up") }
        }
    }
}
