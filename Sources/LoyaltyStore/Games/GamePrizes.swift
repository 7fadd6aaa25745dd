import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Paying a game's prizes inside the caller's write transaction, with the member's card
/// already locked: points through the ledger (a transaction under its business key, a
/// ledger entry, a lot that expires per the programme), a coupon of the prize's offer
/// (issued free, under the same kind of transaction), and the period budget.
enum GamePrizes {
    /// Takes a prize's value from the game's budget for the current period; false when
    /// it does not fit. One conditional UPDATE on the period's row: concurrent plays
    /// wait on its lock and re-check, so the budget is never exceeded.
    static func takeBudget(_ db: any SQLDatabase, game: Game, prize: Prize, moment: LocalMoment) async throws -> Bool {
        guard let budget = game.budget, prize.kind != .nothing else { return true }
        let (points, coupons) = PrizeBudget.cost(of: prize)
        let start = moment.periodStart(budget.period)
        let capPoints = budget.points ?? Int64.max / 4
        let capCoupons = budget.coupons ?? Int64.max / 4
        try await db.raw(
            """
            INSERT INTO game_budgets (partner_id, game_id, period_start, points_used, coupons_used)
            VALUES (\(bind: game.partnerID), \(bind: game.id), \(bind: start), 0, 0) ON CONFLICT (partner_id, game_id, period_start) DO NOTHING
            """
        ).run()
        let row = try await db.raw(
            """
            UPDATE game_budgets SET points_used = points_used + \(bind: points), coupons_used = coupons_used + \(bind: coupons)
            WHERE partner_id = \(bind: game.partnerID) AND game_id = \(bind: game.id) AND period_start = \(bind: start)
              AND points_used + \(bind: points) <= \(bind: capPoints) AND coupons_used + \(bind: coupons) <= \(bind: capCoupons)
            RETURNING points_used
            """
        ).first()
        return row != nil
    }

    /// Grants `prize` to the member's locked `card` under the business key
    /// `game_reward:<reference>` and returns it with the events to append (the caller
    /// appends them with its own). Nil for "no prize".
    static func grant(
        _ db: any SQLDatabase,
        game: Game,
        prize: Prize,
        card: LoyaltyCard,
        customerID: Int64,
        template: CardTemplate,
        program: ProgramConfig,
        reference: String,
        shopID: Int64?,
        now: Int64,
        events: inout [(type: String, data: JSON)]
    ) async throws -> GrantedPrize? {
        guard
            let granted = try await pay(
                db,
                game: game,
                prize: prize,
                card: card,
                customerID: customerID,
                template: template,
                program: program,
                reference: reference,
                shopID: shopID,
                now: now,
                events: &events
            )
        else { return nil }
        let fact = GameFacts.reward(
            game: game,
            customerID: customerID,
            cardID: card.id,
            points: granted.points,
            couponID: granted.coupon?.id,
            transactionID: granted.transactionID,
            shopID: shopID
        )
        events.append((EventType.gameRewardClaimed, fact))
        return granted
    }

