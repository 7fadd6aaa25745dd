import Foundation
import LoyaltyCore
import LoyaltyModels
import PostgresKit
import PostgresNIO
import SQLKit

extension SQLLedgerRepository {
    static let updCardColumns = Rows.cardColumns.split(separator: ",").map { "upd." + $0.trimmingCharacters(in: .whitespaces) }.joined(
        separator: ", "
    )

    /// The common purchase on PostgreSQL, through ``AwardBatcher``: the resolve read
    /// (customer, card, template, open hold, shop) is batched with concurrent ones, the
    /// earning rule is applied in Swift, and the write joins the next group-commit batch
    /// (one set-based statement: transaction under its business key, balance, ledger
    /// entry with its exact running `balance_after`, outbox event).
    ///
    /// Measured (docs/PERFORMANCE.md): each round trip through postgres-nio costs the
    /// server ~150 µs of CPU on this 2-core machine and each statement PostgreSQL its own
    /// plan and WAL flush; batching took awards from ~900/s to ~4,200/s. It applies only
    /// to a purchase or award that redeems nothing, has no open reservation and whose
    /// customer already has a card; anything else (and every SQLite write) takes the
    /// general transactional path. Returns `nil` to mean "use the general path".
    func postgresFastAward(_ c: TransactionCommand) async throws -> TransactionOutcome? {
        guard let batcher = awardBatcher,
            c.type == .purchase || c.type == .bonus, (c.pointsRedeemed ?? 0) == 0, c.couponCode == nil
        else { return nil }
        let now = clock.nowMillis()
        let resolved: Resolved?
        if case let .id(customerID) = c.customer, c.cardID == nil {
            guard
                let row = try await batcher.lookups.submit(
                    AwardBatcher.Lookup(partnerID: c.partnerID, customerID: customerID, orderID: c.orderID, shopID: c.shopID)
                )
            else {
                throw LoyaltyError.customerNotFound
            }
            resolved = try Self.decodeResolved(row, shopID: c.shopID)
        } else {
            resolved = try await database.read { db in
                try await Self.resolve(
                    db,
                    partnerID: c.partnerID,
                    customer: c.customer,
                    cardID: c.cardID,
                    orderID: c.orderID,
                    shopID: c.shopID,
                    now: now,
                    issueCard: false
                )
            }
        }
        guard let r = resolved, r.hold == nil, r.shopKnown, r.card.status(at: now) == .active else { return nil }
        var program = programs.cached(partnerID: c.partnerID, version: r.programVersion)
        if program == nil {
            program = try await database.read { [programs] db in try await programs.config(db, partnerID: c.partnerID, version: r.programVersion) }
        }
        guard let program else { return nil }
        let moment = LocalMoment(epochMillis: now, timeZone: program.timeZone)
        var offers = programs.earningOffers.cached(partnerID: c.partnerID, version: r.offersVersion)
        if offers == nil {
            offers = try await database.read { [programs] db in
                try await programs.earningOffers.offers(db, partnerID: c.partnerID, version: r.offersVersion)
            }
        }
        // A partner with point-sharing rules takes the general path (home shops, rates).
        var sharing = programs.pointSharing.cached(partnerID: c.partnerID, version: r.offersVersion)
        if sharing == nil {
            sharing = try await database.read { [programs] db in
                try await programs.pointSharing.settings(db, partnerID: c.partnerID, version: r.offersVersion)
            }
        }
        if sharing?.isStandard != true { return nil }
        if c.type == .purchase {
            // Purchases that drive a game (stamps, collections, challenges) take the general path.
            var games = programs.purchaseGames.cached(partnerID: c.partnerID, version: r.offersVersion)
            if games == nil {
                games = try await database.read { [programs] db in
                    try await programs.purchaseGames.games(db, partnerID: c.partnerID, version: r.offersVersion)
                }
            }
            if !(games ?? []).isEmpty { return nil }
        }
        let earning = PurchasePlan.earning(for: c, template: r.template, program: program, card: r.card, at: moment, offers: offers ?? [])
        // The general path's plan; with nothing redeemed and no hold (the guards above) it cannot throw.
        let plan = try PurchasePlan(command: c, card: r.card, template: r.template, program: program, hold: r.hold, at: moment, earning: earning)
        let item = AwardBatcher.Item(
            command: c,
            cardID: r.card.id,
            customerID: r.customer.id,
            currency: plan.currency,
            points: plan.earned,
            now: now,
            expiresAt: plan.lot?.expiresAt,
            maturesAt: plan.lot?.maturesAt,
            details: plan.rulesAppliedJSON
        )
        switch try await batcher.awards.submit(item) {
        case .duplicate:
            let existing = try await database.read { db in
                try await db.raw("SELECT id FROM transactions WHERE partner_id = \(bind: c.partnerID) AND business_key = \(bind: c.businessKey)")
                    .first()
            }
            throw LoyaltyError.duplicateTransaction(existingTransactionID: try existing?.decode(column: "id", as: Int64.self) ?? 0)
        case .written(let txID, var card):
            if Tiers.mayChange(card, policy: program.tiers, now: now) {
                if let upgraded = try await Tiers.upgradeInOneStatement(database, card: card, program: program, now: now) {
                    card.tierState = upgraded
                } else {
                    card.tierState = try await evaluateTier(partnerID: c.partnerID, cardID: card.id).tierState
                }
            }
            let tx = plan.transaction(id: txID, customerID: r.customer.id, at: now)
            return TransactionOutcome(transaction: tx, card: card, customer: r.customer, rulesApplied: earning.lines)
        }
    }
}
