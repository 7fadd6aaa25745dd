import LoyaltyCore
import LoyaltyModels
import Testing

@Suite("Purchase plan: redeem first, then earn")
struct PurchasePlanTests {
    let now = saturdayNoon  // 2026-11-28 12:00 UTC
    let day = Fixture.day

    func plan(
        _ c: TransactionCommand,
        card: LoyaltyCard = Fixture.card(balance: 1000),
        template: CardTemplate = Fixture.template(),
        program: ProgramConfig = ProgramConfig(),
        hold: PointsReservation? = nil
    ) throws(LoyaltyError) -> PurchasePlan {
        let moment = LocalMoment(epochMillis: now, timeZone: program.timeZone)
        let earning = PurchasePlan.earning(for: c, template: template, program: program, card: card, at: moment)
        return try PurchasePlan(command: c, card: card, template: template, program: program, hold: hold, at: moment, earning: earning)
    }

    @Test func ordinaryPurchaseOpensOneLot() throws {
        let p = try plan(Fixture.command(total: 1550), template: Fixture.template(expirationDays: 365))
        #expect(p.earned == 155 && p.redeem == 0 && p.discountMinor == nil && p.currency == "EUR")
        #expect(p.lot == PurchasePlan.Lot(entryType: .earned, points: 155, maturesAt: nil, expiresAt: now + 365 * day))
        #expect(p.releaseHold == 0 && p.consumedHoldID == nil)
        #expect(p.spendMinor == 1550)
        #expect(p.rulesAppliedJSON == #"[{"rule":"base","name":"Base rate","points":155}]"#)
    }

    @Test func bonusAwardNeverWaitsAndSpendsNothing() throws {
        let p = try plan(Fixture.command(.bonus, total: 5000, points: 40), program: ProgramConfig(pendingDays: 14))
        #expect(p.lot == PurchasePlan.Lot(entryType: .bonus, points: 40, maturesAt: nil, expiresAt: nil))
        #expect(p.spendMinor == 0)
        #expect(p.rulesAppliedJSON == #"[{"rule":"manual","name":"bonus","points":40}]"#)
    }

    @Test func zeroPointPurchaseOpensNoLotButCountsSpend() throws {
        let explicitZero = try plan(Fixture.command(total: 1550, points: 0))
        #expect(explicitZero.earned == 0 && explicitZero.lot == nil && explicitZero.rulesAppliedJSON == nil)
        #expect(explicitZero.earning.lines.isEmpty && explicitZero.spendMinor == 1550)
        // A zero order still runs the engine: one zero base line is recorded.
        let zeroOrder = try plan(Fixture.command(total: 0))
        #expect(zeroOrder.lot == nil && zeroOrder.spendMinor == 0)
        #expect(zeroOrder.rulesAppliedJSON == #"[{"rule":"base","name":"Base rate","points":0}]"#)
        // Below the programme's minimum order: a 0-point min_order line.
        let small = try plan(Fixture.command(total: 400), program: ProgramConfig(minOrderMinor: 500))
        #expect(small.lot == nil && small.earning.lines.map(\.rule) == ["min_order"] && small.spendMinor == 400)
        // Spend never goes negative.
        #expect(try plan(Fixture.command(total: -500)).spendMinor == 0)
    }

    @Test func openHoldIsRedeemedReleasedAndConsumed() throws {
        let card = Fixture.card(balance: 1000, reserved: 300)
        let p = try plan(Fixture.command(total: 1550), card: card, hold: Fixture.hold(points: 300))
        #expect(p.redeem == 300 && p.releaseHold == 300 && p.consumedHoldID == 9)
        #expect(p.discountMinor == 300)
        // The order earns as well; its lot opens after the redemption.
        #expect(p.earned == 155 && p.lot?.points == 155)
        // The hold counts as spendable for the order it was taken for.
        #expect(p.insufficientPoints == .insufficientPoints(available: 1000, requested: 300))
    }

    @Test func theCallOverridesTheHoldButTheHoldIsStillConsumed() throws {
        let card = Fixture.card(balance: 1000, reserved: 300)
        let fewer = try plan(Fixture.command(total: 1550, redeemed: 100), card: card, hold: Fixture.hold(points: 300))
        #expect(fewer.redeem == 100 && fewer.discountMinor == 100 && fewer.releaseHold == 300 && fewer.consumedHoldID == 9)
        let none = try plan(Fixture.command(total: 1550, redeemed: 0), card: card, hold: Fixture.hold(points: 300))
        #expect(none.redeem == 0 && none.discountMinor == nil && none.releaseHold == 300 && none.consumedHoldID == 9)
    }

