import LoyaltyCore
import LoyaltyModels
import Testing

@Suite("Reversal plan: exact cumulative refunds and the refund policy")
struct ReversalPlanTests {
    /// What the store does to the original after each refund.
    func applied(_ r: ReversalPlan.Request, to original: ShopTransaction) -> ShopTransaction {
        var o = original
        o.pointsReversed += r.points
        o.redeemedReturned += r.returned
        o.amountRefunded += r.refundedMinor
        return o
    }

    func refund(_ amount: Int64?, id: String) -> TransactionCommand { Fixture.command(.refund, total: amount, refundID: id) }

    // MARK: - Amounts

    @Test func cumulativePartialRefundsFloorTheRunningShare() throws {
        // 3.33 + 3.33 + 3.34 of a 10.00 order worth 10 points take 3 + 3 + 4.
        var original = Fixture.original(amount: 1000, points: 10)
        var taken: [Int64] = []
        for (i, part) in [333, 333, 334].enumerated() {
            let r = try ReversalPlan.Request(command: refund(Int64(part), id: "p\(i)"), original: original)
            taken.append(r.points)
            #expect(r.refundedMinor == Int64(part))
            original = applied(r, to: original)
        }
        #expect(taken == [3, 3, 4] && original.pointsReversed == 10 && original.amountRefunded == 1000)
        #expect(throws: LoyaltyError.nothingToRefund) { try ReversalPlan.Request(command: refund(100, id: "p9"), original: original) }
    }

    @Test func redeemedPointsComeBackInTheSameProportion() throws {
        let original = Fixture.original(amount: 1000, points: 7, redeemed: 500)
        let half = try ReversalPlan.Request(command: refund(500, id: "h"), original: original)
        #expect(half.points == 3 && half.returned == 250)
        // The rest takes what is left, never more than the order gave.
        let rest = try ReversalPlan.Request(command: refund(500, id: "r"), original: applied(half, to: original))
        #expect(rest.points == 4 && rest.returned == 250 && rest.refundedMinor == 500)
    }

    @Test func aRefundBeyondTheOrderTakesWhatIsLeft() throws {
        let original = Fixture.original(amount: 1000, points: 100)
        let first = try ReversalPlan.Request(command: refund(400, id: "a"), original: original)
        let over = try ReversalPlan.Request(command: refund(5000, id: "b"), original: applied(first, to: original))
        #expect(first.points == 40 && over.points == 60 && over.refundedMinor == 600)
    }

    @Test func aCancellationTakesEverythingAndNothingIsLeftAfterIt() throws {
        let original = Fixture.original(amount: 1000, points: 100, redeemed: 50)
        let cancel = try ReversalPlan.Request(command: Fixture.command(.cancellation), original: original)
        #expect(cancel.points == 100 && cancel.returned == 50 && cancel.refundedMinor == 1000)
        let cancelled = applied(cancel, to: original)
        #expect(throws: LoyaltyError.nothingToRefund) { try ReversalPlan.Request(command: refund(100, id: "late"), original: cancelled) }
        // A cancellation after a partial refund takes the rest.
        let partial = try ReversalPlan.Request(command: refund(250, id: "q"), original: original)
        let rest = try ReversalPlan.Request(command: Fixture.command(.cancellation), original: applied(partial, to: original))
        #expect(partial.points == 25 && rest.points == 75 && rest.returned == 50 - partial.returned && rest.refundedMinor == 750)
    }

    @Test func explicitPointsAreCappedAndGiveNothingBack() throws {
        let original = Fixture.original(amount: 1000, points: 100, redeemed: 50)
        let some = try ReversalPlan.Request(command: Fixture.command(.refund, total: 200, points: 30, refundID: "x"), original: original)
        #expect(some.points == 30 && some.returned == 0 && some.refundedMinor == 200)
        let tooMany = try ReversalPlan.Request(command: Fixture.command(.refund, points: 500, refundID: "y"), original: original)
        #expect(tooMany.points == 100 && tooMany.refundedMinor == 0)
    }

    @Test func anOrderThatMovedNoPointsIsRefundedWithoutPoints() throws {
        let r = try ReversalPlan.Request(command: refund(500, id: "z"), original: Fixture.original(amount: 1000, points: 0))
        #expect(r.points == 0 && r.returned == 0 && r.refundedMinor == 500)
        let plan = try ReversalPlan(request: r, orderLots: [], card: Fixture.card(), policy: .refuse)
        #expect(plan.deducted == 0 && plan.shortfall == 0 && plan.lapsed == 0)
    }

