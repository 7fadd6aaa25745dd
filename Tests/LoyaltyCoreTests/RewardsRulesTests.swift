import LoyaltyCore
import Testing

@Suite("Rewards rules")
struct RewardsRulesTests {
    func offer(_ type: OfferType, value: Int64, _ change: (inout Offer) -> Void = { _ in }) -> Offer {
        var o = Offer(
            id: 7,
            partnerID: 1,
            type: type,
            title: LocalizedText(lt: "Pasiūlymas", en: "Offer"),
            description: LocalizedText(lt: nil, en: nil),
            value: value
        )
        change(&o)
        return o
    }

    @Test func couponCodesAreLongRandomAndReadAloud() {
        var seen = Set<String>()
        for _ in 0..<2000 {
            let code = CouponCode.generate()
            #expect(code.count == 16)
            #expect(code.allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) })
            seen.insert(code)
        }
        #expect(seen.count == 2000, "80 random bits do not repeat in 2,000 draws")
        #expect(CouponCode.display("ABCDEFGHJKMNPQRS") == "ABCD-EFGH-JKMN-PQRS")
        #expect(CouponCode.normalize("abcd-efgh jkmn_pqrs") == "ABCDEFGHJKMNPQRS")
        #expect(CouponCode.normalize("O1IL-0000-0000-0000") == "0111000000000000")
        #expect(CouponCode.normalize("ABCD-EFGH-JKMN-PQR") == nil, "too short")
        #expect(CouponCode.normalize("ABCD-EFGH-JKMN-PQRSX") == nil, "too long")
        #expect(CouponCode.normalize("ABCD-EFGH-JKMN-PQR!") == nil, "not in the alphabet")
        #expect(CouponCode.normalize("ABCD-EFGH-JKMN-PQRU") == nil, "U is not used")
    }

    @Test(arguments: [
        (OfferType.discountPercentage, Int64(1250), Int64(3333), Int64(417)),  // 12.5 % of 33.33 = 4.16625 -> 4.17
        (.discountPercentage, 1000, 5, 1),  // 0.5 cent rounds half up
        (.discountPercentage, 10_000, 1999, 1999),
        (.discountAmount, 500, 300, 300),  // never more than the purchase
        (.discountAmount, 500, 3000, 500),
        (.freeItem, 0, 3000, 0),
        (.pointsMultiplier, 200, 3000, 0),
    ])
    func discountsAreExact(_ type: OfferType, _ value: Int64, _ purchase: Int64, _ expected: Int64) {
        let r = DiscountCalculator.discount(offer: offer(type, value: value), purchaseMinor: purchase)
        #expect(r.canApply && r.discountMinor == expected)
    }

    @Test func capsMinimumsAndFreeItems() {
        let capped = offer(.discountPercentage, value: 5000) { $0.maximumDiscountMinor = 500 }
        #expect(DiscountCalculator.discount(offer: capped, purchaseMinor: 4000).discountMinor == 500)
        let minimum = offer(.discountAmount, value: 500) { $0.minimumPurchaseMinor = 3000 }
        let below = DiscountCalculator.discount(offer: minimum, purchaseMinor: 2999)
        #expect(!below.canApply && below.reason == "minimum_purchase" && below.discountMinor == 0)
        #expect(DiscountCalculator.discount(offer: offer(.freeItem, value: 0), purchaseMinor: 1000, freeItemPriceMinor: 1500).discountMinor == 1000)
        let cashback = DiscountCalculator.discount(offer: offer(.cashback, value: 500), purchaseMinor: 10_000, pointsPerCurrencyUnit: 2)
        #expect(cashback.discountMinor == 0 && cashback.pointsAwarded == 10)
        #expect(DiscountCalculator.discount(offer: offer(.discountPercentage, value: 10_000), purchaseMinor: Int64.max / 2).discountMinor > 0)
    }

