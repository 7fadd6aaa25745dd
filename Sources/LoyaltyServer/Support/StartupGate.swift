import Synchronization

/// Opens once (migrations done); background services wait on it before touching tables.
public final class StartupGate: Sendable {
    private let isOpen = Atomic<Bool>(false)

    public init() {}

    public func open() { isOpen.store(true, ordering: .releasing) }

    /// Returns once open; throws `CancellationError` if the task is cancelled first (a
    /// failed migration shuts the application down before the gate opens).
    public func wait() async throws {
        while !isOpen.load(ordering: .acquiring) {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
