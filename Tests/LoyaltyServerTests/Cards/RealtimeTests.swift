import Foundation
import Hummingbird
import Logging
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import LoyaltyTestSupport
import NIOCore
import NIOWebSocket
import Synchronization
import Testing
import WSClient

@testable import LoyaltyServer

/// The Pusher-protocol socket over a real WebSocket connection to the real server, and
/// the PostgreSQL LISTEN/NOTIFY fan-out between two nodes.
@Suite("Realtime (Pusher protocol 7)", .databases)
struct RealtimeTests {
    /// Starts the full application (HTTP and WebSocket on one port) on the database of
    /// `services`, with a client and services of its own (as a second process would),
    /// and passes its port and services to `body`.
    static func serve(_ services: AppServices, _ body: @Sendable (Int, AppServices) async throws -> Void) async throws {
        var logger = Logger(label: "realtime-test")
        logger.logLevel = .critical
        for _ in 0..<20 {
            var config = services.config
            // Below the test PostgreSQL clusters' ports (20000-31999) and the ephemeral range.
            config.port = Int.random(in: 10000..<20000)
            let live = AppServices(config: config, database: try await AppServices.openDatabase(config, logger: logger))
            let (ready, continuation) = AsyncStream<Int>.makeStream()
            let app = buildApplication(services: live, logger: logger, onServerRunning: { port in continuation.yield(port) })
            let task = Task {
                do { try await app.runService(gracefulShutdownSignals: []) } catch { continuation.yield(-1) }
                continuation.yield(-1)
            }
            var iterator = ready.makeAsyncIterator()
            if let port = await iterator.next(), port > 0 {
                do {
                    try await body(port, live)
                } catch {
                    await stop(task, live)
                    throw error
                }
                await stop(task, live)
                return
            }
            // The server did not start (the port was taken).
            await stop(task, live)
        }
        Issue.record("no port to serve on")
    }

