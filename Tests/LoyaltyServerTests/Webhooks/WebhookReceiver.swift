import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A real HTTP receiver on 127.0.0.1 (an OS-chosen port) that records every request.
///
/// Paths: `/ok/...` answers 200; `/flaky/<n>/...` answers 500 to its first n requests,
/// then 200; `/status/<code>/...` always answers `code`; `/redirect` answers 302 to
/// `/target`; `/target` answers 200 (a followed redirect would show up there).
final class WebhookReceiver: Sendable {
    struct Request: Sendable {
        var path: String
        var headers: HTTPFields
        var body: [UInt8]

        func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    }

    actor Log {
        var requests: [Request] = []
        var hits: [String: Int] = [:]

        func record(_ r: Request) -> Int {
            requests.append(r)
            hits[r.path, default: 0] += 1
            return hits[r.path]!
        }
    }

    let port: Int
    let log: Log
    private let task: Task<Void, any Error>

    private init(port: Int, log: Log, task: Task<Void, any Error>) {
        self.port = port
        self.log = log
        self.task = task
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    var requests: [Request] { get async { await log.requests } }

    func requests(under prefix: String) async -> [Request] { await log.requests.filter { $0.path.hasPrefix(prefix) } }

    func stop() { task.cancel() }

    static func start() async throws -> WebhookReceiver {
        let log = Log()
        let router = Router()
        router.post("**") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let path = request.uri.path
            let n = await log.record(Request(path: path, headers: request.headers, body: Array(body.readableBytesView)))
            let parts = path.split(separator: "/")
            if parts.first == "flaky", parts.count > 1, let fails = Int(parts[1]) {
                return Response(
                    status: n <= fails ? .internalServerError : .ok,
                    body: .init(byteBuffer: ByteBuffer(string: n <= fails ? "boom \(n)" : "ok"))
                )
            }
            if parts.first == "status", parts.count > 1, let code = Int(parts[1]) {
                return Response(status: HTTPResponse.Status(code: code), body: .init(byteBuffer: ByteBuffer(string: "status \(code)")))
            }
            if parts.first == "redirect" {
                return Response(status: .found, headers: [.location: "/target"])
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        // Ports below the ephemeral range (32768+), chosen at random; a taken one is retried.
        for _ in 0..<20 {
            // Below the test PostgreSQL clusters' ports (20000-31999) and the ephemeral range.
            let port = Int.random(in: 10000..<20000)
            let (ready, continuation) = AsyncStream<Bool>.makeStream()
            var logger = Logger(label: "webhook-receiver")
            logger.logLevel = .critical
            let app = Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: port)),
                onServerRunning: { _ in
                    continuation.yield(true)
                },
                logger: logger
            )
            let task = Task {
                do { try await app.runService(gracefulShutdownSignals: []) } catch {
                    continuation.yield(false)
                    throw error
                }
                continuation.yield(false)
            }
            var iterator = ready.makeAsyncIterator()
            if await iterator.next() == true { return WebhookReceiver(port: port, log: log, task: task) }
            task.cancel()
        }
        throw CancellationError()
    }
}
