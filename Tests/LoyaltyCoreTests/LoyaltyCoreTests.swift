import LoyaltyCore
import LoyaltyModels
import Testing

@Suite("Earning and redemption arithmetic")
struct EarningRuleTests {
    @Test func specExample() {
        // EUR 15.50 at 10 points per EUR 1 plus 5 per visit = 160 (spec §4.4).
        let rule = EarningRule(pointsPerCurrency: 10, currencyAmountMinor: 100, pointsPerVisit: 5)
        #expect(rule.points(forOrderTotalMinor: 1550) == 160)
    }

    @Test func roundingAndClamps() {
        #expect(EarningRule(pointsPerCurrency: 1, currencyAmountMinor: 100).points(forOrderTotalMinor: 1599) == 15)
        #expect(EarningRule(pointsPerCurrency: 1, currencyAmountMinor: 100, roundUp: true).points(forOrderTotalMinor: 1501) == 16)
        #expect(EarningRule(minPointsPerPurchase: 20).points(forOrderTotalMinor: 100) == 20)
        #expect(EarningRule(maxPointsPerPurchase: 50).points(forOrderTotalMinor: 1_000_000) == 50)
        #expect(EarningRule(enabled: false).points(forOrderTotalMinor: 1_000_000) == 0)
        #expect(EarningRule(pointsPerCurrency: Int64.max / 2).points(forOrderTotalMinor: Money.maximumMinor) == Int64.max)
    }

    @Test func redemption() {
        let r = RedemptionRule(pointsPerCurrency: 100, currencyAmountMinor: 100, minPoints: 50, maxPoints: 2000)
        #expect(r.discountMinor(forPoints: 1250) == 1250)
        #expect(r.violation(forPoints: 10) == .belowMinimum(50))
        #expect(r.violation(forPoints: 3000) == .aboveMaximum(2000))
        #expect(r.violation(forPoints: 100) == nil)
        #expect(RedemptionRule(enabled: false).violation(forPoints: 1) == .disabled)
    }

    @Test func partialRefunds() {
        #expect(RefundMath.proportionalPoints(refundMinor: 5000, originalMinor: 15000, originalPoints: 150) == 50)
        #expect(RefundMath.proportionalPoints(refundMinor: 3333, originalMinor: 15000, originalPoints: 150) == 33)
        #expect(RefundMath.proportionalPoints(refundMinor: 20000, originalMinor: 15000, originalPoints: 150) == 150)
        #expect(RefundMath.clampedDeduction(wanted: 100, available: 20, allowNegative: false) == (20, 80))
        #expect(RefundMath.clampedDeduction(wanted: 100, available: 20, allowNegative: true) == (100, 0))
    }
}

@Suite("Money, card numbers, keys, JSON")
struct FormatTests {
    @Test func moneyParsing() {
        #expect(Money.minorUnits(fromDecimal: 15.5) == 1550)
        #expect(Money.minorUnits(fromDecimal: 0.1 + 0.2) == 30)
        #expect(Money.minorUnits(fromDecimal: 1.005) == nil)
        #expect(Money.minorUnits(fromDecimal: .infinity) == nil)
        #expect(Money.minorUnits(fromDecimal: 1e20) == nil)
        #expect(Money.decimalString(minor: 1550) == "15.50")
        #expect(Money.decimalString(minor: -5) == "-0.05")
        #expect(CurrencyCode.normalized("eur") == "EUR")
        #expect(CurrencyCode.normalized("XYZ") == nil)
    }

    @Test func cardNumbers() {
        let n = CardNumber.random()
        #expect(CardNumber.normalized(n) == n)
        #expect(CardNumber.normalized("123456789") == "123-456-789")
        #expect(CardNumber.normalized("123 456 789") == "123-456-789")
        #expect(CardNumber.normalized("12345678") == nil)
        #expect(CardNumber.normalized("12a-456-789") == nil)
    }

    @Test func apiKeys() {
        let k = ApiKeyFormat.newKey()
        #expect(k.count == 44 && ApiKeyFormat.isWellFormed(k))
        #expect(!ApiKeyFormat.isWellFormed("lty_short"))
        #expect(!ApiKeyFormat.isWellFormed("abc_" + String(repeating: "a", count: 40)))
        #expect(ApiKeyFormat.newSecret() != ApiKeyFormat.newSecret())
    }

    @Test func jsonWriting() {
        let j = JSON.object([("a", .money(1550)), ("b", .string("q\"\n")), ("c", .array([.int(-1), .null, .bool(true)])), ("d", .money(-7))])
        #expect(j.serializedString() == #"{"a":15.50,"b":"q\"\n","c":[-1,null,true],"d":-0.07}"#)
    }

    @Test func pages() {
        let p = Page(items: [1, 2], request: PageRequest(page: 3, perPage: 2), total: 5)
        #expect(p.lastPage == 3)
        #expect(p.from == 5)
        #expect(p.to == 6)
        #expect(Page<Int>(items: [], request: PageRequest(page: 1, perPage: 15), total: 0).lastPage == 1)
    }
}