    @Test func spendDeltaAndShop() throws {
        let purchase = try ReversalPlan.Request(command: refund(300, id: "s"), original: Fixture.original())
        #expect(purchase.spendDeltaMinor == -300 && purchase.shopID == 4)
        let award = try ReversalPlan.Request(command: refund(300, id: "s"), original: Fixture.original(type: .bonus))
        #expect(award.spendDeltaMinor == 0)
        var elsewhere = refund(300, id: "s")
        elsewhere.shopID = 8
        #expect(try ReversalPlan.Request(command: elsewhere, original: Fixture.original()).shopID == 8)
        elsewhere.shopID = nil
        #expect(try ReversalPlan.Request(command: elsewhere, original: Fixture.original()).shopID == 4)
    }

    // MARK: - Lots and the policy

    /// The order's one lot of 100 points: `remaining` left on the card, `expired` lapsed, the rest spent.
    func orderLot(remaining: Int64, expired: Int64 = 0, maturesAt: Int64? = nil) -> LotState {
        LotState(id: 11, points: 100, remaining: remaining, expired: expired, maturesAt: maturesAt)
    }

    func cancel(
        _ lots: [LotState],
        card: LoyaltyCard,
        policy: RefundPolicy = .partialDeduction,
        original: ShopTransaction = Fixture.original()
    ) throws(LoyaltyError) -> ReversalPlan {
        try ReversalPlan(command: Fixture.command(.cancellation), original: original, orderLots: lots, card: card, policy: policy)
    }

    @Test func pointsStillOnTheOrderLotComeBackFromIt() throws {
        let p = try cancel([orderLot(remaining: 100)], card: Fixture.card(balance: 250))
        #expect(p.fromOrderLots.map(\.id) == [11] && p.fromOrderLots.map(\.take) == [100])
        #expect(p.takenFromOrder == 100 && p.reclaimed == 0 && p.debt == 0 && p.shortfall == 0 && p.lapsed == 0 && p.deducted == 100)
        #expect(p.reversedMarks.isEmpty)
    }

    @Test func pendingOrderPointsComeBackWhateverTheHolds() throws {
        // The whole balance is this order's pending lot: it comes back though none of it was spendable.
        let p = try cancel([orderLot(remaining: 100, maturesAt: 99)], card: Fixture.card(balance: 100, pending: 100), policy: .refuse)
        #expect(p.takenFromOrder == 100 && p.deducted == 100 && p.shortfall == 0)
    }

    @Test(arguments: RefundPolicy.allCases)
    func spentPointsFollowThePolicy(_ policy: RefundPolicy) throws {
        // The order's 100 points were all spent and the card holds nothing.
        let lots = [orderLot(remaining: 0)]
        switch policy {
        case .partialDeduction:
            let p = try cancel(lots, card: Fixture.card(balance: 0), policy: policy)
            #expect(p.deducted == 0 && p.shortfall == 100 && p.debt == 0 && p.reversedMarks.isEmpty)
        case .negativeBalance:
            let p = try cancel(lots, card: Fixture.card(balance: 0), policy: policy)
            #expect(p.deducted == 100 && p.debt == 100 && p.shortfall == 0)
            #expect(p.reversedMarks.map(\.id) == [11] && p.reversedMarks.map(\.take) == [100])
        case .refuse:
            #expect(throws: LoyaltyError.refundRefused(needed: 100, available: 0)) { try cancel(lots, card: Fixture.card(), policy: policy) }
        }
    }

    @Test(arguments: RefundPolicy.allCases)
    func spentPointsAreReclaimedFromOtherLotsFirst(_ policy: RefundPolicy) throws {
        // Spent 100 of the order's points; 60 remain elsewhere on the card, 10 of them held.
        let lots = [orderLot(remaining: 0)]
        let card = Fixture.card(balance: 60, reserved: 10)
        if policy == .refuse {
            #expect(throws: LoyaltyError.refundRefused(needed: 100, available: 50)) { try cancel(lots, card: card, policy: policy) }
            return
        }
        let p = try cancel(lots, card: card, policy: policy)
        #expect(p.reclaimed == 50)
        if policy == .partialDeduction {
            #expect(p.shortfall == 50 && p.debt == 0 && p.deducted == 50)
        } else {
            #expect(p.debt == 50 && p.shortfall == 0 && p.deducted == 100)
        }
        #expect(p.reversedMarks.map(\.take) == [policy == .partialDeduction ? 50 : 100])
    }

