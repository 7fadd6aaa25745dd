import Foundation
import Logging
import LoyaltyCore
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// Runs many callers' requests as one database statement: the requests that arrive
/// while a batch is running form the next batch (at most `maxBatch`). No timer: a lone
/// request runs at once. `key` keeps requests with the same key in different batches
/// (an award's business key must meet the earlier row to be seen as a duplicate).
///
/// Why: on this 2-core machine each statement costs the server ~150 µs of CPU in hops
/// and the database its own plan, execution and WAL flush; set-based statements share
/// all of that (LIMITS.md: 100 rows per statement ~65k awards/s).
final class GroupBatcher<Item: Sendable, Outcome: Sendable>: Sendable {
    typealias Waiter = (item: Item, continuation: CheckedContinuation<Outcome, any Error>)

    private struct State {
        var pending: [Waiter] = []
        /// Batches in flight (at most `maxInFlight`).
        var running = 0
    }

    private let state = Mutex(State())
    private let maxBatch: Int
    private let maxInFlight: Int
    private let key: @Sendable (Item) -> String?
    private let run: @Sendable ([Item]) async throws -> [Outcome]

    /// - Parameter run: executes a batch; returns one outcome per item, in order.
    /// - Parameter maxInFlight: batches that may run at once; a second one overlaps the
    ///   first one's round trip and commit.
    init(
        maxBatch: Int = 128,
        maxInFlight: Int = 1,
        key: @escaping @Sendable (Item) -> String? = { _ in nil },
        run: @escaping @Sendable ([Item]) async throws -> [Outcome]
    ) {
        self.maxBatch = maxBatch
        self.maxInFlight = maxInFlight
        self.key = key
        self.run = run
    }

    func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { s -> Bool in
                s.pending.append((item, continuation))
                if s.running >= maxInFlight { return false }
                s.running += 1
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { s -> [Waiter] in
                var keys = Set<String>()
                var taken: [Waiter] = []
                var left: [Waiter] = []
                for w in s.pending {
                    let k = key(w.item)
                    if taken.count < maxBatch, k.map({ keys.insert($0).inserted }) ?? true { taken.append(w) } else { left.append(w) }
                }
                s.pending = left
                if taken.isEmpty { s.running -= 1 }
                return taken
            }
            if batch.isEmpty { return }
            do {
                let outcomes = try await run(batch.map(\.item))
                for (w, o) in zip(batch, outcomes) { w.continuation.resume(returning: o) }
            } catch {
                for w in batch { w.continuation.resume(throwing: error) }
            }
        }
    }
}

/// The PostgreSQL fast path's two batchers: resolve reads and award writes.
final class AwardBatcher: Sendable {
    struct Item: Sendable {
        var command: TransactionCommand
        var cardID: Int64
        var customerID: Int64
        var currency: String
        var points: Int64
        var now: Int64
        /// The lot's expiry and maturity (nil: never / at once).
        var expiresAt: Int64?
        var maturesAt: Int64?
        /// The earning lines as JSON, stored on the transaction and its ledger entry.
        var details: String?
    }

    enum Outcome: Sendable {
        /// Written; `card` is the card as of this award (balance = its `balance_after`).
        case written(transactionID: Int64, card: LoyaltyCard)
        /// The business key was already used.
        case duplicate
    }

    struct Lookup: Sendable {
        var partnerID: Int64
        var customerID: Int64
        var orderID: String
        var shopID: Int64?
    }

    let awards: GroupBatcher<Item, Outcome>
    let lookups: GroupBatcher<Lookup, PostgresRandomAccessRow?>

    init(database: any PreparedStatementRunner) {
        awards = GroupBatcher(maxInFlight: 2, key: { "\($0.command.partnerID):\($0.command.businessKey)" }) { items in
            try await Self.write(items, database: database)
        }
        lookups = Self.resolver(database: database)
    }

    /// Batches concurrent resolve reads (customer, first card, template, open hold, shop,
    /// versions) into one prepared ``PostgresStatements/ResolveBatch``; answers the row
    /// of each lookup, nil when no such customer.
    static func resolver(database: any PreparedStatementRunner) -> GroupBatcher<Lookup, PostgresRandomAccessRow?> {
        GroupBatcher(maxInFlight: 2) { lookups in
            let rows = try await database.all(PostgresStatements.ResolveBatch(lookups: lookups))
            var out = [PostgresRandomAccessRow?](repeating: nil, count: lookups.count)
            for row in rows.map({ $0.makeRandomAccess() }) { out[Int(try row[0].decode(Int64.self, context: .default))] = row }
            return out
        }
    }

    /// Writes the batch in one statement, retrying a deadlock with another node's batch.
    private static func write(_ items: [Item], database: any PreparedStatementRunner) async throws -> [Outcome] {
        let statement = PostgresStatements.AwardBatch(items: items)
        var attempt = 0
        while true {
            attempt += 1
            do {
                let rows = try await database.all(statement)
                var outcomes = [Outcome](repeating: .duplicate, count: items.count)
                for row in rows.map({ $0.makeRandomAccess() }) {
                    // Columns: idx, tx_id, balance_after, then the card.
                    let index = Int(try row[0].decode(Int64.self, context: .default))
                    var card = try Rows.card(row, offset: 3)
                    card.balance = try row[2].decode(Int64.self, context: .default)
                    outcomes[index] = .written(transactionID: try row[1].decode(Int64.self, context: .default), card: card)
                }
                return outcomes
            } catch let error as PSQLError where attempt < 5 && PostgresDatabaseClient.isTransient(error) {
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            }
        }
    }
}
