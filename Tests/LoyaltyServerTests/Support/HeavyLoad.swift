/// One stress test at a time: the tests that race hundreds of requests against one
/// database each assume the machine's two cores are theirs; run side by side (Swift
/// Testing runs suites in parallel) they starve each other into the 10 s database
/// deadline, which would be a failure of the test setup, not of the code under test.
actor HeavyLoad {
    static let gate = HeavyLoad()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` while no other heavy test runs.
    static func exclusive<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await gate.acquire()
        do {
            let result = try await body()
            await gate.release()
            return result
        } catch {
            await gate.release()
            throw error
        }
    }

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}