    @Test func redeemedPointsGivenBackCountTowardsTheReclaim() throws {
        // The order redeemed 40 and earned 100, all spent; the 40 come back first and cover part of the reclaim.
        let original = Fixture.original(amount: 1000, points: 100, redeemed: 40)
        let p = try cancel([orderLot(remaining: 0)], card: Fixture.card(balance: 0), policy: .partialDeduction, original: original)
        #expect(p.request.returned == 40 && p.reclaimed == 40 && p.shortfall == 60 && p.deducted == 40)
    }

    @Test(arguments: RefundPolicy.allCases)
    func expiredPointsLapseAndAreNeverTakenTwice(_ policy: RefundPolicy) throws {
        let p = try cancel([orderLot(remaining: 0, expired: 100)], card: Fixture.card(balance: 0), policy: policy)
        #expect(p.lapsed == 100 && p.deducted == 0 && p.shortfall == 0 && p.debt == 0)
        #expect(p.request.points == 100, "the original still records them as reversed")
    }

    @Test func mixedLotRemainingExpiredAndSpent() throws {
        // Of 100: 30 still there, 20 expired, 50 spent; the card has 40 more elsewhere.
        let p = try cancel([orderLot(remaining: 30, expired: 20)], card: Fixture.card(balance: 70))
        #expect(p.takenFromOrder == 30 && p.reclaimed == 40 && p.shortfall == 10 && p.lapsed == 20 && p.deducted == 70)
        #expect(p.details.serializedString() == #"{"from_order_lots":30,"reclaimed":40,"debt":0,"lapsed":20,"shortfall":10}"#)
    }

    @Test func partialRefundTakesTheOrderLotFirst() throws {
        // 250 of 1000 => 25 points, all still on the order's lot.
        let p = try ReversalPlan(
            command: refund(250, id: "p"),
            original: Fixture.original(),
            orderLots: [orderLot(remaining: 60)],
            card: Fixture.card(balance: 60),
            policy: .refuse
        )
        #expect(p.takenFromOrder == 25 && p.deducted == 25 && p.lapsed == 0)
    }

    @Test func ordersWithoutLotsCountEverythingAsSpent() throws {
        let p = try cancel([], card: Fixture.card(balance: 30))
        #expect(p.reclaimed == 30 && p.shortfall == 70 && p.lapsed == 0 && p.reversedMarks.isEmpty)
    }

    @Test func marksSpreadOverTheOrdersSpentLots() throws {
        let lots = [LotState(id: 11, points: 60, remaining: 0), LotState(id: 12, points: 40, remaining: 10)]
        let p = try cancel(lots, card: Fixture.card(balance: 200))
        #expect(p.fromOrderLots.map(\.id) == [12] && p.reclaimed == 90)
        #expect(p.reversedMarks.map(\.id) == [11, 12] && p.reversedMarks.map(\.take) == [60, 30])
    }

    @Test func transactionRecordsTheRefund() throws {
        let p = try ReversalPlan(
            command: refund(250, id: "p"),
            original: Fixture.original(),
            orderLots: [orderLot(remaining: 0, expired: 100)],
            card: Fixture.card(balance: 0),
            policy: .partialDeduction
        )
        let tx = p.transaction(id: 72, at: 1000)
        #expect(tx.type == .refund && tx.refundID == "p" && tx.originalTransactionID == 70 && tx.cardID == 5 && tx.customerID == 3 && tx.shopID == 4)
        #expect(tx.pointsAwarded == 0 && tx.pointsRedeemed == 0 && tx.lapsed == 25)
        #expect(tx.amountMinor == 250 && tx.currency == "EUR" && tx.createdAt == 1000)
    }

    @Test func theNamedCustomerMustBeThePurchaser() throws {
        let customer = Customer(id: 3, partnerID: 1, externalID: nil, email: "ann@example.com", phone: nil, name: nil, createdAt: 0, updatedAt: 0)
        let original = Fixture.original()
        let notFound = LoyaltyError.originalTransactionNotFound(orderID: "A-1")
        func check(_ ref: TransactionCommand.CustomerRef) throws(LoyaltyError) {
            try ReversalPlan.requireSameCustomer(Fixture.command(.refund, customer: ref), original: original, customer: customer)
        }
        try check(.id(3))
        try check(.email("Ann@Example.com"))
        try check(.card(5))
        #expect(throws: notFound) { try check(.id(4)) }
        #expect(throws: notFound) { try check(.email("bob@example.com")) }
        #expect(throws: notFound) { try check(.card(6)) }
    }
}
