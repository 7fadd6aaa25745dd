import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import NIOCore
import ServiceLifecycle

/// Runs the database client's background work (the PostgreSQL pool) for the
/// application's lifetime and closes it on shutdown.
struct DatabaseService: Service {
    let database: any DatabaseClient

    func run() async throws {
        // run() returns only when cancelled: turn graceful shutdown into cancellation.
        await cancelWhenGracefulShutdown {
            await database.run()
        }
        await database.shutdown()
    }
}

/// Builds the router with every API family. Used by ``buildApplication(services:)``
/// and directly by tests that drive the router without a socket.
public func buildRouter(services: AppServices, recorder: RouteRecorder = RouteRecorder()) -> Router<LoyaltyRequestContext> {
    let router = Router(context: LoyaltyRequestContext.self)
    router.add(middleware: EnvelopeMiddleware(routes: recorder))
    let health = HealthEndpoint(services: services)
    router.get("health", use: health.handle)
    router.get(":locale/shop/system/health", use: health.handle)
    recorder.record("GET", "/health")
    recorder.record("GET", "/:locale/shop/system/health")
    recorder.record("GET", "/openapi.yaml")
    router.get("openapi.yaml") { _, _ in
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
    }
    OAuthServer(services: services).register(router, recorder: recorder)
    recorder.record("GET", "/qr")
    router.get("qr", use: QRImageEndpoint().handle)
    ShopAPI(services: services).register(on: router, recorder: recorder)
    return router
}

/// The composition root: migrations (then `beforeServing`, e.g. seeding) before the
/// server accepts connections, the database client as a service, and the router.
/// `onServerRunning` is called with the bound port once the server accepts connections.
public func buildApplication(
    services: AppServices,
    logger: Logger,
    beforeServing: @escaping @Sendable () async throws -> Void = {},
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    var background: [any Service] = [
        DatabaseService(database: services.database),
        LotSweeperService(
            sweeper: services.sweeper,
            coupons: services.coupons,
            intervalSeconds: services.config.sweepIntervalSeconds,
            logger: logger.component("sweeper"),
            ready: services.migrated,
            heartbeats: services.heartbeats
        ),
        WebhookDispatcherService(dispatcher: services.dispatcher, ready: services.migrated, heartbeats: services.heartbeats),
        UsageFlushService(meter: services.usage, ready: services.migrated, logger: logger.component("usage")),
        DataJobService(
            runner: DataJobRunner(services: services, logger: logger.component("jobs")),
            workers: services.config.jobWorkers,
            ready: services.migrated,
            logger: logger.component("jobs")
        ),
        AnalyticsRollService(
            roller: services.analyticsRoller,
            intervalSeconds: services.config.analyticsIntervalSeconds,
            logger: logger.component("analytics"),
            ready: services.migrated,
            heartbeats: services.heartbeats
        ),
        QRSessionExpiryService(
            sessions: QRSessionService(services: services),
            logger: logger.component("qr_sessions"),
            ready: services.migrated,
            heartbeats: services.heartbeats
        ),
    ]
    if let channel = services.database.notifications {
        background.append(
            PostgresRealtimeListener(
                database: channel,
                hub: services.realtimeHub,
                logger: logger.component("realtime"),
                ready: services.migrated,
                heartbeats: services.heartbeats
            )
        )
    }
    let socket = PusherSocket(hub: services.realtimeHub, appKey: services.config.realtimeKey)
    // One port for HTTP and the Pusher-protocol WebSocket (`/app/{key}`); the socket's
    // liveness is the WebSocket ping every 30 s, not the HTTP idle timeout.
    let server = HTTPServerBuilder.http1WebSocketUpgrade(
        configuration: .init(
            http1: .init(idleTimeout: .milliseconds(Int64(services.config.idleTimeoutSeconds * 1000))),
            ws: .init(maxFrameSize: 1 << 16, autoPing: .enabled(timePeriod: .seconds(30)))
        ),
        shouldUpgrade: { head, _, _ in
            guard let path = head.path, PusherSocket.appKey(path: path) != nil else { return .dontUpgrade }
            return .upgrade([:]) { inbound, outbound, _ in
                try await socket.run(path: path, inbound: inbound, outbound: outbound)
            }
        }
    )
    var app = Application(
        router: buildRouter(services: services),
        server: server,
        configuration: .init(address: .hostname(services.config.host, port: services.config.port), serverName: "loyalty"),
        services: background,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? services.config.port) },
        logger: logger
    )
    app.beforeServerStarts {
        try await Migrator(database: services.database).migrate()
        services.migrated.open()
        try await beforeServing()
    }
    return app
}
