import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@Suite("transactions/create, refunds, reservations, history", .databases)
struct TransactionTests {
    @Test(arguments: Backend.allCases)
    func purchaseDuplicateAndRefund(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("p@example.com")
            try await Self.purchaseEarnsByTheTemplateRule(app, user)
            try await Self.aRepeatedOrderIsRefusedAndChangesNothing(app, user)
            try await Self.explicitPointsByEmail(app)
            try await Self.redeemingSpendsBeforeEarning(app, user)
            try await Self.refundReversesEarnedAndReturnsSpent(app, user)
            try await Self.theAliasAndAnUnknownUser(app, user)
            try await Self.historyFiltersAndPages(app, user)
        }
    }

    static func purchaseEarnsByTheTemplateRule(_ app: TestApp, _ user: Int64) async throws {
        let first = try await app.post(
            "/en/shop/transactions/create",
            #"{"order_id":"WC-1","user_id":\#(user),"order_total":15.50,"currency":"EUR"}"#
        )
        #expect(first.status == .created)
        #expect(first.int("data", "points_awarded") == 15)
        #expect(first.int("data", "points_balance") == 15)
        #expect(first.data["order_total"] == .double(15.5))
    }

    /// A second call with the same order_id and type: 409 and nothing changes.
    static func aRepeatedOrderIsRefusedAndChangesNothing(_ app: TestApp, _ user: Int64) async throws {
        let again = try await app.post("/en/shop/transactions/create", #"{"order_id":"WC-1","user_id":\#(user),"order_total":99}"#)
        #expect(again.status == .conflict)
        #expect(again.string("error", "code") == "RESOURCE_ALREADY_EXISTS")
        #expect(try await app.balance(user) == 15)
    }

    /// Explicit points, and user_email (in another case) instead of user_id.
    static func explicitPointsByEmail(_ app: TestApp) async throws {
        let explicit = try await app.post("/en/shop/transactions/create", #"{"order_id":"WC-2","user_email":"P@example.com","points":40}"#)
        #expect(explicit.int("data", "points_awarded") == 40)
    }

    /// Spend in the same call: redeemed first, then earned.
    static func redeemingSpendsBeforeEarning(_ app: TestApp, _ user: Int64) async throws {
        let spend = try await app.post(
            "/en/shop/transactions/create",
            #"{"order_id":"WC-3","user_id":\#(user),"order_total":10,"points_redeemed":50}"#
        )
        #expect(spend.status == .created)
        #expect(spend.int("data", "points_balance") == Int64(15 + 40 - 50 + 10))
        #expect(spend.data["discount_amount"] == .double(0.5))
    }

    /// A refund reverses earned points and returns spent ones, once; a cancellation after
    /// it and a refund of an unknown order are refused.
    static func refundReversesEarnedAndReturnsSpent(_ app: TestApp, _ user: Int64) async throws {
        let refund = try await app.post("/en/shop/transactions/create", #"{"order_id":"WC-3","user_id":\#(user),"type":"refund"}"#)
        #expect(refund.status == .created)
        #expect(refund.int("data", "points_reversed") == 10)
        #expect(refund.int("data", "points_returned") == 50)
        #expect(try await app.balance(user) == 55)
        let refundAgain = try await app.post("/en/shop/transactions/create", #"{"order_id":"WC-3","user_id":\#(user),"type":"refund"}"#)
        #expect(refundAgain.status == .conflict)
        let cancelAfterRefund = try await app.post("/en/shop/transactions/create", #"{"order_id":"WC-3","user_id":\#(user),"type":"cancellation"}"#)
        #expect(cancelAfterRefund.status == .conflict)
        let refundUnknown = try await app.post("/en/shop/transactions/create", #"{"order_id":"NOPE","user_id":\#(user),"type":"refund"}"#)
        #expect(refundUnknown.status == .notFound)
        #expect(try await app.balance(user) == 55)
    }

    /// The alias S17 behaves the same; an unknown user is the real API's 404.
    static func theAliasAndAnUnknownUser(_ app: TestApp, _ user: Int64) async throws {
        let alias = try await app.post("/en/shop/transactions/award-points", #"{"order_id":"WC-4","user_id":\#(user),"points":5}"#)
        #expect(alias.status == .created)
        let unknownUser = try await app.post("/en/shop/transactions/create", #"{"order_id":"WC-5","user_id":999999,"points":5}"#)
        #expect(unknownUser.status == .notFound)
        #expect(unknownUser.string("message") == "User not found")
        try await app.expectLedgerConsistent()
    }

    /// History: filters and pagination meta.
    static func historyFiltersAndPages(_ app: TestApp, _ user: Int64) async throws {
        let all = try await app.get("/en/shop/transactions?per_page=2")
        #expect(all.int("meta", "total") == 5)
        #expect(all.int("meta", "last_page") == 3)
        #expect(all.int("meta", "per_page") == 2)
        let refunds = try await app.get("/en/shop/transactions?type=refund&user_id=\(user)")
        #expect(refunds.int("meta", "total") == 1)
        let byOrder = try await app.get("/en/shop/transactions?reference_number=WC-1")
        #expect(byOrder.int("meta", "total") == 1)
        let today = todayUTC()
        let dated = try await app.get("/en/shop/transactions?date_from=\(today)&date_to=\(today)")
        #expect(dated.int("meta", "total") == 5)
        let badPage = try await app.get("/en/shop/transactions?per_page=1000")
        #expect(badPage.status == .unprocessableContent)
    }

    @Test(arguments: Backend.allCases)
    func insufficientPointsWritesNothing(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("i@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"A","user_id":\#(user),"points":20}"#)
            let r = try await app.post("/en/shop/transactions/create", #"{"order_id":"B","user_id":\#(user),"order_total":100,"points_redeemed":21}"#)
            #expect(r.status == .badRequest)
            #expect(r.string("error", "code") == "INSUFFICIENT_POINTS")
            #expect(try await app.balance(user) == 20)
            let history = try await app.get("/en/shop/transactions")
            #expect(history.int("meta", "total") == 1)
            // The failed order can be retried once the customer has the points.
            let retry = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"B","user_id":\#(user),"order_total":100,"points_redeemed":20}"#
            )
            #expect(retry.status == .created)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func reservationsHoldAndAreConsumed(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("r@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"seed","user_id":\#(user),"points":100}"#)
            let hold = try await app.post("/en/shop/points/reserve", #"{"user_id":\#(user),"points":60,"order_id":"CHK-1"}"#)
            #expect(hold.status == .created)
            let id = try #require(hold.int("data", "reservation_id"))
            let info = try await app.get("/en/shop/loyalty-cards/balance?user_id=\(user)")
            #expect(info.int("data", "available_points") == 40)
            // Held points cannot be spent twice.
            let tooMuch = try await app.post("/en/shop/points/reserve", #"{"user_id":\#(user),"points":50,"order_id":"CHK-2"}"#)
            #expect(tooMuch.status == .badRequest)
            let dup = try await app.post("/en/shop/points/reserve", #"{"user_id":\#(user),"points":1,"order_id":"CHK-1"}"#)
            #expect(dup.status == .conflict)
            let read = try await app.get("/en/shop/points/reservation?reservation_id=\(id)")
            #expect(read.string("data", "status") == "active")
            // Confirming = transactions/create with the same order id: the hold is redeemed.
            let confirm = try await app.post("/en/shop/transactions/create", #"{"order_id":"CHK-1","user_id":\#(user),"order_total":0}"#)
            #expect(confirm.int("data", "points_redeemed") == 60)
            #expect(try await app.balance(user) == 40)
            let consumed = try await app.get("/en/shop/points/reservation?order_id=CHK-1")
            #expect(consumed.string("data", "status") == "consumed")
            // Release path.
            let hold2 = try await app.post("/en/shop/points/reserve", #"{"user_id":\#(user),"points":30,"order_id":"CHK-3"}"#)
            #expect(hold2.status == .created)
            let release = try await app.post("/en/shop/points/release", #"{"order_id":"CHK-3"}"#)
            #expect(release.string("data", "status") == "released")
            let releaseAgain = try await app.post("/en/shop/points/release", #"{"order_id":"CHK-3"}"#)
            #expect(releaseAgain.status == .conflict)
            let after = try await app.get("/en/shop/loyalty-cards/balance?user_id=\(user)")
            #expect(after.int("data", "available_points") == 40)
            #expect(try await app.get("/en/shop/points/reservation?reservation_id=999999").status == .notFound)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func cardLookups(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("c@example.com")
            let info = try await app.get("/en/shop/loyalty-cards/info?user_id=\(user)")
            #expect(info.status == .ok)
            let number = try #require(info.string("data", "card_number"))
            #expect(number.count == 11 && number.split(separator: "-").count == 3)
            let qr = try #require(info.string("data", "qr_code"))
            let cardID = try #require(info.int("data", "id"))
            for q in [
                "card_number=\(number)", "card_number=\(number.replacingOccurrences(of: "-", with: ""))", "card_number=\(qr)", "card_id=\(cardID)",
                "user_email=c@example.com",
            ] {
                let r = try await app.get("/en/shop/loyalty-cards/balance?\(q)")
                #expect(r.int("data", "card_id") == cardID, "lookup by \(q)")
            }
            let none = try await app.get("/en/shop/loyalty-cards/info")
            #expect(none.status == .unprocessableContent)
            let missing = try await app.get("/en/shop/loyalty-cards/info?card_number=000-000-000")
            #expect(missing.status == .notFound)
            #expect(missing.int("code") == 1200)
            let templates = try await app.get("/en/shop/loyalty-cards")
            #expect(templates.int("meta", "total") == 1)
            let templateID = try #require(app.shop.template.id as Int64?)
            let template = try await app.get("/en/shop/loyalty-cards/\(templateID)")
            #expect(template.int("data", "points_per_currency") == 1)
            let shops = try await app.get("/en/shop/shops?search=test")
            #expect(shops.int("meta", "total") == 1)
        }
    }
}