    @Test func unavailabilityNamesTheFirstReason() {
        let now: Int64 = 1_000_000
        #expect(offer(.discountAmount, value: 1) { $0.isActive = false }.unavailability(at: now, tier: nil, claimedByMember: 0) == .inactive)
        #expect(offer(.discountAmount, value: 1) { $0.startsAt = now + 1 }.unavailability(at: now, tier: nil, claimedByMember: 0) == .notStarted)
        #expect(offer(.discountAmount, value: 1) { $0.endsAt = now }.unavailability(at: now, tier: nil, claimedByMember: 0) == .expired)
        #expect(
            offer(.discountAmount, value: 1) {
                $0.stock = 3
                $0.claimedCount = 3
            }.unavailability(at: now, tier: nil, claimedByMember: 0) == .soldOut
        )
        #expect(
            offer(.discountAmount, value: 1) { $0.tiers = ["Gold"] }.unavailability(at: now, tier: "Silver", claimedByMember: 0) == .tierNotEligible
        )
        #expect(offer(.discountAmount, value: 1) { $0.tiers = ["Gold"] }.unavailability(at: now, tier: "Gold", claimedByMember: 0) == nil)
        #expect(offer(.discountAmount, value: 1) { $0.perMemberLimit = 2 }.unavailability(at: now, tier: nil, claimedByMember: 2) == .limitReached)
        #expect(offer(.discountAmount, value: 1) { $0.perMemberLimit = 2 }.unavailability(at: now, tier: nil, claimedByMember: 1) == nil)
    }

    @Test func couponExpiryIsTheEarlierOfItsDaysAndTheOffersEnd() {
        let day: Int64 = 86_400_000
        #expect(offer(.discountAmount, value: 1).couponExpiry(issuedAt: 0) == nil)
        #expect(offer(.discountAmount, value: 1) { $0.couponValidityDays = 3 }.couponExpiry(issuedAt: 0) == 3 * day)
        #expect(
            offer(.discountAmount, value: 1) {
                $0.couponValidityDays = 3
                $0.endsAt = day
            }.couponExpiry(issuedAt: 0) == day
        )
        let coupon = Coupon(
            id: 1,
            partnerID: 1,
            offerID: 7,
            customerID: 1,
            cardID: 1,
            code: "X",
            status: .pending,
            expiresAt: day,
            createdAt: 0,
            updatedAt: 0
        )
        #expect(coupon.status(at: day - 1) == .pending && coupon.status(at: day) == .expired)
        #expect(CouponStatus(wire: "redeemed") == .used && CouponStatus.used.memberName == "redeemed")
    }

    @Test func earningOffersAddTheirOwnLines() {
        let base = EarningEngine.Result(points: 40, lines: [EarningEngine.Line(rule: "base", name: "Base rate", points: 40)])
        let rule = EarningRule(pointsPerCurrency: 1, currencyAmountMinor: 100)
        let double = offer(.pointsMultiplier, value: 200)
        let back = offer(.cashback, value: 1000) {
            $0.id = 8
            $0.minimumPurchaseMinor = 5000
        }
        let r = EarningOffers.apply(base, offers: [double, back], rule: rule, orderTotalMinor: 4000, shopID: nil, tier: nil, at: 0)
        #expect(r.points == 80, "x2; cashback needs 50.00")
        #expect(r.lines.map(\.rule) == ["base", "offer:7"])
        let both = EarningOffers.apply(base, offers: [double, back], rule: rule, orderTotalMinor: 6000, shopID: nil, tier: nil, at: 0)
        #expect(both.points == 40 + 40 + 6, "x2 on what was earned, plus 10 % of 60.00 at 1 point per unit")
        let elsewhere = offer(.pointsMultiplier, value: 300) { $0.shopIDs = [2] }
        #expect(EarningOffers.apply(base, offers: [elsewhere], rule: rule, orderTotalMinor: 4000, shopID: 1, tier: nil, at: 0).points == 40)
        let ended = offer(.pointsMultiplier, value: 300) { $0.endsAt = 10 }
        #expect(EarningOffers.apply(base, offers: [ended], rule: rule, orderTotalMinor: 4000, shopID: nil, tier: nil, at: 10).points == 40)
        #expect(Category.slug("Virtuvės reikmenys & kt.") == "virtuves-reikmenys-kt")
    }
}
