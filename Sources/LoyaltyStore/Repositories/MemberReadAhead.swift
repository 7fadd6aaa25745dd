import LoyaltyCore
import PostgresNIO
import SQLKit

/// A member's customer, card and template read before a write transaction, batched with
/// concurrent reads as one prepared statement (``AwardBatcher/resolver(database:)``):
/// on PostgreSQL planning the resolve join was a third of the CPU of a claim (measured,
/// docs/PERFORMANCE.md). The card is locked and read again inside the transaction, so
/// nothing that can change is trusted from this read. SQLite has no batcher: `read`
/// answers nil and the caller resolves inside its transaction.
struct MemberReadAhead: Sendable {
    let batcher: GroupBatcher<AwardBatcher.Lookup, PostgresRandomAccessRow?>?

    init(database: any DatabaseClient) {
        batcher = database.preparedStatements.map { AwardBatcher.resolver(database: $0) }
    }

    /// The member named by id, or nil: no batcher, or no card yet (resolving inside the
    /// transaction issues the first one). Throws when there is no such member.
    func read(partnerID: Int64, customerID: Int64, reference: String, shopID: Int64?) async throws -> SQLLedgerRepository.Resolved? {
        guard let batcher else { return nil }
        let lookup = AwardBatcher.Lookup(partnerID: partnerID, customerID: customerID, orderID: reference, shopID: shopID)
        guard let row = try await batcher.submit(lookup) else { throw LoyaltyError.customerNotFound }
        return try SQLLedgerRepository.decodeResolved(row, shopID: shopID)
    }

    /// The member for a write: what ``read`` found ahead, else resolved inside the
    /// transaction `db` (which issues a first card).
    static func resolved(
        _ ahead: SQLLedgerRepository.Resolved?,
        _ db: any SQLDatabase,
        partnerID: Int64,
        customer: TransactionCommand.CustomerRef,
        cardID: Int64?,
        shopID: Int64?,
        now: Int64
    ) async throws -> SQLLedgerRepository.Resolved {
        if let ahead { return ahead }
        return try await SQLLedgerRepository.resolve(
            db,
            partnerID: partnerID,
            customer: customer,
            cardID: cardID,
            orderID: nil,
            shopID: shopID,
            now: now
        )
        .required("a card for the member")
    }
}
