import Logging
import ServiceLifecycle

/// The loop of a background service: once `ready` opens, runs `body` again and again
/// until graceful shutdown, pausing `pause` after each run. An error is logged as
/// `"<label> failed"` and the loop goes on; nothing escapes to end the application.
/// `onStart` is called once `ready` has opened; `onRound` after every run of `body`
/// that did not throw (a heartbeat).
func repeatUntilShutdown(
    ready: StartupGate,
    pause: Duration,
    logger: Logger,
    label: String,
    onStart: @escaping @Sendable () -> Void = {},
    onRound: @escaping @Sendable () -> Void = {},
    _ body: @escaping @Sendable () async throws -> Void
) async {
    try? await cancelWhenGracefulShutdown {
        try await ready.wait()
        onStart()
        while !Task.isCancelled {
            do {
                try await body()
                onRound()
            } catch {
                if Task.isCancelled { break }
                logger.warning("\(label) failed: \(error)")
            }
            try await Task.sleep(for: pause)
        }
    }
}
