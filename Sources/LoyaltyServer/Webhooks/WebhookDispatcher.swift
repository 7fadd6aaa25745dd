import AsyncHTTPClient
import Foundation
import Logging
import LoyaltyCore
import LoyaltyStore
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// Publishes outbox facts to the event feed and delivers webhooks: the background
/// half of the outbox.
///
/// One loop per node: publish a batch, claim as many due attempts as there are free
/// slots (``AppConfig/webhookConcurrency``), send them concurrently, and record the
/// finished ones in one transaction. Several nodes on one PostgreSQL share the queue
/// (see ``DeliveryQueue``). Delivery is at least once and per-endpoint order is not
/// kept: retries and parallel attempts overtake each other, so receivers dedupe on
/// `X-Loyalty-Delivery` and order by the body's `created_at` (or the feed's cursor).
public final class WebhookDispatcher: Sendable {
    let publisher: EventPublisher
    let queue: DeliveryQueue
    let events: any EventRepository
    let policy: DeliveryQueue.Policy
    let targets: WebhookTargetPolicy
    let config: AppConfig
    let logger: Logger
    private let http: HTTPClient.Configuration
    /// Created on first use, so services built only to serve requests (tests, CLI)
    /// own no client to shut down.
    private let clientBox = Mutex<HTTPClient?>(nil)
    private let finished = Mutex<[DeliveryQueue.Outcome]>([])
    private let inFlight = Atomic<Int>(0)
    private let lastPrune = Atomic<Int64>(0)

    let clock: any WallClock

