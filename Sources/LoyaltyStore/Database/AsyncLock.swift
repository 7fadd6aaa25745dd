/// A FIFO mutual-exclusion lock for async code.
///
/// Actors are re-entrant across `await`, so an actor alone cannot keep a transaction's
/// statements together; this lock can. Waiters are resumed in arrival order.
actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
    }

    func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        await lock()
        defer { unlock() }
        return try await body()
    }
}

/// A fixed set of resources leased one caller at a time (SQLite reader connections).
actor ResourcePool<Resource: Sendable> {
    private var free: [Resource]
    private var waiters: [CheckedContinuation<Resource, Never>] = []

    init(_ resources: [Resource]) { self.free = resources }

    func acquire() async -> Resource {
        if let r = free.popLast() { return r }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func release(_ r: Resource) {
        if waiters.isEmpty { free.append(r) } else { waiters.removeFirst().resume(returning: r) }
    }

    func drain() -> [Resource] {
        defer { free = [] }
        return free
    }
}
