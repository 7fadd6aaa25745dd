import LoyaltyCore

/// Records for the plan tests, with only what a test varies as parameters.
enum Fixture {
    static let day: Int64 = 86_400_000

    static func card(
        id: Int64 = 5,
        balance: Int64 = 0,
        pending: Int64 = 0,
        reserved: Int64 = 0,
        isActive: Bool = true,
        expiresAt: Int64? = nil
    ) -> LoyaltyCard {
        var card = LoyaltyCard(
            id: id,
            partnerID: 1,
            customerID: 3,
            templateID: 2,
            cardNumber: "123-456-789",
            qrCode: "q",
            balance: balance,
            reserved: reserved,
            lifetimeEarned: 0,
            lifetimeSpent: 0,
            transactionsCount: 0,
            isActive: isActive,
            lastUsedAt: nil,
            createdAt: 0,
            updatedAt: 0
        )
        card.pending = pending
        card.expiresAt = expiresAt
        return card
    }

    /// 10 points per EUR 1; redeeming 100 points buys EUR 1.
    static func template(redemption: RedemptionRule = RedemptionRule(), expirationDays: Int64 = 0, currency: String = "EUR") -> CardTemplate {
        CardTemplate(
            id: 2,
            partnerID: 1,
            titleLT: "K",
            titleEN: "C",
            descriptionLT: nil,
            descriptionEN: nil,
            cardType: "points",
            isActive: true,
            autoAssign: true,
            shopIDs: [],
            earning: EarningRule(pointsPerCurrency: 10, currencyAmountMinor: 100),
            redemption: redemption,
            initialBonusPoints: 0,
            pointsExpirationDays: expirationDays,
            currency: currency,
            backgroundColor: "#000000",
            textColor: "#ffffff",
            code: "C",
            createdAt: 0,
            updatedAt: 0
        )
    }

    static func hold(id: Int64 = 9, points: Int64) -> PointsReservation {
        PointsReservation(
            id: id,
            partnerID: 1,
            cardID: 5,
            customerID: 3,
            orderID: "A-1",
            points: points,
            status: .active,
            sessionID: nil,
            createdAt: 0,
            updatedAt: 0
        )
    }

    /// A command for order `A-1` by customer 3 at shop 4.
    static func command(
        _ type: TransactionType = .purchase,
        total: Int64? = nil,
        points: Int64? = nil,
        redeemed: Int64? = nil,
        discount: Int64? = nil,
        refundID: String? = nil,
        customer: TransactionCommand.CustomerRef = .id(3)
    ) -> TransactionCommand {
        TransactionCommand(
            partnerID: 1,
            shopID: 4,
            customer: customer,
            orderID: "A-1",
            type: type,
            orderTotalMinor: total,
            points: points,
            pointsRedeemed: redeemed,
            discountMinor: discount,
            description: "Order A-1",
            reason: type == .purchase ? "purchase" : type.rawValue,
            refundID: refundID
        )
    }

    /// The stored purchase a refund reverses: `amount` that earned `points` and redeemed `redeemed`.
    static func original(amount: Int64? = 1000, points: Int64 = 100, redeemed: Int64 = 0, type: TransactionType = .purchase) -> ShopTransaction {
        transaction(id: 70, type: type, amount: amount, awarded: points, redeemed: redeemed)
    }

    /// A completed transaction of card 5 (customer 3, partner 1), order `A-1`.
    static func transaction(
        id: Int64,
        type: TransactionType = .purchase,
        amount: Int64?,
        awarded: Int64,
        redeemed: Int64 = 0,
        shopID: Int64? = 4,
        createdAt: Int64 = 0
    ) -> ShopTransaction {
        ShopTransaction(
            id: id,
            partnerID: 1,
            shopID: shopID,
            cardID: 5,
            customerID: 3,
            type: type,
            orderID: "A-1",
            refundID: nil,
            amountMinor: amount,
            currency: "EUR",
            pointsAwarded: awarded,
            pointsRedeemed: redeemed,
            pointsReversed: 0,
            redeemedReturned: 0,
            shortfall: 0,
            discountMinor: nil,
            description: nil,
            reason: nil,
            status: "completed",
            metadataJSON: nil,
            originalTransactionID: nil,
            createdAt: createdAt
        )
    }
}
