import Foundation
import Hummingbird
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// `GET /health` and `GET /{locale}/shop/system/health`: not enveloped (as the real API).
///
/// Reports only what this server runs, each from a check made now:
/// - `database`: a round trip (with its latency); the credential check, the ledger and
///   the cards (`authentication`, `points_system`, `loyalty_cards`) need nothing else;
/// - `sweeper`, `webhook_dispatcher`, `qr_session_expiry`, `analytics`: the age of the loop's last
///   completed round (``Heartbeats``), `stale` when it is overdue, `disabled` when the
///   configuration turns the loop off, `starting` until its first round is due;
/// - `realtime`: on PostgreSQL whether this node's `LISTEN` connection is up; on SQLite
///   the hub is in-process (`local`); `starting` until the first connection.
///
/// A loop that started but has not finished a round within that time is `stale`, and a
/// listener that started but has not connected within 10 s is `down`; `starting`
/// means the loop has not been started (migrations still running).
///
/// `status` is `ok` when everything is operational, `degraded` otherwise; the answer is
/// 503 when the database does not answer (a load balancer should stop sending traffic)
/// and 200 otherwise.
struct HealthEndpoint: Sendable {
    let services: AppServices

    @Sendable func handle(_ request: Request, _ context: LoyaltyRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        var databaseOK = true
        do { try await services.database.ping() } catch { databaseOK = false }
        let latency = started.duration(to: .now)
        let now = services.clock.nowMillis()
        let config = services.config
        let dbState = databaseOK ? "operational" : "down"
        var states: [(String, String)] = [("authentication", dbState), ("points_system", dbState), ("loyalty_cards", dbState)]
        var checks: [(String, JSON)] = [
            ("database", .object([("status", .string(dbState)), ("latency_ms", .double(Self.milliseconds(latency)))]))
        ]
        func loop(_ loop: Heartbeats.Loop, everySeconds interval: Double, enabled: Bool) {
            let last = services.heartbeats.lastBeat(loop)
            let state = services.heartbeats.status(of: loop, intervalSeconds: interval, enabled: enabled, now: now).rawValue
            states.append((loop.rawValue, state))
            checks.append((loop.rawValue, .object([("status", .string(state)), ("last_round_ms_ago", last.map { .int(now - $0) } ?? .null)])))
        }
        loop(.sweeper, everySeconds: config.sweepIntervalSeconds, enabled: config.sweepIntervalSeconds > 0)
        loop(.webhookDispatcher, everySeconds: Double(config.webhookPollMillis) / 1000, enabled: true)
        loop(.qrSessionExpiry, everySeconds: 1, enabled: true)
        loop(.analytics, everySeconds: config.analyticsIntervalSeconds, enabled: config.analyticsIntervalSeconds > 0)
        let realtimeState = services.database.notifications != nil ? services.heartbeats.listenerStatus(now: now).rawValue : "local"
        states.append(("realtime", realtimeState))
        let healthy = states.allSatisfy { ["operational", "disabled", "local", "starting"].contains($0.1) }
        let body = JSON.object([
            ("status", .string(healthy ? "ok" : "degraded")),
            ("message", .string(healthy ? "All systems operational" : databaseOK ? "Some services are not operational" : "Database unavailable")),
            ("version", .string(config.version)), ("timestamp", .string(Timestamp.iso8601(now))),
            ("environment", .string(config.environment.rawValue)),
            ("database", .string(services.database.kind.rawValue)),
            ("services", .object(states.map { ($0.0, .string($0.1)) })),
            ("checks", .object(checks)),
            (
                "realtime",
                .object([
                    ("connections", .int(Int64(services.realtimeHub.counts.connections))),
                    ("channels", .int(Int64(services.realtimeHub.counts.channels))),
                    ("listener", .string(realtimeState)),
                ])
            ),
        ])
        return Envelope.response(status: databaseOK ? .ok : .serviceUnavailable, body: body.serialized())
    }

    /// A duration in milliseconds, to 0.01 ms.
    static func milliseconds(_ d: Duration) -> Double {
        ((Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15) * 100).rounded() / 100
    }
}