    @Test(arguments: [
        (RedemptionRule(maxPoints: 500), Int64(501), RedemptionViolation?.some(.aboveMaximum(500))),
        (RedemptionRule(maxPoints: 500), 500, nil),
        (RedemptionRule(minPoints: 50), 10, .belowMinimum(50)),
        (RedemptionRule(enabled: false), 1, .disabled),
    ])
    func redemptionRuleDecides(_ rule: RedemptionRule, _ points: Int64, _ violation: RedemptionViolation?) throws {
        let template = Fixture.template(redemption: rule)
        if let violation {
            let refused = LoyaltyError.redemptionNotAllowed(violation)
            #expect(throws: refused) { try plan(Fixture.command(total: 1000, redeemed: points), template: template) }
            // A hold is checked the same way when the call names no points.
            #expect(throws: refused) { try plan(Fixture.command(total: 1000), template: template, hold: Fixture.hold(points: points)) }
        } else {
            #expect(try plan(Fixture.command(total: 1000, redeemed: points), template: template).redeem == points)
        }
    }

    @Test func redeemingNothingIgnoresTheRedemptionRule() throws {
        let closed = Fixture.template(redemption: RedemptionRule(enabled: false, minPoints: 50))
        let p = try plan(Fixture.command(total: 1000, redeemed: 0), template: closed)
        #expect(p.redeem == 0 && p.earned == 100)
    }

    @Test func discountIsTheCallersElseWhatThePointsBuyRoundedDown() throws {
        #expect(try plan(Fixture.command(total: 1000, redeemed: 300, discount: 999)).discountMinor == 999)
        let thirds = Fixture.template(redemption: RedemptionRule(pointsPerCurrency: 3, currencyAmountMinor: 100))
        #expect(try plan(Fixture.command(total: 1000, redeemed: 10), template: thirds).discountMinor == 333)
        // A discount given without a redemption is recorded as given.
        #expect(try plan(Fixture.command(total: 1000, discount: 50)).discountMinor == 50)
    }

    @Test func purchasePointsWaitAndExpireFromMaturity() throws {
        let pending = try plan(Fixture.command(total: 1000), template: Fixture.template(expirationDays: 30), program: ProgramConfig(pendingDays: 14))
        #expect(pending.lot?.maturesAt == now + 14 * day && pending.lot?.expiresAt == now + 44 * day && pending.lot?.isPending == true)
        // Matures 2026-12-12, so end-of-month expiry is 2027-01-01T00:00Z, not 2026-12-01.
        let monthEnd = try plan(Fixture.command(total: 1000), program: ProgramConfig(expiry: .endOfMonth, pendingDays: 14))
        #expect(monthEnd.lot?.expiresAt == 1_798_761_600_000)
        let never = try plan(Fixture.command(total: 1000), template: Fixture.template(expirationDays: 30), program: ProgramConfig(expiry: .never))
        #expect(never.lot?.maturesAt == nil && never.lot?.expiresAt == nil)
    }

    @Test func earningUsesTheTierInForceAtTheLock() throws {
        var program = ProgramConfig()
        program.tiers.tiers[2].multiplierPercent = 125
        var gold = Fixture.card(balance: 1000)
        gold.tier = "Gold"
        let p = try plan(Fixture.command(total: 1550), card: gold, program: program)
        #expect(p.earned == 193 && p.earning.lines.map(\.rule) == ["base", "tier"])
        // Explicit points are taken as given.
        #expect(try plan(Fixture.command(total: 1550, points: 7), card: gold, program: program).earned == 7)
    }

    @Test func currencyIsTheCallsElseTheTemplates() throws {
        var c = Fixture.command(total: 1000)
        c.currency = "USD"
        #expect(try plan(c).currency == "USD")
        #expect(try plan(Fixture.command(total: 1000), template: Fixture.template(currency: "GBP")).currency == "GBP")
    }

    @Test func transactionRecordsThePlan() throws {
        let p = try plan(Fixture.command(total: 1550, redeemed: 200), card: Fixture.card(balance: 1000))
        let tx = p.transaction(id: 71, customerID: 3, at: now)
        #expect(tx.id == 71 && tx.cardID == 5 && tx.customerID == 3 && tx.shopID == 4 && tx.type == .purchase && tx.orderID == "A-1")
        #expect(tx.pointsAwarded == 155 && tx.pointsRedeemed == 200 && tx.discountMinor == 200 && tx.amountMinor == 1550 && tx.currency == "EUR")
        #expect(tx.refundID == nil && tx.originalTransactionID == nil && tx.shortfall == 0 && tx.status == "completed" && tx.createdAt == now)
        #expect(tx.rulesAppliedJSON == p.rulesAppliedJSON && tx.description == "Order A-1" && tx.reason == "purchase")
    }

    @Test func admitChecksTheShopThenTheCard() throws {
        #expect(throws: LoyaltyError.shopNotFound) { try PurchasePlan.admit(shopKnown: false, card: Fixture.card(isActive: false), at: now) }
        #expect(throws: LoyaltyError.cardInactive) { try PurchasePlan.admit(shopKnown: true, card: Fixture.card(isActive: false), at: now) }
        #expect(throws: LoyaltyError.cardExpired) { try PurchasePlan.admit(shopKnown: true, card: Fixture.card(expiresAt: now), at: now) }
        try PurchasePlan.admit(shopKnown: true, card: Fixture.card(expiresAt: now + 1), at: now)
    }
}
