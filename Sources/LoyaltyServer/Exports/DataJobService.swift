import Logging
import LoyaltyCore
import LoyaltyStore
import ServiceLifecycle

/// Claims queued export and import jobs and runs them, `LOYALTY_JOB_WORKERS` at a
/// time on this node (default 1; 0 = this node runs none). Any node may run any job:
/// claiming is a `SKIP LOCKED` row lock, and a job whose node stops renewing its lease
/// (60 s) is claimed again and starts over. Also turns completed exports past their
/// expiry into `expired`, deleting their files.
struct DataJobService: Service {
    let runner: DataJobRunner
    let workers: Int
    let ready: StartupGate
    let logger: Logger
    /// How often an idle worker looks for work.
    static let pollMillis = 500

    func run() async throws {
        guard workers > 0 else {
            try? await gracefulShutdown()
            return
        }
        try? await cancelWhenGracefulShutdown {
            try await ready.wait()
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<workers {
                    group.addTask { await loop(sweeper: worker == 0) }
                }
            }
        }
    }

    /// How often expired exports are swept.
    static let expiryMillis: Int64 = 60_000

    func loop(sweeper: Bool) async {
        let services = runner.services
        var lastSweep: Int64 = 0
        while !Task.isCancelled {
            do {
                let now = services.clock.nowMillis()
                if sweeper, now - lastSweep >= Self.expiryMillis {
                    _ = try await services.dataJobs.expire(now: now)
                    lastSweep = now
                }
                // A read first: an idle node polls without opening a write transaction.
                if try await services.dataJobs.hasClaimable(now: now),
                    let job = try await services.dataJobs.claim(now: now, leaseMillis: DataJobRunner.leaseMillis)
                {
                    await runner.run(job)
                    continue
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("jobs: \(String(reflecting: error))")
            }
            try? await Task.sleep(for: .milliseconds(Self.pollMillis))
        }
    }
}
