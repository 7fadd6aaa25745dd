import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import LoyaltyTestSupport
import QRCode
import Testing

@testable import LoyaltyServer

@Suite("Digital cards", .databases)
struct CardAPITests {
    @Test(arguments: Backend.allCases)
    func scanReadsTokensAndStaticCodesAndRefusesTamperedExpiredAndForeign(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let userID = try await app.customer("scan@example.com")
            let card = try #require(try await app.services.customers.primaryCard(partnerID: app.partnerID, customerID: userID))
            let issued = try await app.get("/en/shop/cards/\(card.id)/qr-token?ttl_seconds=120")
            #expect(issued.status == .ok)
            let token = try #require(issued.string("data", "token"))

            let scanned = try await app.post("/en/shop/loyalty-cards/scan", #"{"qr_data":"\#(token)"}"#)
            #expect(scanned.status == .ok && scanned.int("data", "customer", "id") == userID && scanned.int("data", "card", "id") == card.id)
            #expect(scanned.string("data", "source") == "token" && scanned.int("data", "balance", "points") == card.balance)
            for code in [card.qrCode, card.cardNumber, "loyalty:card:\(card.cardNumber)"] {
                let r = try await app.post("/en/shop/loyalty-cards/scan", #"{"qr_data":"\#(code)"}"#)
                #expect(r.status == .ok && r.string("data", "source") == "static" && r.int("data", "card", "id") == card.id, "\(code)")
            }

            // One flipped character: refused with the reason named.
            let i = token.index(token.startIndex, offsetBy: 30)
            let tampered = token.replacingCharacters(in: i...i, with: token[i] == "A" ? "B" : "A")
            let bad = try await app.post("/en/shop/loyalty-cards/scan", #"{"qr_data":"\#(tampered)"}"#)
            #expect(
                bad.status == .unprocessableContent && bad.string("error", "code") == "QR_INVALID"
                    && bad.string("error", "details", "reason") == "signature"
            )

            // Expired.
            let (old, _) = try await app.services.cardTokens.issue(card: card, ttlSeconds: 30, now: SystemWallClock().nowMillis() - 60_000)
            let expired = try await app.post("/en/shop/loyalty-cards/scan", #"{"qr_data":"\#(old)"}"#)
            #expect(expired.status == .gone && expired.string("error", "code") == "QR_EXPIRED")

            // Another partner's scanner learns nothing from this partner's token or codes.
            let other = try await app.services.provisionShop(name: "Other")
            for code in [token, card.qrCode, card.cardNumber] {
                let r = try await app.call(.post, "/en/shop/loyalty-cards/scan", json: #"{"qr_data":"\#(code)"}"#, headers: app.credentials(other))
                #expect(r.status == .notFound && r.string("error", "code") == "CARD_NOT_FOUND", "\(code)")
            }
            for body in [#"{}"#, #"{"qr_data":""}"#, #"{"qr_data":"has space"}"#, #"{"qr_data":"LT1.!!!"}"#] {
                let r = try await app.post("/en/shop/loyalty-cards/scan", body)
                #expect(r.status.code >= 400 && r.status.code < 500, "\(body) -> \(r.status)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func blockedAndExpiredCardsNeitherEarnNorRedeem(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let userID = try await app.customer("block@example.com")
            try await app.post("/en/shop/points/award", #"{"customer_id":\#(userID),"points":500}"#)
            #expect(
                try await app.post("/en/shop/transactions/create", #"{"order_id":"pre-block","user_id":\#(userID),"order_total":30}"#).status.code
                    < 300
            )
            let cardID = try #require(try await app.services.customers.primaryCard(partnerID: app.partnerID, customerID: userID)?.id)
            let before = try await app.balance(userID)
            let transactionsBefore = try await app.get("/en/shop/transactions?user_id=\(userID)").data.array.count

            let blocked = try await app.post("/en/shop/cards/\(cardID)/block", #"{"reason":"reported lost"}"#)
            #expect(
                blocked.status == .ok && blocked.string("data", "status") == "blocked" && blocked.string("data", "blocked_reason") == "reported lost"
            )
            let earn = try await app.post("/en/shop/transactions/create", #"{"order_id":"b-1","user_id":\#(userID),"order_total":20}"#)
            #expect(earn.status == .badRequest && earn.string("error", "code") == "BUSINESS_CARD_BLOCKED")
            let redeem = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"b-2","user_id":\#(userID),"order_total":20,"points_redeemed":100}"#
            )
            #expect(redeem.status == .badRequest && redeem.string("error", "code") == "BUSINESS_CARD_BLOCKED")
            let award = try await app.post("/en/shop/points/award", #"{"customer_id":\#(userID),"points":5}"#)
            #expect(award.status == .badRequest)
            #expect(try await app.get("/en/shop/cards/\(cardID)/qr-token").status == .badRequest)
            #expect(try await app.balance(userID) == before)
            #expect(try await app.get("/en/shop/transactions?user_id=\(userID)").data.array.count == transactionsBefore)
            // Taking points back does not depend on the card's state.
            let refund = try await app.post("/en/shop/transactions/create", #"{"order_id":"pre-block","user_id":\#(userID),"type":"refund"}"#)
            #expect(refund.status.code < 300, "\(refund.json.serializedString())")
            #expect(try await app.balance(userID) == before - 30)

            #expect(try await app.post("/en/shop/cards/\(cardID)/unblock", "").string("data", "status") == "active")
            let expired = try await app.call(.put, "/en/shop/cards/\(cardID)", json: #"{"expires_at":"2020-01-01T00:00:00Z"}"#)
            #expect(expired.status == .ok && expired.string("data", "status") == "expired")
            let late = try await app.post("/en/shop/transactions/create", #"{"order_id":"e-1","user_id":\#(userID),"order_total":20}"#)
            #expect(late.status == .badRequest && late.string("error", "code") == "BUSINESS_CARD_EXPIRED")
            #expect(try await app.call(.put, "/en/shop/cards/\(cardID)", json: #"{"expires_at":"next week"}"#).status == .unprocessableContent)
            #expect(try await app.call(.put, "/en/shop/cards/\(cardID)", json: #"{"expires_at":null}"#).string("data", "status") == "active")
            #expect(
                try await app.post("/en/shop/transactions/create", #"{"order_id":"ok-1","user_id":\#(userID),"order_total":20}"#).status.code < 300
            )
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func cardsAreIssuedOncePerTemplateWithTheWelcomeBonus(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let userID = try await app.customer("issue@example.com")
            let again = try await app.post("/en/shop/cards", #"{"user_id":\#(userID)}"#)
            #expect(again.status == .conflict && again.string("error", "code") == "CARD_ALREADY_EXISTS")
            let other = try await app.services.provisionShop(name: "Other")
            let theirUser = try await app.call(.post, "/en/shop/customers", json: #"{"email":"x@example.com"}"#, headers: app.credentials(other))
            let foreign = try await app.post("/en/shop/cards", #"{"user_id":\#(theirUser.int("data", "id")!)}"#)
            #expect(foreign.status == .notFound)
            let wrongTemplate = try await app.post("/en/shop/cards", #"{"user_id":\#(userID),"template_id":\#(other.template.id)}"#)
            #expect(wrongTemplate.status == .notFound)
            let list = try await app.get("/en/shop/customers/\(userID)/cards")
            #expect(list.data.array.count == 1 && list.data.arrayFirst?["status"] == .string("active"))
        }
    }

    @Test func qrImagesAreRenderedAndBadParametersNamed() async throws {
        try await TestApp.with(.sqlite) { app in
            let png = try await app.call(.get, "/qr?data=hello%20world&ec=Q&size=200", auth: false)
            #expect(png.status == .ok && png.headers[.contentType] == "image/png")
            #expect(png.headers[HTTPField.Name("X-QR-Version")!] == "1" && png.headers[HTTPField.Name("X-QR-Error-Correction")!] == "Q")
            let svg = try await app.call(.get, "/qr?data=hello&format=svg", auth: false)
            #expect(svg.headers[.contentType] == "image/svg+xml" && (svg.json.string ?? "").contains("<svg"))
            let long = String(repeating: "x", count: 1300)
            let tooLong = try await app.call(.get, "/qr?data=\(long)&ec=H", auth: false)
            #expect(tooLong.status == .unprocessableContent && tooLong.json["errors"]?["data"] != nil)
            for query in ["", "data=x&size=10", "data=x&ec=Z", "data=x&format=gif", "data=x&border=99"] {
                #expect(try await app.call(.get, "/qr?\(query)", auth: false).status == .unprocessableContent, "\(query)")
            }
            let userID = try await app.customer("img@example.com")
            let cardID = try #require(try await app.services.customers.primaryCard(partnerID: app.partnerID, customerID: userID)?.id)
            let cardPNG = try await app.get("/en/shop/cards/\(cardID)/qr?format=png")
            #expect(cardPNG.status == .ok && cardPNG.headers[.contentType] == "image/png" && cardPNG.headers[.cacheControl] == "no-store")
            #expect(try await app.call(.get, "/en/shop/cards/\(cardID)/qr", auth: false).status == .unauthorized)
        }
    }
}