    /// Cancels the served application and closes its database. The server may hold an
    /// upgraded WebSocket open past cancellation, so it gets 5 s to stop, not forever;
    /// the database is closed either way (its service may never have run; a second
    /// close is a no-op), so no connection is released unclosed.
    static func stop(_ task: Task<Void, Never>, _ live: AppServices) async {
        task.cancel()
        let stopped = Mutex(false)
        Task {
            await task.value
            stopped.withLock { $0 = true }
        }
        for _ in 0..<50 where !stopped.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(100)) }
        await live.database.shutdown()
    }

    /// Connects, runs `script` with a send function, and returns every frame received
    /// until `until` holds for one (or 10 s pass).
    static func session(
        port: Int,
        path: String = "/app/loyalty?protocol=7&client=test&version=1",
        script: @escaping @Sendable (_ send: @Sendable (String) async throws -> Void, _ frame: JSON) async throws -> Bool
    ) async throws -> [JSON] {
        let frames = FrameLog()
        var log = Logger(label: "ws-client")
        log.logLevel = .critical
        let logger = log
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)\(path)", logger: logger) { inbound, outbound, _ in
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        guard case let .text(text) = message, let json = try? JSONDecoder().decode(JSON.self, from: Data(text.utf8)) else { continue }
                        frames.append(json)
                        if try await script({ try await outbound.write(.text($0)) }, json) {
                            try await outbound.close(.normalClosure, reason: nil)
                            return
                        }
                    }
                }
            }
            group.addTask {
                // A guard against a hung socket, not a timing assertion: generous, as the
                // whole suite runs in parallel on two cores (10 s once ran out under a CI build).
                try await Task.sleep(for: .seconds(30))
                Issue.record("the socket script did not finish in 30 s")
            }
            try await group.next()
            group.cancelAll()
        }
        return frames.all
    }

    final class FrameLog: Sendable {
        private let frames = Mutex<[JSON]>([])
        func append(_ f: JSON) { frames.withLock { $0.append(f) } }
        var all: [JSON] { frames.withLock { $0 } }
    }

    @Test(arguments: Backend.allCases)
    func subscriberReceivesTheCardIdentifiedEvent(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let (userID, _, _) = try await app.customerWithToken("ws@example.com")
            let id = try #require(try await app.post("/en/shop/qr-card/generate", "{}").string("data", "session_id"))
            try await Self.serve(app.services) { port, services in
                let frames = try await Self.session(port: port) { send, frame in
                    switch frame["event"]?.string {
                    case "pusher:connection_established":
                        try await send(#"{"event":"pusher:ping","data":{}}"#)
                    case "pusher:pong":
                        try await send(#"{"event":"pusher:subscribe","data":{"channel":"qr-card.\#(id)"}}"#)
                    case "pusher_internal:subscription_succeeded":
                        // Completed as the customer's app would, through the service the endpoint uses.
                        let s = try #require(try await services.qrSessions.session(id: id))
                        _ = try await QRSessionService(services: services).completeCard(s, customerID: userID, now: SystemWallClock().nowMillis())
                    case "card_identified":
                        return true
                    default: break
                    }
                    return false
                }
                let events = frames.compactMap { $0["event"]?.string }
                #expect(events.prefix(3) == ["pusher:connection_established", "pusher:pong", "pusher_internal:subscription_succeeded"], "\(events)")
                let greeting = try #require(frames.first?["data"]?.string.flatMap { try? JSONDecoder().decode(JSON.self, from: Data($0.utf8)) })
                #expect(greeting["socket_id"]?.string?.contains(".") == true && greeting["activity_timeout"]?.int == 120)
                let event = try #require(frames.last)
                #expect(event["event"]?.string == "card_identified" && event["channel"]?.string == "qr-card.\(id)")
                // Reverb sends `data` as a JSON string.
                let payload = try #require(event["data"]?.string.flatMap { try? JSONDecoder().decode(JSON.self, from: Data($0.utf8)) })
                #expect(payload["status"]?.string == "authenticated" && payload["card_data"]?["user"]?["id"]?.int == userID)
            }
        }
    }

    @Test func protocolErrorsAreReported() async throws {
        try await TestApp.with(.sqlite) { app in
            try await Self.serve(app.services) { port, _ in
                let wrongKey = try await Self.session(port: port, path: "/app/nope?protocol=7") { _, frame in frame["event"]?.string == "pusher:error"
                }
                #expect(wrongKey.last?["data"]?["code"]?.int == 4001)
                let frames = try await Self.session(port: port) { send, frame in
                    switch frame["event"]?.string {
                    case "pusher:connection_established":
                        try await send(#"{"event":"pusher:subscribe","data":{"channel":"private-user.1"}}"#)
                    case "pusher:error":
                        if frame["data"]?["code"]?.int == 4009, frame["data"]?["message"]?.string?.contains("Private") == true {
                            try await send("not json")
                        } else {
                            return true
                        }
                    default: break
                    }
                    return false
                }
                let codes = frames.filter { $0["event"]?.string == "pusher:error" }.compactMap { $0["data"]?["code"]?.int }
                #expect(codes == [4009, 4000])
            }
        }
    }

    /// A subscriber on node A sees an event published on node B, through LISTEN/NOTIFY.
    @Test func eventsFanOutAcrossNodesOnPostgres() async throws {
        try await TestApp.with(.postgres) { app in
            var logger = Logger(label: "node-b")
            logger.logLevel = .warning
            let nodeBDatabase = try await AppServices.openDatabase(app.services.config, logger: logger)
            let nodeB = AppServices(config: app.services.config, database: nodeBDatabase)
            let runner = Task { await nodeBDatabase.run() }
            defer { runner.cancel() }
            app.services.migrated.open()
            let pg = try #require(app.services.database.notifications)
            let listener = Task {
                try await PostgresRealtimeListener(
                    database: pg,
                    hub: app.services.realtimeHub,
                    logger: logger,
                    ready: app.services.migrated,
                    heartbeats: app.services.heartbeats
                ).run()
            }
            defer { listener.cancel() }
            let hub = app.services.realtimeHub
            let (conn, _, frames) = try #require(hub.connect())
            #expect(hub.subscribe(conn, channel: "qr-card.fanout") == .subscribed)
            // The listener needs a moment to hold its LISTEN; publish until one arrives.
            let received = Task { () -> String? in
                for await frame in frames { return frame }
                return nil
            }
            for attempt in 0..<50 {
                await nodeB.realtime.publish(channel: "qr-card.fanout", event: "card_identified", data: .object([("attempt", .int(Int64(attempt)))]))
                try await Task.sleep(for: .milliseconds(100))
                if await Self.isDone(received) { break }
            }
            hub.disconnect(conn)
            let frame = try #require(await received.value)
            #expect(frame.contains(#""event":"card_identified""#) && frame.contains(#""channel":"qr-card.fanout""#))
            await nodeBDatabase.shutdown()
        }
    }

    static func isDone(_ task: Task<String?, Never>) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = await task.value
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(1))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// A subscriber that reads nothing holds at most the newest 64 frames.
    @Test func slowSubscribersAreBoundedNotBuffered() async throws {
        let hub = RealtimeHub(maxConnections: 2)
        let (a, _, frames) = try #require(hub.connect())
        _ = try #require(hub.connect())
        #expect(hub.connect() == nil)
        #expect(hub.subscribe(a, channel: "x") == .subscribed)
        for i in 0..<10_000 { #expect(hub.deliver(channel: "x", frame: "frame \(i)") == 1) }
        hub.disconnect(a)
        var kept: [String] = []
        for await f in frames { kept.append(f) }
        #expect(kept.count == hub.bufferLimit && kept.last == "frame 9999")
        #expect(hub.counts.connections == 1 && hub.counts.channels == 0)
    }
}