    /// The prize's own writes and their ledger or coupon events (``grant`` adds
    /// `game.reward_claimed`).
    private static func pay(
        _ db: any SQLDatabase,
        game: Game,
        prize: Prize,
        card: LoyaltyCard,
        customerID: Int64,
        template: CardTemplate,
        program: ProgramConfig,
        reference: String,
        shopID: Int64?,
        now: Int64,
        events: inout [(type: String, data: JSON)]
    ) async throws -> GrantedPrize? {
        let label = game.name.en ?? game.name.lt ?? "game \(game.id)"
        switch prize.kind {
        case .nothing:
            return nil
        case let .points(points):
            let (command, txID) = try await record(
                db,
                game: game,
                cardID: card.id,
                customerID: customerID,
                currency: template.currency,
                reference: reference,
                shopID: shopID,
                points: points,
                description: "Game prize: \(label)",
                now: now
            )
            _ = try await LedgerPosting.post(
                db,
                partnerID: game.partnerID,
                cardID: card.id,
                shopID: shopID,
                transactionID: txID,
                type: .bonus,
                points: points,
                reference: reference,
                description: command.description,
                now: now,
                allowNegative: true,
                touch: true
            )
            let moment = LocalMoment(epochMillis: now, timeZone: program.timeZone)
            try await Lots.open(
                db,
                partnerID: game.partnerID,
                cardID: card.id,
                transactionID: txID,
                source: "game",
                points: points,
                maturesAt: nil,
                expiresAt: program.expiry.expiresAt(awardedAt: moment, templateDays: template.pointsExpirationDays),
                now: now
            )
            var after = try await Lots.refreshCard(db, partnerID: game.partnerID, cardID: card.id)
            after = try await Tiers.evaluate(db, card: after, program: program, now: now)
            let tx = SQLCouponRepository.rewardTransaction(command, id: txID, cardID: card.id, customerID: customerID, originalID: nil, now: now)
            events.append((EventType.transactionCreated, EventFact.transaction(tx, card: after)))
            return GrantedPrize(prize: prize, points: points, coupon: nil, offer: nil, transactionID: txID)
        case let .coupon(offerID):
            guard
                var offer = try await db.raw(
                    "SELECT \(unsafeRaw: OfferRows.columns) FROM offers WHERE partner_id = \(bind: game.partnerID) AND id = \(bind: offerID)"
                ).first().map(OfferRows.offer)
            else { throw GameError.prizeOfferNotFound(position: prize.position) }
            let (_, txID) = try await record(
                db,
                game: game,
                cardID: card.id,
                customerID: customerID,
                currency: template.currency,
                reference: reference,
                shopID: shopID,
                points: 0,
                description: "Game prize: \(label) (coupon of offer \(offer.id))",
                now: now
            )
            // A prize coupon costs nothing and lasts as the game says (else as its offer does).
            offer.pointsRequired = 0
            if let days = game.couponValidityDays { offer.couponValidityDays = days }
            var coupon = try await SQLCouponRepository.insertCoupon(
                db,
                partnerID: game.partnerID,
                offer: offer,
                customerID: customerID,
                cardID: card.id,
                transactionID: txID,
                now: now
            )
            try await db.raw("UPDATE coupons SET game_id = \(bind: game.id) WHERE partner_id = \(bind: game.partnerID) AND id = \(bind: coupon.id)")
                .run()
            coupon.pointsSpent = 0
            events.append((EventType.couponCreated, RewardFacts.coupon(coupon, shopID: shopID, balance: card.balance)))
            return GrantedPrize(prize: prize, points: 0, coupon: coupon, offer: offer, transactionID: txID)
        }
    }

    /// The prize's `game_reward` transaction under `game_reward:<reference>`: the
    /// business key that pays a prize once.
    static func record(
        _ db: any SQLDatabase,
        game: Game,
        cardID: Int64,
        customerID: Int64,
        currency: String,
        reference: String,
        shopID: Int64?,
        points: Int64,
        description: String,
        now: Int64
    ) async throws -> (TransactionCommand, Int64) {
        let command = TransactionCommand(
            partnerID: game.partnerID,
            shopID: shopID,
            customer: .id(customerID),
            orderID: reference,
            type: .gameReward,
            currency: currency,
            points: points,
            description: description,
            reason: "game_reward"
        )
        let id = try await SQLLedgerRepository.insertTransaction(
            db,
            command,
            cardID: cardID,
            customerID: customerID,
            currency: currency,
            points: points,
            redeemed: 0,
            shortfall: 0,
            discount: nil,
            originalID: nil,
            now: now
        )
        return (command, id)
    }

    /// The card's template and the partner's programme, for a grant.
    static func context(_ db: any SQLDatabase, card: LoyaltyCard, programs: ProgramCache) async throws -> (CardTemplate, ProgramConfig) {
        let template = try await db.raw(
            "SELECT \(unsafeRaw: Rows.templateColumns) FROM card_templates WHERE partner_id = \(bind: card.partnerID) AND id = \(bind: card.templateID)"
        ).first().map { try Rows.template($0) }.required("the card's template")
        return (template, try await programs.current(db, partnerID: card.partnerID))
    }
}
