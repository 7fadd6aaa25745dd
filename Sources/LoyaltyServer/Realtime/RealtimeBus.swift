import Foundation
import Logging
import LoyaltyModels
import LoyaltyStore
import ServiceLifecycle

/// Publishes a Pusher event to a channel on every node.
protocol RealtimeBus: Sendable {
    /// `data` is the event's payload object; it goes out as a JSON string (as Reverb sends it).
    func publish(channel: String, event: String, data: JSON) async
}

/// The Pusher frame for an event.
enum PusherFrame {
    static func event(_ event: String, channel: String?, data: String) -> String {
        var members: [(String, JSON)] = [("event", .string(event))]
        if let channel { members.append(("channel", .string(channel))) }
        members.append(("data", .string(data)))
        return JSON.object(members).serializedString()
    }

    static func error(code: Int, message: String) -> String {
        JSON.object([("event", .string("pusher:error")), ("data", .object([("code", .int(Int64(code))), ("message", .string(message))]))])
            .serializedString()
    }
}

/// One node (SQLite): straight to the local hub.
struct LocalRealtimeBus: RealtimeBus {
    let hub: RealtimeHub

    func publish(channel: String, event: String, data: JSON) async {
        hub.deliver(channel: channel, frame: PusherFrame.event(event, channel: channel, data: data.serializedString()))
    }
}

/// Several nodes on one PostgreSQL: `pg_notify` on ``channelName``; every node, this one
/// included, hears it through ``PostgresRealtimeListener`` and delivers locally. A
/// notification is at most 8,000 bytes; QR events are far smaller.
struct PostgresRealtimeBus: RealtimeBus {
    static let channelName = "loyalty_realtime"
    let database: any NotificationChannel
    let logger: Logger

    func publish(channel: String, event: String, data: JSON) async {
        let payload = JSON.object([("c", .string(channel)), ("e", .string(event)), ("d", .string(data.serializedString()))]).serializedString()
        do {
            try await database.notify(channel: Self.channelName, payload: payload)
        } catch {
            // Realtime is best effort: the poll endpoints still answer.
            logger.warning("realtime publish failed: \(error)")
        }
    }
}

/// Listens on ``PostgresRealtimeBus/channelName`` for this node's lifetime and hands each
/// event to the hub. A lost connection is re-established after a second.
struct PostgresRealtimeListener: Service {
    let database: any NotificationChannel
    let hub: RealtimeHub
    let logger: Logger
    let ready: StartupGate
    let heartbeats: Heartbeats

    func run() async throws {
        // `listen` returns (or throws) only when its connection is lost: then listen again.
        await repeatUntilShutdown(
            ready: ready,
            pause: .seconds(1),
            logger: logger,
            label: "realtime listener",
            onStart: { heartbeats.startListener() }
        ) {
            defer { heartbeats.setConnected(false) }
            try await database.listen(channel: PostgresRealtimeBus.channelName, onListening: { heartbeats.setConnected(true) }) { payload in
                guard let json = try? JSONDecoder().decode(JSON.self, from: Data(payload.utf8)),
                    case let .string(channel)? = json["c"], case let .string(event)? = json["e"], case let .string(data)? = json["d"]
                else { return }
                hub.deliver(channel: channel, frame: PusherFrame.event(event, channel: channel, data: data))
            }
        }
    }
}
