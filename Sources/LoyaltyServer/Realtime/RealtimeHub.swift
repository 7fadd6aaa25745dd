import Synchronization

/// This node's WebSocket subscribers, by channel. Delivery is non-blocking: each
/// connection has a bounded outbound buffer (``bufferLimit`` frames), and a subscriber
/// too slow to drain it loses the oldest frames rather than growing the server's memory.
final class RealtimeHub: Sendable {
    typealias Outbox = AsyncStream<String>.Continuation

    struct Connection {
        var outbox: Outbox
        var channels: Set<String> = []
    }

    struct State {
        var nextID: UInt64 = 1
        var connections: [UInt64: Connection] = [:]
        var channels: [String: Set<UInt64>] = [:]
    }

    let bufferLimit = 64
    let maxConnections: Int
    let maxChannelsPerConnection = 100
    private let state = Mutex(State())
    /// A random per-process prefix keeps socket ids unique across nodes.
    let nodeTag = UInt32.random(in: 100_000...999_999)

    init(maxConnections: Int) { self.maxConnections = maxConnections }

    enum SubscribeResult { case subscribed, tooManyChannels, unknownConnection }

    /// Registers a connection; `nil` when the node is at ``maxConnections``.
    func connect() -> (id: UInt64, socketID: String, frames: AsyncStream<String>)? {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(bufferLimit))
        let id: UInt64? = state.withLock { s in
            guard s.connections.count < maxConnections else { return nil }
            let id = s.nextID
            s.nextID += 1
            s.connections[id] = Connection(outbox: continuation)
            return id
        }
        guard let id else {
            continuation.finish()
            return nil
        }
        return (id, "\(nodeTag).\(id)", stream)
    }

    func subscribe(_ id: UInt64, channel: String) -> SubscribeResult {
        state.withLock { s in
            guard var c = s.connections[id] else { return .unknownConnection }
            if !c.channels.contains(channel) {
                guard c.channels.count < maxChannelsPerConnection else { return .tooManyChannels }
                c.channels.insert(channel)
                s.connections[id] = c
                s.channels[channel, default: []].insert(id)
            }
            return .subscribed
        }
    }

    func unsubscribe(_ id: UInt64, channel: String) {
        state.withLock { s in
            s.connections[id]?.channels.remove(channel)
            Self.drop(&s, id, from: channel)
        }
    }

    /// Forgets the connection and ends its frame stream.
    func disconnect(_ id: UInt64) {
        let outbox: Outbox? = state.withLock { s in
            guard let c = s.connections.removeValue(forKey: id) else { return nil }
            for channel in c.channels { Self.drop(&s, id, from: channel) }
            return c.outbox
        }
        outbox?.finish()
    }

    /// Queues `frame` for this connection only.
    func send(_ id: UInt64, _ frame: String) {
        _ = state.withLock { $0.connections[id]?.outbox }?.yield(frame)
    }

    /// Queues `frame` for every subscriber of `channel` on this node; returns how many.
    @discardableResult
    func deliver(channel: String, frame: String) -> Int {
        let targets: [Outbox] = state.withLock { s in
            (s.channels[channel] ?? []).compactMap { s.connections[$0]?.outbox }
        }
        for t in targets { t.yield(frame) }
        return targets.count
    }

    var counts: (connections: Int, channels: Int) { state.withLock { ($0.connections.count, $0.channels.count) } }

    private static func drop(_ s: inout State, _ id: UInt64, from channel: String) {
        guard var ids = s.channels[channel] else { return }
        ids.remove(id)
        s.channels[channel] = ids.isEmpty ? nil : ids
    }
}
