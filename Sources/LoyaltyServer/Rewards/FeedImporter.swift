import AsyncHTTPClient
import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import NIOCore
import NIOHTTP1
import Synchronization

/// Runs an XML product import (S48-S50): fetches the feed (through the webhook SSRF
/// policy, no redirects, at most `maxBytes`) or takes the upload, parses it on a worker
/// thread and stores records in batches as they are read (the parser waits while a
/// batch is written, so memory holds the document and about two batches), and keeps
/// the run in the import history.
struct FeedImporter: Sendable {
    let catalog: any CatalogRepository
    let targets: WebhookTargetPolicy
    let maxBytes: Int
    let clock: any WallClock

    enum Failure: Error {
        /// The URL is refused by the SSRF policy or cannot be fetched.
        case url(String)
        /// The document is not a readable feed.
        case unreadable(String)
        case tooLarge
    }

    struct Outcome: Sendable {
        var summary: ProductFeedParser.Summary
        var created: Int
        var updated: Int
        var record: ImportRecord?
    }

    /// Downloads `url` (at most `maxBytes`).
    func fetch(_ url: String) async throws -> [UInt8] {
        if let problem = await targets.check(url) { throw Failure.url(problem.description) }
        var config = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(30)))
        config.decompression = .disabled
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/xml, text/xml")
            request.headers.add(name: "User-Agent", value: "loyalty-feed-import/1")
            let response = try await client.execute(request, timeout: .seconds(60))
            guard response.status.code / 100 == 2 else { throw Failure.url("the server answered HTTP \(response.status.code)") }
            var bytes: [UInt8] = []
            for try await chunk in response.body {
                bytes += chunk.readableBytesView
                if bytes.count > maxBytes { throw Failure.tooLarge }
            }
            try await client.shutdown()
            return bytes
        } catch {
            try? await client.shutdown()
            if error is Failure { throw error }
            throw Failure.url("the feed could not be fetched (\(type(of: error)))")
        }
    }

    /// Parses (and unless `validateOnly`, stores) `bytes`, recording the run.
    func run(partnerID: Int64, bytes: [UInt8], source: String, url: String?, fileName: String?, validateOnly: Bool) async throws -> Outcome {
        let started = clock.nowMillis()
        if bytes.count > maxBytes { throw Failure.tooLarge }
        let record = try await catalog.recordImport(
            ImportRecord(
                partnerID: partnerID,
                source: source,
                url: url,
                fileName: fileName,
                status: "running",
                validateOnly: validateOnly,
                productCount: 0,
                created: 0,
                updated: 0,
                errorsJSON: "[]",
                bytes: Int64(bytes.count),
                durationMillis: 0
            )
        )
        let (stream, continuation) = AsyncStream<[CatalogItemDraft]>.makeStream()
        let handoff = Handoff()
        // A thread of its own: the parser blocks while a batch is written, which must not
        // hold one of the few threads of Swift's cooperative pool.
        let parsed = Task {
            await withCheckedContinuation { (done: CheckedContinuation<Result<ProductFeedParser.Summary, ProductFeedParser.Unreadable>, Never>) in
                let thread = Thread {
                    let parser = ProductFeedParser(partnerID: partnerID) { batch in
                        guard !validateOnly, !handoff.cancelled else { return }
                        continuation.yield(batch)
                        handoff.waitForConsumer()
                    }
                    let result: Result<ProductFeedParser.Summary, ProductFeedParser.Unreadable>
                    result = Result { () throws(ProductFeedParser.Unreadable) in try parser.parse(Data(bytes)) }
                    continuation.finish()
                    done.resume(returning: result)
                }
                thread.stackSize = 4 << 20
                thread.start()
            }
        }
        var created = 0
        var updated = 0
        do {
            for await batch in stream {
                let r = try await catalog.upsert(
                    partnerID: partnerID,
                    items: batch.map { CatalogItem(product: $0.product, categories: $0.categories) },
                    importID: record.id
                )
                created += r.created
                updated += r.updated
                handoff.consumed()
            }
        } catch {
            handoff.cancel()
            for await _ in stream {}
            _ = await parsed.value
            throw error
        }
        var finished = record
        finished.durationMillis = clock.nowMillis() - started
        switch await parsed.value {
        case let .failure(unreadable):
            finished.status = "failed"
            finished.errorsJSON = JSON.array([.object([("index", .null), ("sku", .null), ("error", .string(unreadable.detail))])]).serializedString()
            try await catalog.updateImport(finished)
            throw Failure.unreadable(unreadable.detail)
        case let .success(summary):
            finished.status = validateOnly ? "validated" : "completed"
            finished.productCount = Int64(summary.productCount)
            finished.created = Int64(created)
            finished.updated = Int64(updated)
            finished.errorsJSON = JSON.array(summary.errors.map { $0.json }).serializedString()
            try await catalog.updateImport(finished)
            return Outcome(summary: summary, created: created, updated: updated, record: finished)
        }
    }
}

/// Lets the parser thread wait while the consumer writes a batch.
final class Handoff: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)

    var cancelled: Bool { stopped.load(ordering: .acquiring) }

    func waitForConsumer() {
        if !cancelled { semaphore.wait() }
    }

    func consumed() { semaphore.signal() }

    func cancel() {
        stopped.store(true, ordering: .releasing)
        semaphore.signal()
    }
}
