import Foundation
import LoyaltyCore
import LoyaltyModels
import Testing

@Suite("Event facts and public payloads: key order, money, derived events")
struct EventPayloadTests {
    let createdAt = saturdayNoon  // 2026-11-28T12:00:00.000Z

    func tx(_ type: TransactionType = .purchase, awarded: Int64, redeemed: Int64 = 0, amount: Int64? = 1550, shop: Int64? = 4) -> ShopTransaction {
        Fixture.transaction(id: 7, type: type, amount: amount, awarded: awarded, redeemed: redeemed, shopID: shop, createdAt: createdAt)
    }

    func fact(_ t: ShopTransaction, balance: Int64) -> JSON { EventFact.transaction(t, card: Fixture.card(balance: balance)) }

    /// The events of a `transaction.created` fact.
    func expand(_ t: ShopTransaction, balance: Int64) -> [EventPayload] {
        EventPayload.expand(type: EventType.transactionCreated, data: fact(t, balance: balance), createdAt: createdAt)
    }

    // MARK: - Facts

    @Test func transactionFactKeyOrderAndMoney() {
        #expect(
            fact(tx(awarded: 155, shop: nil), balance: 155).serializedString() == """
                {"transaction_id":7,"type":"purchase","order_id":"A-1","user_id":3,"loyalty_card_id":5,"shop_id":null,\
                "points_awarded":155,"points_redeemed":0,"points_balance":155,"amount":15.50,"currency":"EUR"}
                """
        )
        // Money always has two decimals; no amount is null.
        #expect(fact(tx(awarded: 0, amount: 5), balance: 0)["amount"]?.serializedString() == "0.05")
        #expect(fact(tx(awarded: 0, amount: 100_000), balance: 0)["amount"]?.serializedString() == "1000.00")
        #expect(fact(tx(awarded: 0, amount: nil), balance: 0)["amount"] == .null)
    }

    @Test func otherFactsKeyOrder() {
        let adjustment = EventFact.adjustment(transactionID: 8, customerID: 3, cardID: 5, points: -30, reason: "damaged", actor: nil, balance: 70)
        #expect(
            adjustment.serializedString() == """
                {"transaction_id":8,"user_id":3,"loyalty_card_id":5,"points":-30,"reason":"damaged","actor":null,"points_balance":70}
                """
        )
        let transfer = EventFact.transfer(
            transactionID: 9,
            points: 25,
            reason: "gift",
            reference: "T-1",
            from: .init(customerID: 3, cardID: 5, balance: 75),
            to: .init(customerID: 4, cardID: 6, balance: 125)
        )
        #expect(
            transfer.serializedString() == """
                {"transaction_id":9,"points":25,"reason":"gift","reference":"T-1","from_user_id":3,"from_card_id":5,"from_balance":75,\
                "to_user_id":4,"to_card_id":6,"to_balance":125}
                """
        )
        let disabled = EventFact.webhookDisabled(webhookID: 2, url: "https://shop.example/hook", reason: "5 in a row", failureCount: 5)
        #expect(
            disabled.serializedString() == """
                {"webhook_id":2,"url":"https://shop.example/hook","reason":"5 in a row","failure_count":5}
                """
        )
    }

    // MARK: - Public events

    @Test func purchaseThatRedeemsAndEarns() {
        let events = expand(tx(awarded: 155, redeemed: 200), balance: 955)
        #expect(events.map(\.type) == [EventType.transactionCreated, EventType.pointsDeducted, EventType.pointsAwarded])
        #expect(events.allSatisfy { $0.shopID == 4 })
        #expect(
            events[0].data.serializedString() == """
                {"transaction_id":7,"type":"purchase","status":"completed","order_id":"A-1","reference_number":"A-1","user_id":3,\
                "loyalty_card_id":5,"shop_id":4,"amount":15.50,"currency":"EUR","points_awarded":155,"points_redeemed":200,\
                "points_balance":955,"transaction_date":"2026-11-28T12:00:00.000Z"}
                """
        )
        #expect(
            events[1].data.serializedString() == """
                {"user_id":3,"loyalty_card_id":5,"shop_id":4,"transaction_id":7,"points":200,"points_balance":955,\
                "source":"redemption","order_id":"A-1"}
                """
        )
        #expect(events[2].data["points"] == .int(155) && events[2].data["source"] == .string("purchase"))
    }

    @Test func awardAndZeroPointTransactions() {
        let bonus = expand(tx(.bonus, awarded: 40, amount: nil), balance: 40)
        #expect(bonus.map(\.type) == [EventType.transactionCreated, EventType.pointsAwarded] && bonus[1].data["source"] == .string("bonus"))
        #expect(bonus[0].data["amount"] == .null)
        #expect(expand(tx(awarded: 0), balance: 0).map(\.type) == [EventType.transactionCreated])
    }

    @Test func refundSaysPlainlyWhatItTookAndGaveBack() throws {
        // A refund row keeps the points it took in points_awarded and what it gave back in points_redeemed.
        let events = expand(tx(.refund, awarded: 50, redeemed: 20, amount: 500), balance: 70)
        #expect(events.map(\.type) == [EventType.transactionCreated, EventType.pointsDeducted, EventType.pointsAwarded])
        guard case let .object(members) = events[0].data else { throw Failure.notAnObject }
        #expect(
            members.map(\.0) == [
                "transaction_id", "type", "status", "order_id", "reference_number", "user_id", "loyalty_card_id", "shop_id", "amount", "currency",
                "points_awarded", "points_redeemed", "points_reversed", "redeemed_returned", "points_balance", "transaction_date",
            ]
        )
        let data = events[0].data
        #expect(data["points_reversed"] == .int(50) && data["redeemed_returned"] == .int(20) && data["amount"] == .money(500))
        #expect(events[1].data["points"] == .int(50) && events[1].data["source"] == .string("refund"))
        #expect(events[2].data["points"] == .int(20) && events[2].data["source"] == .string("refund"))
        let cancellation = expand(tx(.cancellation, awarded: 100, amount: nil), balance: 0)
        #expect(cancellation.map(\.type) == [EventType.transactionCreated, EventType.pointsDeducted])
        #expect(cancellation[0].data["points_reversed"] == .int(100))
    }

    enum Failure: Error { case notAnObject }

    @Test func aStoredFactReadBackKeepsTheDocumentedOrder() throws {
        // The publisher reads facts back from their stored text: keys come back sorted and
        // numbers as numbers; the public event still has its documented order and carries
        // the amount as read (15.50 is the number 15.5).
        let stored = fact(tx(awarded: 155), balance: 155).serializedString()
        let read = try JSONDecoder().decode(JSON.self, from: Data(stored.utf8))
        let events = EventPayload.expand(type: EventType.transactionCreated, data: read, createdAt: createdAt)
        let direct = expand(tx(awarded: 155), balance: 155)
        #expect(events.map(\.type) == direct.map(\.type))
        #expect(events[0].data["amount"] == .double(15.5))
        guard case var .object(members) = direct[0].data, let i = members.firstIndex(where: { $0.0 == "amount" }) else { throw Failure.notAnObject }
        members[i].1 = .double(15.5)
        #expect(events[0].data == .object(members))
        #expect(events[1] == direct[1])
    }

    @Test func shopIDMayBeReadBackAsAWholeNumber() {
        let data = JSON.object([("shop_id", .double(4)), ("tier", .string("Gold"))])
        let events = EventPayload.expand(type: "tier.changed", data: data, createdAt: createdAt)
        #expect(events == [EventPayload(type: "tier.changed", data: data, shopID: 4)])
        #expect(EventPayload.expand(type: "tier.changed", data: .object([("shop_id", .double(4.5))]), createdAt: createdAt)[0].shopID == nil)
    }

    @Test func adjustmentBecomesATransactionAndAPointsEvent() {
        let data = EventFact.adjustment(transactionID: 8, customerID: 3, cardID: 5, points: -30, reason: "damaged", actor: "ops", balance: 70)
        let events = EventPayload.expand(type: EventType.pointsAdjusted, data: data, createdAt: createdAt)
        #expect(events.map(\.type) == [EventType.pointsAdjusted, EventType.transactionCreated, EventType.pointsDeducted])
        #expect(events[0].data == data && events.allSatisfy { $0.shopID == nil })
        #expect(
            events[1].data.serializedString() == """
                {"transaction_id":8,"type":"adjustment","status":"completed","order_id":null,"reference_number":null,"user_id":3,\
                "loyalty_card_id":5,"shop_id":null,"amount":null,"currency":null,"points_awarded":0,"points_redeemed":30,\
                "points_balance":70,"transaction_date":"2026-11-28T12:00:00.000Z"}
                """
        )
        #expect(
            events[2].data.serializedString() == """
                {"user_id":3,"loyalty_card_id":5,"shop_id":null,"transaction_id":8,"points":30,"points_balance":70,\
                "source":"adjustment","order_id":null}
                """
        )
        let goodwill = EventFact.adjustment(transactionID: 8, customerID: 3, cardID: 5, points: 30, reason: "goodwill", actor: nil, balance: 130)
        let credit = EventPayload.expand(type: EventType.pointsAdjusted, data: goodwill, createdAt: createdAt)
        #expect(credit[2].type == EventType.pointsAwarded)
        #expect(credit[1].data["points_awarded"] == .int(30) && credit[1].data["points_redeemed"] == .int(0))
    }

    @Test func transferBecomesBothSides() {
        let data = EventFact.transfer(
            transactionID: 9,
            points: 25,
            reason: "gift",
            reference: "T-1",
            from: .init(customerID: 3, cardID: 5, balance: 75),
            to: .init(customerID: 4, cardID: 6, balance: 125)
        )
        let events = EventPayload.expand(type: EventType.pointsTransferred, data: data, createdAt: createdAt)
        #expect(events.map(\.type) == [EventType.pointsTransferred, EventType.transactionCreated, EventType.pointsDeducted, EventType.pointsAwarded])
        let tx = events[1].data
        #expect(tx["type"] == .string("transfer") && tx["order_id"] == .string("T-1") && tx["reference_number"] == .string("T-1"))
        #expect(tx["user_id"] == .int(3) && tx["points_redeemed"] == .int(25) && tx["points_balance"] == .int(75))
        #expect(
            events[2].data.serializedString() == """
                {"user_id":3,"loyalty_card_id":5,"shop_id":null,"transaction_id":9,"points":25,"points_balance":75,\
                "source":"transfer","order_id":"T-1"}
                """
        )
        #expect(
            events[3].data.serializedString() == """
                {"user_id":4,"loyalty_card_id":6,"shop_id":null,"transaction_id":9,"points":25,"points_balance":125,\
                "source":"transfer","order_id":"T-1"}
                """
        )
    }

    @Test func otherFactsPassThroughUnchanged() {
        let data = EventFact.webhookDisabled(webhookID: 2, url: "https://shop.example/hook", reason: "5 in a row", failureCount: 5)
        let events = EventPayload.expand(type: EventType.webhookDisabled, data: data, createdAt: createdAt)
        #expect(events == [EventPayload(type: EventType.webhookDisabled, data: data, shopID: nil)])
    }
}
