import Logging
import LoyaltyCore
import LoyaltyStore
import ServiceLifecycle

/// Once a second, announces the QR sessions that expired (see
/// ``QRSessionService/expireDue(now:)``). Runs on every node; each expiry is claimed by
/// one of them.
struct QRSessionExpiryService: Service {
    let sessions: QRSessionService
    let logger: Logger
    let ready: StartupGate
    let heartbeats: Heartbeats

    func run() async throws {
        await repeatUntilShutdown(
            ready: ready,
            pause: .seconds(1),
            logger: logger,
            label: "QR session expiry",
            onStart: { [heartbeats] in heartbeats.start(.qrSessionExpiry) },
            onRound: { [heartbeats] in heartbeats.beat(.qrSessionExpiry) }
        ) {
            _ = try await sessions.expireDue(now: heartbeats.clock.nowMillis())
        }
    }
}
