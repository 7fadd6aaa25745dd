import Logging
import LoyaltyStore
import ServiceLifecycle

/// Once a second, announces the QR sessions that expired (see
/// ``QRSessionService/expireDue(now:)``). Runs on every node; each expiry is claimed by
/// one of them.
struct QRSessionExpiryService: Service {
    let sessions: QRSessionService
    let logger: Logger
    let ready: StartupGate

    func run() async throws {
        try await ready.wait()
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await sessions.expireDue(now: Clock.nowMillis())
                } catch {
                    logger.warning("QR session expiry failed: \(error)")
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
