import Hummingbird
import Logging
import LoyaltyCore
import LoyaltyStore
import ServiceLifecycle

/// Runs ``LotSweeper`` every `LOYALTY_SWEEP_SECONDS` (default 60, 0 = off): matures
/// pending lots, expires lapsed ones, then tier housekeeping, then closes coupons past
/// their expiry (returning points per the offer's policy). Every node may run it:
/// the sweeper's batches skip cards another node holds. A failed tick is logged and
/// retried at the next one.
struct LotSweeperService: Service {
    let sweeper: LotSweeper
    let coupons: any CouponRepository
    let intervalSeconds: Double
    let logger: Logger
    /// The schema must exist before the first tick.
    let ready: StartupGate
    let heartbeats: Heartbeats

    func run() async throws {
        // A service that returns ends the whole application: when sweeping is off, idle until shutdown.
        guard intervalSeconds > 0 else {
            try? await gracefulShutdown()
            return
        }
        try? await cancelWhenGracefulShutdown {
            try await ready.wait()
            heartbeats.start(.sweeper)
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(Int(intervalSeconds * 1000)))
                await tick()
            }
        }
    }

    func tick() async {
        let now = heartbeats.clock.nowMillis()
        do {
            let matured = try await sweeper.mature(now: now)
            let expired = try await sweeper.expire(now: now)
            let tiers = try await sweeper.tiers(now: now)
            var coupons = 0
            while true {
                let n = try await self.coupons.expireDue(limit: 500)
                coupons += n
                if n < 500 { break }
            }
            if coupons > 0 { logger.info("sweep: \(coupons) coupons expired") }
            if matured + expired.lots + tiers > 0 {
                logger.info(
                    "sweep: \(matured) cards matured, \(expired.lots) lots expired (\(expired.points) points on \(expired.cards) cards), \(tiers) tier evaluations"
                )
            }
            heartbeats.beat(.sweeper)
        } catch is CancellationError {
            return  // shutting down
        } catch {
            logger.error("sweep failed: \(String(reflecting: error))")
        }
    }
}
