import Foundation
import HummingbirdWebSocket
import LoyaltyModels
import NIOWebSocket

/// One client of the Pusher protocol (version 7) at `/app/{key}`: the greeting with the
/// socket id, `pusher:ping`/`pusher:pong`, subscriptions to public channels, and the
/// events the hub queues for them.
///
/// Private and presence channels need `/broadcasting/auth`, which this server does not
/// offer: subscribing to one is refused with error 4009, as are client events.
struct PusherSocket: Sendable {
    let hub: RealtimeHub
    let appKey: String
    static let activityTimeout = 120

    /// The app key of a Pusher connection URL (`/app/{key}?protocol=7...`), or `nil`.
    static func appKey(path: String) -> String? {
        let pathOnly = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        let parts = pathOnly.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0] == "app" else { return nil }
        return String(parts[1])
    }

    /// The `protocol` query parameter, if given.
    static func protocolVersion(path: String) -> Int? {
        guard let query = path.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") where pair.hasPrefix("protocol=") { return Int(pair.dropFirst("protocol=".count)) }
        return nil
    }

    /// Pusher's channel-name rule.
    static func isValidChannel(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 164
            && name.utf8.allSatisfy { c in
                (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || [95, 45, 61, 64, 44, 46, 59].contains(c)
            }
    }

    func run(path: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        guard Self.appKey(path: path) == appKey else {
            try await outbound.write(.text(PusherFrame.error(code: 4001, message: "App key not in this app")))
            try await outbound.close(.policyViolation, reason: "unknown app key")
            return
        }
        if let version = Self.protocolVersion(path: path), !(5...7).contains(version) {
            try await outbound.write(.text(PusherFrame.error(code: 4007, message: "Unsupported protocol version \(version)")))
            try await outbound.close(.policyViolation, reason: "unsupported protocol")
            return
        }
        guard let (id, socketID, frames) = hub.connect() else {
            try await outbound.write(.text(PusherFrame.error(code: 4100, message: "Over capacity")))
            try await outbound.close(.policyViolation, reason: "over capacity")
            return
        }
        defer { hub.disconnect(id) }
        let greeting = JSON.object([("socket_id", .string(socketID)), ("activity_timeout", .int(Int64(Self.activityTimeout)))]).serializedString()
        try await outbound.write(.text(PusherFrame.event("pusher:connection_established", channel: nil, data: greeting)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in frames { try await outbound.write(.text(frame)) }
            }
            for try await message in inbound.messages(maxSize: 16_384) {
                guard case let .text(text) = message else { continue }
                handle(text, connection: id)
            }
            hub.disconnect(id)
            group.cancelAll()
        }
    }

    func handle(_ text: String, connection id: UInt64) {
        guard let json = try? JSONDecoder().decode(JSON.self, from: Data(text.utf8)), case let .string(event)? = json["event"] else {
            hub.send(id, PusherFrame.error(code: 4000, message: "Invalid message: expected {\"event\": ..., \"data\": ...}"))
            return
        }
        // `data` is an object from most clients, a JSON string from some.
        var data = json["data"] ?? .null
        if case let .string(s) = data, let inner = try? JSONDecoder().decode(JSON.self, from: Data(s.utf8)) { data = inner }
        switch event {
        case "pusher:ping":
            hub.send(id, PusherFrame.event("pusher:pong", channel: nil, data: "{}"))
        case "pusher:subscribe":
            guard case let .string(channel)? = data["channel"], Self.isValidChannel(channel) else {
                hub.send(id, PusherFrame.error(code: 4009, message: "Invalid channel name"))
                return
            }
            if channel.hasPrefix("private-") || channel.hasPrefix("presence-") {
                hub.send(id, PusherFrame.error(code: 4009, message: "Private and presence channels are not offered by this server"))
                return
            }
            switch hub.subscribe(id, channel: channel) {
            case .subscribed: hub.send(id, PusherFrame.event("pusher_internal:subscription_succeeded", channel: channel, data: "{}"))
            case .tooManyChannels:
                hub.send(id, PusherFrame.error(code: 4009, message: "At most \(hub.maxChannelsPerConnection) channels per connection"))
            case .unknownConnection: break
            }
        case "pusher:unsubscribe":
            if case let .string(channel)? = data["channel"] { hub.unsubscribe(id, channel: channel) }
        default:
            if event.hasPrefix("client-") {
                hub.send(id, PusherFrame.error(code: 4009, message: "Client events need a private channel, which this server does not offer"))
            }
        }
    }
}