    init(
        database: any DatabaseClient,
        events: any EventRepository,
        config: AppConfig,
        targets: WebhookTargetPolicy,
        clock: any WallClock,
        logger: Logger
    ) {
        self.clock = clock
        self.publisher = EventPublisher(database: database, clock: clock)
        self.queue = DeliveryQueue(database: database, clock: clock)
        self.events = events
        self.config = config
        self.targets = targets
        self.logger = logger
        self.policy = DeliveryQueue.Policy(
            scheduleMillis: config.webhookRetryScheduleMillis,
            disableAfter: config.webhookDisableAfter,
            leaseMillis: Int64(config.webhookLeaseSeconds * 1000)
        )
        var http = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .milliseconds(Int64(config.webhookTimeoutSeconds * 1000)))
        )
        http.httpVersion = .http1Only
        http.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, min(config.webhookConcurrency, 256))
        )
        http.decompression = .disabled
        self.http = http
    }

    private var client: HTTPClient {
        clientBox.withLock { box in
            if let c = box { return c }
            let c = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
            box = c
            return c
        }
    }

    /// Closes the HTTP client if one was opened. Call once the dispatcher is done.
    public func shutdown() async {
        if let c = clientBox.withLock({ box -> HTTPClient? in
            defer { box = nil }
            return box
        }) {
            try? await c.shutdown()
        }
    }

    /// What one ``tick()`` did.
    public struct Tick: Sendable {
        public var published = EventPublisher.Report()
        public var attempted = 0
        public var recorded = 0
    }

    /// Runs until graceful shutdown, then lets attempts in flight finish and records them.
    /// Runs until graceful shutdown; `onRound` is called after every cycle that did not fail.
    func run(onRound: @Sendable () -> Void = {}) async {
        let stopping = Atomic<Bool>(false)
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
                    var progressed = false
                    do {
                        let tick = try await step { claim in group.addTask { await self.attemptAndKeep(claim) } }
                        progressed = tick.published.facts > 0 || tick.attempted > 0 || tick.recorded > 0
                        onRound()
                    } catch {
                        logger.warning("webhook dispatcher: \(error)")
                    }
                    if !progressed {
                        try? await Task.sleep(for: .milliseconds(config.webhookPollMillis))
                    } else if inFlight.load(ordering: .relaxed) >= config.webhookConcurrency {
                        try? await Task.sleep(for: .milliseconds(2))
                    }
                }
            }
            _ = try? await record()
        } onGracefulShutdown: {
            stopping.store(true, ordering: .relaxed)
        }
        await shutdown()
    }

    /// Publishes, claims and attempts everything due, waits for those attempts, and
    /// records them: the whole cycle once, for tests and the CLI.
    @discardableResult
    public func tick() async throws -> Tick {
        var claims: [DeliveryQueue.Claim] = []
        var tick = try await step { claims.append($0) }
        let outcomes = await withTaskGroup(of: DeliveryQueue.Outcome.self) { group in
            for c in claims { group.addTask { await self.attempt(c) } }
            var out: [DeliveryQueue.Outcome] = []
            for await o in group { out.append(o) }
            return out
        }
        finished.withLock { $0.append(contentsOf: outcomes) }
        tick.recorded += try await record()
        return tick
    }

    /// One publish, one claim (handing each claim to `start`), one record, and
    /// retention now and then.
    private func step(_ start: (DeliveryQueue.Claim) -> Void) async throws -> Tick {
        var tick = Tick()
        var free = config.webhookConcurrency - inFlight.load(ordering: .relaxed)
        tick.published = try await publisher.publish(limit: 1000, maxAttempts: policy.maxAttempts, claim: (free, policy.leaseMillis))
        inFlight.add(tick.published.claims.count, ordering: .relaxed)
        for c in tick.published.claims { start(c) }
        tick.attempted = tick.published.claims.count
        free -= tick.published.claims.count
        if free > 0 {
            let claims = try await queue.claim(limit: free, leaseMillis: policy.leaseMillis)
            inFlight.add(claims.count, ordering: .relaxed)
            for c in claims { start(c) }
            tick.attempted += claims.count
        }
        tick.recorded = try await record()
        try await pruneIfDue()
        return tick
    }

    private func attemptAndKeep(_ claim: DeliveryQueue.Claim) async {
        let outcome = await attempt(claim)
        finished.withLock { $0.append(outcome) }
    }

    /// Records finished attempts; on failure they are kept for the next try (their
    /// leases keep the deliveries from being claimed again meanwhile).
    private func record() async throws -> Int {
        let batch = finished.withLock { f -> [DeliveryQueue.Outcome] in
            defer { f.removeAll(keepingCapacity: true) }
            return f
        }
        guard !batch.isEmpty else { return 0 }
        do {
            let disabled = try await queue.complete(batch, policy: policy)
            for id in disabled { logger.notice("webhook \(id) disabled after \(policy.disableAfter) failed deliveries") }
        } catch {
            finished.withLock { $0.insert(contentsOf: batch, at: 0) }
            throw error
        }
        inFlight.subtract(batch.count, ordering: .relaxed)
        return batch.count
    }

    /// Retention, every 10 s: batches of 5,000 until a batch comes back short, at most
    /// 20 per table per run, so up to 10,000 facts and deliveries a second can expire
    /// without one run holding the loop for long.
    private func pruneIfDue() async throws {
        let now = clock.nowMillis()
        guard now - lastPrune.load(ordering: .relaxed) > 10_000 else { return }
        lastPrune.store(now, ordering: .relaxed)
        let cutoff = now - Int64(config.eventRetentionDays * 86_400_000)
        for _ in 0..<20 { if try await events.prune(before: cutoff, limit: 5000) < 5000 { break } }
        for _ in 0..<20 { if try await queue.prune(before: cutoff, limit: 5000) < 5000 { break } }
    }

    /// One HTTP attempt: signed POST, no redirects, bounded time, first 512 bytes of
    /// the answer kept for the log.
    func attempt(_ claim: DeliveryQueue.Claim) async -> DeliveryQueue.Outcome {
        let started = DispatchTime.now().uptimeNanoseconds
        func outcome(_ status: Int64?, _ error: String?, _ excerpt: String?) -> DeliveryQueue.Outcome {
            let ms = Int64((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
            return DeliveryQueue.Outcome(
                claim: claim,
                statusCode: status,
                error: error,
                durationMillis: ms,
                responseExcerpt: excerpt,
                finishedAt: clock.nowMillis()
            )
        }
        if let problem = await targets.check(claim.url) { return outcome(nil, "target refused: \(problem)", nil) }
        let body = Array(claim.body.utf8)
        var request = HTTPClientRequest(url: claim.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "loyalty-webhooks/\(config.version)")
        request.headers.add(name: "X-Loyalty-Event", value: claim.eventType)
        request.headers.add(name: "X-Loyalty-Delivery", value: claim.uuid)
        request.headers.add(name: "X-Loyalty-Attempt", value: String(claim.attempt))
        request.headers.add(name: WebhookSigner.signatureHeader, value: WebhookSigner.signature(body: body, secret: claim.secret))
        request.headers.add(
            name: WebhookSigner.timestampedHeader,
            value: WebhookSigner.timestamped(body: body, secret: claim.secret, unixSeconds: clock.nowMillis() / 1000)
        )
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(config.webhookTimeoutSeconds * 1000)))
            var excerpt: [UInt8] = []
            for try await chunk in response.body {
                excerpt.append(contentsOf: chunk.readableBytesView.prefix(512 - excerpt.count))
                if excerpt.count >= 512 { break }
            }
            return outcome(Int64(response.status.code), nil, excerpt.isEmpty ? nil : String(decoding: excerpt, as: UTF8.self))
        } catch {
            return outcome(nil, Self.describe(error), nil)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            case .remoteConnectionClosed: return "connection closed by receiver"
            default: return String(describing: e)
            }
        }
        let text = String(describing: error)
        return text.contains("connectionRefused") || text.contains("Connection refused") ? "connection refused" : String(text.prefix(300))
    }
}

/// Runs the node's ``WebhookDispatcher`` for the application's lifetime.
struct WebhookDispatcherService: Service {
    let dispatcher: WebhookDispatcher
    /// The schema must exist before the first cycle.
    let ready: StartupGate
    let heartbeats: Heartbeats

    func run() async throws {
        // Shutdown before the gate opens (a failed migration) must not hang here.
        do { try await cancelWhenGracefulShutdown { try await ready.wait() } } catch { return }
        heartbeats.start(.webhookDispatcher)
        await dispatcher.run(onRound: { heartbeats.beat(.webhookDispatcher) })
    }
}
