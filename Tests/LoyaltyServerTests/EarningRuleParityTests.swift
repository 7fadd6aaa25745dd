import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import SQLKit
import Testing

/// Purchases by `user_id` take the PostgreSQL prepared-statement fast path and by
/// `user_email` the general one; both must award what `EarningRule` computes, for rules
/// with rounding, visit points and clamps.
@Suite("Earning rule through both purchase paths", .databases)
struct EarningRuleParityTests {
    struct Rule: Sendable, CustomTestStringConvertible {
        var rule: EarningRule
        var testDescription: String { "\(rule)" }
    }

    static let rules: [Rule] = [
        Rule(rule: EarningRule(pointsPerCurrency: 10, currencyAmountMinor: 100, pointsPerVisit: 5)),
        Rule(rule: EarningRule(pointsPerCurrency: 3, currencyAmountMinor: 250, roundUp: true)),
        Rule(rule: EarningRule(pointsPerCurrency: 1, currencyAmountMinor: 100, minPointsPerPurchase: 7, maxPointsPerPurchase: 40)),
        Rule(rule: EarningRule(enabled: false, pointsPerCurrency: 5)),
    ]

    @Test(arguments: Backend.allCases, rules)
    func sameAsSwift(_ backend: Backend, _ rule: Rule) async throws {
        try await TestApp.with(backend) { app in
            let r = rule.rule
            let templateID = app.shop.template.id
            try await app.services.database.write { db in
                try await db.raw(
                    """
                    UPDATE card_templates SET points_enabled = \(bind: r.enabled), points_per_currency = \(bind: r.pointsPerCurrency),
                      currency_amount_minor = \(bind: r.currencyAmountMinor), round_points_up = \(bind: r.roundUp), points_per_visit =
                        \(bind: r.pointsPerVisit),
                      min_points_per_purchase = \(bind: r.minPointsPerPurchase), max_points_per_purchase = \(bind: r.maxPointsPerPurchase)
                    WHERE id = \(bind: templateID)
                    """
                ).run()
            }
            let user = try await app.customer("parity@example.com")
            for (i, minor) in [0, 1, 99, 100, 249, 250, 251, 1550, 99_999, 12_345_678].enumerated() {
                let total = Money.decimalString(minor: Int64(minor))
                let byID = try await app.post("/en/shop/transactions/create", #"{"order_id":"A\#(i)","user_id":\#(user),"order_total":\#(total)}"#)
                let byEmail = try await app.post(
                    "/en/shop/transactions/create",
                    #"{"order_id":"B\#(i)","user_email":"parity@example.com","order_total":\#(total)}"#
                )
                let expected = r.points(forOrderTotalMinor: Int64(minor))
                #expect(byID.int("data", "points_awarded") == expected, "user_id path, total \(total)")
                #expect(byEmail.int("data", "points_awarded") == expected, "user_email path, total \(total)")
            }
            try await app.expectLedgerConsistent()
        }
    }
}
