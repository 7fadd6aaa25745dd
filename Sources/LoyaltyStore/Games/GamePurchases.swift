import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Games that purchases drive, applied inside the purchase's own write transaction: a
/// stamp card with a purchase rule gets its stamps, a collection an item, a challenge
/// its progress; completions pay their prize under business keys, so a retried or
/// duplicate purchase (refused by its own business key first) never pays twice.
///
/// A purchase never fails because of a game: a stamp refused by the card's visit or
/// day limit, or a card waiting for a restart, simply gets no stamp.
enum GamePurchases {
    struct Purchase {
        var partnerID: Int64
        var card: LoyaltyCard
        var template: CardTemplate
        var program: ProgramConfig
        var amountMinor: Int64?
        var shopID: Int64?
        var transactionID: Int64
        var now: Int64
    }

    static func apply(_ db: any SQLDatabase, games: [Game], purchase p: Purchase, forUpdate: String) async throws -> [(type: String, data: JSON)] {
        let moment = LocalMoment(epochMillis: p.now, timeZone: p.program.timeZone)
        let live = games.filter { $0.limits.refusal(at: p.now, playsToday: 0, playsTotal: 0) == nil && $0.runs(atShop: p.shopID) }
        guard !live.isEmpty else { return [] }
        // The member's card lock orders this with their stamps and plays elsewhere.
        let card =
            try await SQLLedgerRepository.lockCards(db, partnerID: p.partnerID, ids: [p.card.id], forUpdate: forUpdate, now: p.now)[p.card.id]
            ?? p.card
        var events: [(type: String, data: JSON)] = []
        for game in live {
            switch game.type {
            case .stamps:
                guard let rule = game.settings.purchaseRule, rule.applies(toOrderMinor: p.amountMinor) else { continue }
                var ctx = SQLGameRepository.StampContext(
                    game: game,
                    card: card,
                    template: p.template,
                    program: p.program,
                    shopID: p.shopID,
                    now: p.now
                )
                do {
                    _ = try await SQLGameRepository.applyStamps(db, &ctx, count: rule.stamps, force: false, transactionID: p.transactionID)
                    events += ctx.events
                } catch GameError.stamps {
                    continue
                }
            case .collection:
                guard let rule = game.settings.purchaseRule, rule.applies(toOrderMinor: p.amountMinor) else { continue }
                var rng = SystemRandomNumberGenerator()
                guard let item = CollectionItem.draw(game.settings.items, using: &rng) else { continue }
                let round = try await SQLGameRepository.collectionRound(db, partnerID: p.partnerID, gameID: game.id, customerID: card.customerID)
                let held = try await SQLGameRepository.addItem(db, game: game, customerID: card.customerID, round: round, key: item.key, now: p.now)
                guard CollectionItem.isComplete(game.settings.items, held: held) else { continue }
                try await SQLGameRepository.closeCollectionRound(db, game: game, customerID: card.customerID, round: round, now: p.now)
                try await complete(db, game: game, card: card, purchase: p, moment: moment, what: "collection", round: round, events: &events)
            case .challenge:
                guard let goal = game.settings.goal else { continue }
                let current = try await challengeProgress(db, partnerID: p.partnerID, gameID: game.id, customerID: card.customerID)
                guard let step = goal.advance(current, amountMinor: p.amountMinor ?? 0, at: moment) else { continue }
                try await saveChallenge(db, game: game, customerID: card.customerID, step.progress, now: p.now)
                guard step.completedNow else { continue }
                try await complete(
                    db,
                    game: game,
                    card: card,
                    purchase: p,
                    moment: moment,
                    what: "challenge",
                    round: step.progress.windowStart,
                    events: &events
                )
            default:
                continue
            }
        }
        return events
    }

    /// A collection's round or a challenge's window completed by this purchase:
    /// `game.completed`, then the first prize slot (within the budget) under the key
    /// `g<game>-<what>-<member>-<round>`, which pays it once.
    static func complete(
        _ db: any SQLDatabase,
        game: Game,
        card: LoyaltyCard,
        purchase p: Purchase,
        moment: LocalMoment,
        what: String,
        round: Int64,
        events: inout [(type: String, data: JSON)]
    ) async throws {
        events.append(
            (EventType.gameCompleted, GameFacts.completion(game: game, customerID: card.customerID, cardID: card.id, round: round, shopID: p.shopID))
        )
        let reference = "g\(game.id)-\(what)-\(card.customerID)-\(round)"
        guard let prize = game.completionPrize, try await GamePrizes.takeBudget(db, game: game, prize: prize, moment: moment) else { return }
        // The card after the purchase's own posting (the prize adds to its balance).
        let current =
            try await db.raw(
                "SELECT \(unsafeRaw: Rows.cardColumns) FROM loyalty_cards WHERE partner_id = \(bind: p.partnerID) AND id = \(bind: card.id)"
            ).first().map { try Rows.card($0) } ?? card
        _ = try await GamePrizes.grant(
            db,
            game: game,
            prize: prize,
            card: current,
            customerID: card.customerID,
            template: p.template,
            program: p.program,
            reference: reference,
            shopID: p.shopID,
            now: p.now,
            events: &events
        )
    }

    /// The member's latest challenge window.
    static func challengeProgress(_ db: any SQLDatabase, partnerID: Int64, gameID: Int64, customerID: Int64) async throws -> ChallengeProgress? {
        try await db.raw(
            """
            SELECT window_start, value, last_at, completed_at FROM challenge_progress WHERE partner_id = \(bind: partnerID)
              AND game_id = \(bind: gameID) AND customer_id = \(bind: customerID) ORDER BY window_start DESC LIMIT 1
            """
        ).first().map { r in
            ChallengeProgress(
                windowStart: try r.decode(column: "window_start", as: Int64.self),
                value: try r.decode(column: "value", as: Int64.self),
                lastAt: try r.decode(column: "last_at", as: Int64?.self),
                completedAt: try r.decode(column: "completed_at", as: Int64?.self)
            )
        }
    }

    static func saveChallenge(_ db: any SQLDatabase, game: Game, customerID: Int64, _ p: ChallengeProgress, now: Int64) async throws {
        try await db.raw(
            """
            INSERT INTO challenge_progress (partner_id, game_id, customer_id, window_start, value, last_at, completed_at, updated_at)
            VALUES (\(bind: game.partnerID), \(bind: game.id), \(bind: customerID), \(bind: p.windowStart), \(bind: p.value), \(bind: p.lastAt),
              \(bind: p.completedAt), \(bind: now))
            ON CONFLICT (partner_id, game_id, customer_id, window_start) DO UPDATE SET value = excluded.value, last_at = excluded.last_at,
              completed_at = excluded.completed_at, updated_at = excluded.updated_at
            """
        ).run()
    }
}
