import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import Testing

/// Offers and coupons end to end through the real router: validation, claiming
/// through the ledger, the till flow, discounts, cancel and expiry policies, earning
/// offers, coupons in purchases, the member's own API, and the events.
@Suite("Offers and coupons", .databases)
struct OfferAndCouponTests {
    @Test(arguments: [
        (#"{"title":"x","type":"discount_magic","discount_value":5}"#, "type"),
        (#"{"title":"x","type":"discount_amount","discount_value":5,"stock":-1}"#, "stock"),
        (#"{"title":"x","type":"discount_percentage","discount_value":101}"#, "discount_value"),
        (#"{"title":"x","type":"discount_percentage","discount_value":0}"#, "discount_value"),
        (#"{"title":"x","type":"points_multiplier","points_multiplier":1}"#, "points_multiplier"),
        (#"{"title":"x","type":"discount_amount","discount_value":5,"points_required":-3}"#, "points_required"),
        (#"{"title":"x","type":"discount_amount","discount_value":5,"starts_at":"2027-02-01","ends_at":"2027-01-01"}"#, "ends_at"),
        (#"{"type":"discount_amount","discount_value":5}"#, "title"),
        (#"{"title":{"xx":"y"},"type":"discount_amount","discount_value":5}"#, "title"),
        (#"{"title":"x","type":"discount_amount","discount_value":5,"shop_ids":[999999]}"#, "shop_ids.0"),
        (#"{"title":"x","type":"discount_amount","discount_value":5,"tiers":[7]}"#, "tiers.0"),
    ])
    func badOffersAreRefusedByFieldAndNothingIsWritten(_ body: String, _ field: String) async throws {
        try await TestApp.with(.sqlite) { app in
            let r = try await app.post("/en/shop/offers", body)
            #expect(r.status == .unprocessableContent, "\(r.json.serializedString())")
            #expect(r.json["errors"]?[field] != nil, "names \(field): \(r.json.serializedString())")
            #expect(try await app.get("/en/shop/offers").int("meta", "total") == 0)
            #expect(try await app.get("/en/shop/sync-status").int("data", "total_offers") == 0)
        }
    }

    @Test func offersAreCreatedReadUpdatedListedAndDeleted() async throws {
        try await TestApp.with(.sqlite) { app in
            let created = try await app.post(
                "/en/shop/offers",
                #"{"title":{"lt":"Nuolaida","en":"Discount"},"description":"Ten off","type":"discount","discount_type":"percentage","discount_value":12.5,"start_date":"2026-01-01","end_date":"2099-01-01","points_required":100,"usage_limit":10,"user_limit":1,"is_featured":true}"#
            )
            #expect(created.status == .created)
            let id = try #require(created.int("data", "id"))
            #expect(created.string("data", "type") == "discount_percentage")
            #expect(minor(created.json["data"]?["discount_value"]) == 1250)
            #expect(created.int("data", "stock") == 10 && created.int("data", "per_member_limit") == 1)
            let lt = try await app.get("/lt/shop/offers/\(id)")
            #expect(lt.string("data", "title") == "Nuolaida")
            let updated = try await app.call(.put, "/en/shop/offers/\(id)", json: #"{"discount_value":15,"is_active":false}"#)
            #expect(updated.status == .ok && minor(updated.json["data"]?["discount_value"]) == 1500)
            #expect(updated.json["data"]?["is_active"] == .bool(false))
            #expect(try await app.get("/en/shop/offers?is_active=false").int("meta", "total") == 1)
            #expect(try await app.get("/en/shop/offers?type=discount").int("meta", "total") == 1)
            #expect(try await app.get("/en/shop/offers?type=cashback").int("meta", "total") == 0)
            #expect(try await app.get("/en/shop/offers?available_only=true").int("meta", "total") == 0)
            #expect(try await app.call(.delete, "/en/shop/offers/\(id)").status == .ok)
            #expect(try await app.get("/en/shop/offers/\(id)").status == .notFound)
            #expect(try await app.call(.delete, "/en/shop/offers/\(id)").status == .notFound)
            let events = try await app.eventTypes()
            #expect(events.contains("offer.created") && events.contains("offer.updated") && events.contains("offer.deleted"))
        }
    }

    @Test(arguments: Backend.allCases)
    func claimingDebitsThroughTheLedgerAndRefusesWithAReason(_ backend: Backend) async throws {
        let clock = ManualWallClock(Timestamp.epochMillis(year: 2027, month: 3, day: 1))
        try await TestApp.with(backend, clock: clock) { app in
            let member = try await app.member("claim@example.com", points: 150)
            let offer = try await app.offer(#"{"title":"Mug","type":"free_item","points_required":100,"stock":5}"#)
            let claimed = try await app.claim(offer, for: member)
            #expect(claimed.status == .created)
            #expect(claimed.int("data", "points_deducted") == 100)
            #expect(claimed.int("data", "points_transaction", "balance_after") == 50)
            #expect(claimed.string("data", "coupon_code")?.count == 19, "16 characters in four groups")
            #expect(try await app.balance(member) == 50)
            // Not enough points: refused, nothing written (stock and balance unchanged).
            let poor = try await app.claim(offer, for: member)
            #expect(poor.status == .badRequest && poor.json["error"]?["code"]?.string == "INSUFFICIENT_POINTS")
            #expect(try await app.get("/en/shop/offers/\(offer)").int("data", "claimed_count") == 1)
            // Each unavailability names its reason.
            let inactive = try await app.offer(#"{"title":"Off","type":"discount_amount","discount_value":1,"is_active":false}"#)
            let future = try await app.offer(#"{"title":"Soon","type":"discount_amount","discount_value":1,"starts_at":"2027-04-01"}"#)
            let past = try await app.offer(#"{"title":"Past","type":"discount_amount","discount_value":1,"ends_at":"2027-02-01"}"#)
            let none = try await app.offer(#"{"title":"None","type":"discount_amount","discount_value":1,"stock":0}"#)
            let gold = try await app.offer(#"{"title":"Gold","type":"discount_amount","discount_value":1,"tiers":["Gold"]}"#)
            for (id, code, reason) in [
                (inactive, "OFFER_NOT_AVAILABLE", "offer_inactive"), (future, "OFFER_NOT_AVAILABLE", "offer_not_started"),
                (past, "OFFER_EXPIRED", "offer_expired"), (none, "OFFER_SOLD_OUT", "offer_sold_out"),
                (gold, "TIER_REQUIREMENT_NOT_MET", "tier_not_eligible"),
            ] {
                let r = try await app.claim(id, for: member)
                #expect(r.json["error"]?["code"]?.string == code, "\(reason): \(r.json.serializedString())")
                #expect(r.json["error"]?["details"]?["reason"]?.string == reason)
            }
            #expect(try await app.claim(999_999, for: member).status == .notFound)
            #expect(try await app.balance(member) == 50)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func theTillFlowVerifiesHoldsAndRedeemsOnce(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let member = try await app.member("till@example.com", points: 0)
            let offer = try await app.offer(#"{"title":"Ten","type":"discount_percentage","discount_value":10,"minimum_purchase":20}"#)
            let claim = try await app.claim(offer, for: member)
            let coupon = try #require(claim.int("data", "coupon_id"))
            let code = try #require(claim.string("data", "coupon_code"))
            let qr = try #require(claim.string("data", "qr_code"))
            let shopA = app.shop.shop.id
            let shopB = try await app.services.tenants.createShop(partnerID: app.partnerID, name: "B", address: nil, city: nil, isVirtual: false).id
            // Typed in any spelling, or scanned.
            let typed = code.lowercased().replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "0", with: "o")
            let verify = try await app.post("/en/shop/coupons/verify", #"{"code":"\#(typed)","shop_id":\#(shopA)}"#)
            #expect(verify.status == .ok, "\(verify.json.serializedString())")
            #expect(verify.int("data", "coupon", "id") == coupon && verify.int("data", "user", "id") == member)
            #expect(try await app.post("/en/shop/coupons/verify", #"{"coupon_code":"\#(qr)","shop_id":\#(shopA)}"#).status == .ok)
            let forged = qr.dropLast(2) + (qr.hasSuffix("AA") ? "BB" : "AA")
            let refused = try await app.post("/en/shop/coupons/verify", #"{"coupon_code":"\#(forged)","shop_id":\#(shopA)}"#)
            #expect(refused.status == .unprocessableContent && refused.json["error"]?["code"]?.string == "QR_INVALID")
            let small = try await app.post("/en/shop/coupons/verify", #"{"code":"\#(code)","shop_id":\#(shopA),"purchase_amount":19.99}"#)
            #expect(small.status == .unprocessableContent && small.json["errors"]?["purchase_amount"] != nil)
            // Held by shop A: B can neither redeem nor release it.
            #expect(
                try await app.post("/en/shop/coupons/pending", #"{"coupon_id":\#(coupon),"shop_id":\#(shopA)}"#).string("data", "status") == "pending"
            )
            let elsewhere = try await app.post("/en/shop/coupons/redeem", #"{"coupon_id":\#(coupon),"shop_id":\#(shopB)}"#)
            #expect(elsewhere.status == .conflict && elsewhere.json["error"]?["code"]?.string == "OPERATION_NOT_ALLOWED")
            let release = try await app.post("/en/shop/coupons/cancel-pending", #"{"coupon_id":\#(coupon),"shop_id":\#(shopB)}"#)
            #expect(release.status == .forbidden && release.json["error"]?["code"]?.string == "FORBIDDEN")
            #expect(try await app.post("/en/shop/coupons/cancel-pending", #"{"coupon_id":\#(coupon),"shop_id":\#(shopA)}"#).status == .ok)
            let again = try await app.post("/en/shop/coupons/cancel-pending", #"{"coupon_id":\#(coupon),"shop_id":\#(shopA)}"#)
            #expect(again.status == .conflict && again.json["error"]?["code"]?.string == "OPERATION_NOT_ALLOWED")
            let listed = try await app.get("/en/shop/coupons/card?shop_id=\(shopA)&user_id=\(member)")
            #expect(listed.int("data", "total_count") == 1)
            let redeemed = try await app.post("/en/shop/coupons/redeem", #"{"coupon_id":\#(coupon),"shop_id":\#(shopB),"notes":"till 4"}"#)
            #expect(redeemed.status == .ok && redeemed.string("data", "status") == "used")
            let used = try await app.post("/en/shop/coupons/verify", #"{"code":"\#(code)","shop_id":\#(shopA)}"#)
            #expect(used.status == .conflict && used.json["error"]?["code"]?.string == "COUPON_ALREADY_USED")
            #expect(try await app.get("/en/shop/coupons?shop_id=\(shopA)&status=used").int("data", "pagination", "total") == 1)
            #expect(try await app.get("/en/shop/coupons?shop_id=\(shopA)").int("data", "pagination", "total") == 0)
        }
    }

    @Test func aCouponValidOnlyAtSomeShopsIsRefusedElsewhere() async throws {
        try await TestApp.with(.sqlite) { app in
            let shopB = try await app.services.tenants.createShop(partnerID: app.partnerID, name: "B", address: nil, city: nil, isVirtual: false).id
            let offer = try await app.offer(#"{"title":"Only B","type":"discount_amount","discount_value":2,"shop_ids":[\#(shopB)]}"#)
            let member = try await app.member("scope@example.com", points: 0)
            let code = try #require(try await app.claim(offer, for: member).string("data", "coupon_code"))
            let atA = try await app.post("/en/shop/coupons/verify", #"{"code":"\#(code)","shop_id":\#(app.shop.shop.id)}"#)
            #expect(atA.status == .forbidden)
            #expect(try await app.post("/en/shop/coupons/verify", #"{"code":"\#(code)","shop_id":\#(shopB)}"#).status == .ok)
        }
    }

    @Test(arguments: [
        (#"{"title":"p","type":"discount_percentage","discount_value":12.5}"#, "33.33", Int64(417), true),
        (#"{"title":"p","type":"discount_percentage","discount_value":50,"maximum_discount":5}"#, "40", 500, true),
        (#"{"title":"a","type":"discount_amount","discount_value":50}"#, "20", 2000, true),
        (#"{"title":"a","type":"discount_amount","discount_value":5,"minimum_purchase":30}"#, "29.99", 0, false),
        (#"{"title":"p","type":"discount_percentage","discount_value":100}"#, "0.01", 1, true),
    ])
    func calculateDiscountIsExactAndNeverAboveThePurchase(_ offer: String, _ amount: String, _ discountMinor: Int64, _ canApply: Bool) async throws {
        try await TestApp.with(.sqlite) { app in
            let id = try await app.offer(offer)
            let member = try await app.member("calc@example.com", points: 0)
            let code = try #require(try await app.claim(id, for: member).string("data", "coupon_code"))
            let r = try await app.post("/en/shop/coupons/calculate-discount", #"{"coupon_code":"\#(code)","purchase_amount":\#(amount)}"#)
            #expect(r.status == .ok)
            #expect(r.json["data"]?["can_apply"] == .bool(canApply))
            #expect(minor(r.json["data"]?["discount_amount"]) == discountMinor, "\(r.json.serializedString())")
            let purchase = try #require(Money.minorUnits(fromDecimal: Double(amount)!))
            #expect(minor(r.json["data"]?["final_amount"]) == purchase - discountMinor)
        }
    }

    @Test(arguments: Backend.allCases)
    func cancellingAndExpiryReturnPointsPerThePolicy(_ backend: Backend) async throws {
        let clock = ManualWallClock(Timestamp.epochMillis(year: 2027, month: 3, day: 1))
        try await TestApp.with(backend, clock: clock) { app in
            let member = try await app.member("policy@example.com", points: 400)
            let refund = try await app.offer(
                #"{"title":"R","type":"discount_amount","discount_value":1,"points_required":100,"coupon_validity_days":30}"#
            )
            let keep = try await app.offer(
                #"{"title":"K","type":"discount_amount","discount_value":1,"points_required":100,"return_points_on_cancel":false}"#
            )
            let lapse = try await app.offer(
                #"{"title":"L","type":"discount_amount","discount_value":1,"points_required":100,"coupon_validity_days":1,"return_points_on_expiry":true}"#
            )
            let lost = try await app.offer(
                #"{"title":"X","type":"discount_amount","discount_value":1,"points_required":50,"coupon_validity_days":1}"#
            )
            let c1 = try #require(try await app.claim(refund, for: member).int("data", "coupon_id"))
            let c2 = try #require(try await app.claim(keep, for: member).int("data", "coupon_id"))
            let c3 = try #require(try await app.claim(lapse, for: member).int("data", "coupon_id"))
            _ = try #require(try await app.claim(lost, for: member).int("data", "coupon_id"))
            #expect(try await app.balance(member) == 50)
            let back = try await app.post("/en/shop/coupons/cancel", #"{"coupon_id":\#(c1),"reason":"changed mind"}"#)
            #expect(back.int("data", "points_returned") == 100 && back.string("data", "coupon", "status") == "cancelled")
            #expect(try await app.post("/en/shop/coupons/cancel", #"{"coupon_id":\#(c2)}"#).int("data", "points_returned") == 0)
            #expect(try await app.post("/en/shop/coupons/cancel", #"{"coupon_id":\#(c1)}"#).status == .badRequest, "already cancelled")
            #expect(try await app.balance(member) == 150)
            // Two days on: the one-day coupons lapse; one returns its points, the other does not.
            clock.advance(byMillis: 2 * 86_400_000)
            #expect(try await app.services.coupons.expireDue(limit: 100) == 2)
            #expect(try await app.services.coupons.expireDue(limit: 100) == 0)
            #expect(try await app.balance(member) == 250)
            let view = try #require(try await app.services.coupons.coupon(partnerID: app.partnerID, id: c3))
            #expect(view.coupon.status == .expired && view.coupon.pointsReturned == 100)
            let code = CouponCode.display(view.coupon.code)
            let expired = try await app.post("/en/shop/coupons/verify", #"{"code":"\#(code)","shop_id":\#(app.shop.shop.id)}"#)
            #expect(expired.json["error"]?["code"]?.string == "COUPON_EXPIRED")
            let events = try await app.eventTypes()
            #expect(events.filter { $0 == "coupon.created" }.count == 4)
            #expect(events.filter { $0 == "coupon.cancelled" }.count == 2)
            #expect(events.filter { $0 == "coupon.expired" }.count == 2)
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func multiplierAndCashbackOffersChangeEarning(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let member = try await app.member("earn@example.com", points: 0)
            let plain = try await app.post("/en/shop/transactions/create", #"{"order_id":"E-1","user_id":\#(member),"order_total":40}"#)
            let base = try #require(plain.int("data", "points_awarded"))
            #expect(base > 0)
            let double = try await app.offer(#"{"title":"Double","type":"points_multiplier","points_multiplier":2}"#)
            let boosted = try await app.post("/en/shop/transactions/create", #"{"order_id":"E-2","user_id":\#(member),"order_total":40}"#)
            #expect(boosted.int("data", "points_awarded") == base * 2, "\(boosted.json.serializedString())")
            guard case let .array(lines)? = boosted.json["data"]?["rules_applied"] else {
                Issue.record("no rules_applied")
                return
            }
            #expect(lines.contains { $0["rule"]?.string == "offer:\(double)" })
            try await app.call(.put, "/en/shop/offers/\(double)", json: #"{"is_active":false}"#)
            let cashback = try await app.offer(#"{"title":"Back","type":"cashback","cashback_percentage":50,"minimum_purchase":10}"#)
            let back = try await app.post("/en/shop/transactions/create", #"{"order_id":"E-3","user_id":\#(member),"order_total":40}"#)
            // Half of 40 comes back at the card's earning rate: as many points as 20 earns.
            let twenty = try await app.post("/en/shop/transactions/create", #"{"order_id":"E-4","user_id":\#(member),"order_total":9}"#)
            #expect(back.int("data", "points_awarded")! > base, "\(back.json.serializedString())")
            guard case let .array(cashLines)? = back.json["data"]?["rules_applied"] else {
                Issue.record("no rules_applied")
                return
            }
            #expect(cashLines.contains { $0["rule"]?.string == "offer:\(cashback)" })
            #expect(twenty.int("data", "points_awarded")! < base, "below the minimum purchase: no cashback")
            try await app.expectLedgerConsistent()
        }
    }

    @Test(arguments: Backend.allCases)
    func aCouponAppliesInsideThePurchase(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let member = try await app.member("buy@example.com", points: 0)
            let other = try await app.member("other@example.com", points: 0)
            let offer = try await app.offer(#"{"title":"Five off","type":"discount_amount","discount_value":5}"#)
            let code = try #require(try await app.claim(offer, for: member).string("data", "coupon_code"))
            let theirs = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"C-0","user_id":\#(other),"order_total":30,"coupon_code":"\#(code)"}"#
            )
            #expect(theirs.status == .notFound, "another member's coupon")
            #expect(try await app.get("/en/shop/transactions?user_id=\(other)").int("meta", "total") == 0, "nothing written")
            let noTotal = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"C-00","user_id":\#(member),"points":5,"coupon_code":"\#(code)"}"#
            )
            #expect(noTotal.status == .unprocessableContent && noTotal.json["errors"]?["order_total"] != nil, "a coupon is priced against a total")
            #expect(try await app.get("/en/shop/transactions?user_id=\(member)&order_id=C-00").int("meta", "total") == 0)
            let bought = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"C-1","user_id":\#(member),"order_total":30,"coupon_code":"\#(code)"}"#
            )
            #expect(bought.status == .created, "\(bought.json.serializedString())")
            #expect(minor(bought.json["data"]?["coupon"]?["discount_amount"]) == 500)
            #expect(minor(bought.json["data"]?["coupon"]?["final_amount"]) == 2500)
            let again = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"C-2","user_id":\#(member),"order_total":30,"coupon_code":"\#(code)"}"#
            )
            #expect(again.status == .conflict && again.json["error"]?["code"]?.string == "COUPON_ALREADY_USED")
            #expect(try await app.get("/en/shop/transactions?user_id=\(member)&order_id=C-2").int("meta", "total") == 0)
            let refundType = try await app.post(
                "/en/shop/transactions/create",
                #"{"order_id":"C-1","type":"refund","user_id":\#(member),"coupon_code":"\#(code)"}"#
            )
            #expect(refundType.status == .unprocessableContent)
            try await app.expectLedgerConsistent()
        }
    }

    @Test func theMemberSeesClaimsRedeemsAndCancelsTheirOwnCoupons() async throws {
        try await TestApp.with(.sqlite) { app in
            let member = try await app.member("me@example.com", points: 300)
            let stranger = try await app.member("stranger@example.com", points: 0)
            let me = try await app.tokenHeaders(member)
            let them = try await app.tokenHeaders(stranger)
            let offer = try await app.offer(#"{"title":"Mine","type":"discount_amount","discount_value":3,"points_required":100}"#)
            let listed = try await app.asMember(me, .get, "/en/shop/offers")
            #expect(listed.json["data"]?.arrayFirst?["user_can_claim"] == .bool(true))
            let claim = try await app.asMember(me, .post, "/en/shop/offers/\(offer)/claim", "{}")
            #expect(claim.status == .created)
            let coupon = try #require(claim.int("data", "coupon_id"))
            let second = try #require(try await app.asMember(me, .post, "/en/shop/offers/\(offer)/claim", "{}").int("data", "coupon_id"))
            #expect(try await app.asMember(me, .get, "/en/shop/coupons").int("meta", "total") == 2)
            #expect(try await app.asMember(them, .get, "/en/shop/coupons").int("meta", "total") == 0)
            #expect(try await app.asMember(them, .get, "/en/shop/coupons/\(coupon)").status == .notFound)
            #expect(try await app.asMember(them, .post, "/en/shop/coupons/\(coupon)/redeem", "{}").status == .notFound)
            let used = try await app.asMember(me, .post, "/en/shop/coupons/\(coupon)/redeem", #"{"location":"web"}"#)
            #expect(used.status == .ok && used.string("data", "status") == "redeemed")
            let cancelled = try await app.asMember(me, .post, "/en/shop/coupons/\(second)/cancel", #"{"reason":"no"}"#)
            #expect(cancelled.status == .ok && cancelled.int("data", "points_returned") == 100)
            #expect(try await app.asMember(me, .get, "/en/shop/coupons?status=redeemed").int("meta", "total") == 1)
            #expect(try await app.asMember(me, .get, "/en/shop/offers/coupons?status=cancelled").int("meta", "total") == 1)
            let stats = try await app.asMember(me, .get, "/en/shop/coupons/statistics")
            #expect(
                stats.int("data", "total_coupons") == 2 && stats.int("data", "redeemed_coupons") == 1 && stats.int("data", "cancelled_coupons") == 1
            )
            #expect(try await app.balance(member) == 200)
            #expect(try await app.asMember(me, .get, "/en/shop/coupons/expiring?days=7").status == .ok)
            // Without a token the member routes are closed.
            #expect(try await app.call(.get, "/en/shop/coupons/statistics", auth: false).status == .unauthorized)
        }
    }
}
