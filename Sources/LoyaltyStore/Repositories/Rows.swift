import Foundation
import LoyaltyCore
import SQLKit

/// Column lists and row decoders, kept next to each other so a SELECT and its decoder
/// cannot drift apart.
enum Rows {
    static let shopColumns =
        "id, partner_id, name, address, city, phone, email, website, description, opening_hours, latitude, longitude, is_active, is_virtual, created_at, updated_at"

    static func shop(_ r: any SQLRow) throws -> Shop {
        Shop(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            name: try r.decode(column: "name", as: String.self),
            address: try r.decode(column: "address", as: String?.self),
            city: try r.decode(column: "city", as: String?.self),
            phone: try r.decode(column: "phone", as: String?.self),
            email: try r.decode(column: "email", as: String?.self),
            website: try r.decode(column: "website", as: String?.self),
            description: try r.decode(column: "description", as: String?.self),
            openingHours: try r.decode(column: "opening_hours", as: String?.self),
            latitude: try r.decode(column: "latitude", as: Double?.self),
            longitude: try r.decode(column: "longitude", as: Double?.self),
            isActive: try r.decode(column: "is_active", as: Bool.self),
            isVirtual: try r.decode(column: "is_virtual", as: Bool.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            updatedAt: try r.decode(column: "updated_at", as: Int64.self)
        )
    }

    static let credentialColumns = "id, partner_id, shop_id, api_key, secret_hash, environment, name, created_at, expires_at, revoked_at"

    static func credential(_ r: any SQLRow) throws -> ApiCredential {
        ApiCredential(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            shopID: try r.decode(column: "shop_id", as: Int64?.self),
            key: try r.decode(column: "api_key", as: String.self),
            secretHash: try r.decode(column: "secret_hash", as: String.self),
            environment: DeploymentEnvironment(rawValue: try r.decode(column: "environment", as: String.self)) ?? .production,
            name: try r.decode(column: "name", as: String?.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            expiresAt: try r.decode(column: "expires_at", as: Int64?.self),
            revokedAt: try r.decode(column: "revoked_at", as: Int64?.self),
            partnerActive: r.contains(column: "partner_active") ? try r.decode(column: "partner_active", as: Bool.self) : true
        )
    }

    static let templateColumns = """
        id, partner_id, title_lt, title_en, description_lt, description_en, card_type, is_active, auto_assign, shop_ids, \
        points_enabled, points_per_currency, currency_amount_minor, round_points_up, points_per_visit, min_points_per_purchase, \
        max_points_per_purchase, redemption_enabled, redemption_points_per_currency, redemption_currency_amount_minor, \
        min_points_for_redemption, max_points_per_redemption, initial_bonus_points, points_expiration_days, currency, \
        background_color, text_color, code, created_at, updated_at
        """

    static func template(_ r: any SQLRow, prefix p: String = "") throws -> CardTemplate {
        func c(_ name: String) -> String { p + name }
        let shopIDs = try r.decode(column: c("shop_ids"), as: String.self).split(separator: ",").compactMap { Int64($0) }
        return CardTemplate(
            id: try r.decode(column: c("id"), as: Int64.self),
            partnerID: try r.decode(column: c("partner_id"), as: Int64.self),
            titleLT: try r.decode(column: c("title_lt"), as: String.self),
            titleEN: try r.decode(column: c("title_en"), as: String.self),
            descriptionLT: try r.decode(column: c("description_lt"), as: String?.self),
            descriptionEN: try r.decode(column: c("description_en"), as: String?.self),
            cardType: try r.decode(column: c("card_type"), as: String.self),
            isActive: try r.decode(column: c("is_active"), as: Bool.self),
            autoAssign: try r.decode(column: c("auto_assign"), as: Bool.self),
            shopIDs: shopIDs,
            earning: EarningRule(
                enabled: try r.decode(column: c("points_enabled"), as: Bool.self),
                pointsPerCurrency: try r.decode(column: c("points_per_currency"), as: Int64.self),
                currencyAmountMinor: try r.decode(column: c("currency_amount_minor"), as: Int64.self),
                roundUp: try r.decode(column: c("round_points_up"), as: Bool.self),
                pointsPerVisit: try r.decode(column: c("points_per_visit"), as: Int64.self),
                minPointsPerPurchase: try r.decode(column: c("min_points_per_purchase"), as: Int64.self),
                maxPointsPerPurchase: try r.decode(column: c("max_points_per_purchase"), as: Int64.self)
            ),
            redemption: RedemptionRule(
                enabled: try r.decode(column: c("redemption_enabled"), as: Bool.self),
                pointsPerCurrency: try r.decode(column: c("redemption_points_per_currency"), as: Int64.self),
                currencyAmountMinor: try r.decode(column: c("redemption_currency_amount_minor"), as: Int64.self),
                minPoints: try r.decode(column: c("min_points_for_redemption"), as: Int64.self),
                maxPoints: try r.decode(column: c("max_points_per_redemption"), as: Int64.self)
            ),
            initialBonusPoints: try r.decode(column: c("initial_bonus_points"), as: Int64.self),
            pointsExpirationDays: try r.decode(column: c("points_expiration_days"), as: Int64.self),
            currency: try r.decode(column: c("currency"), as: String.self),
            backgroundColor: try r.decode(column: c("background_color"), as: String.self),
            textColor: try r.decode(column: c("text_color"), as: String.self),
            code: try r.decode(column: c("code"), as: String.self),
            createdAt: try r.decode(column: c("created_at"), as: Int64.self),
            updatedAt: try r.decode(column: c("updated_at"), as: Int64.self)
        )
    }

    static let customerColumns = "id, partner_id, external_id, email, phone, name, created_at, updated_at"

    static func customer(_ r: any SQLRow) throws -> Customer { try customer(r, prefix: "") }

    static func customer(_ r: any SQLRow, prefix p: String) throws -> Customer {
        Customer(
            id: try r.decode(column: p + "id", as: Int64.self),
            partnerID: try r.decode(column: p + "partner_id", as: Int64.self),
            externalID: try r.decode(column: p + "external_id", as: String?.self),
            email: try r.decode(column: p + "email", as: String?.self),
            phone: try r.decode(column: p + "phone", as: String?.self),
            name: try r.decode(column: p + "name", as: String?.self),
            createdAt: try r.decode(column: p + "created_at", as: Int64.self),
            updatedAt: try r.decode(column: p + "updated_at", as: Int64.self)
        )
    }

    /// `t.a AS p_a, t.b AS p_b, ...` for a column list, so joined rows keep their names apart.
    static func aliased(_ columns: String, table: String, prefix: String) -> String {
        columns.split(separator: ",").map { c in
            let name = c.trimmingCharacters(in: .whitespacesAndNewlines)
            return "\(table).\(name) AS \(prefix)\(name)"
        }.joined(separator: ", ")
    }

    static let cardColumns =
        "id, partner_id, customer_id, template_id, card_number, qr_code, balance, reserved, lifetime_earned, lifetime_spent, transactions_count, is_active, last_used_at, created_at, updated_at, pending, lifetime_expired, lifetime_spend_minor, next_expiry_at, next_expiry_points, tier, tier_since, tier_grace_until, tier_override, tier_override_until, expires_at, blocked_reason"

    static func card(_ r: any SQLRow) throws -> LoyaltyCard { try card(r, prefix: "") }

    static func card(_ r: any SQLRow, prefix p: String) throws -> LoyaltyCard {
        var card = LoyaltyCard(
            id: try r.decode(column: p + "id", as: Int64.self),
            partnerID: try r.decode(column: p + "partner_id", as: Int64.self),
            customerID: try r.decode(column: p + "customer_id", as: Int64.self),
            templateID: try r.decode(column: p + "template_id", as: Int64.self),
            cardNumber: try r.decode(column: p + "card_number", as: String.self),
            qrCode: try r.decode(column: p + "qr_code", as: String.self),
            balance: try r.decode(column: p + "balance", as: Int64.self),
            reserved: try r.decode(column: p + "reserved", as: Int64.self),
            lifetimeEarned: try r.decode(column: p + "lifetime_earned", as: Int64.self),
            lifetimeSpent: try r.decode(column: p + "lifetime_spent", as: Int64.self),
            transactionsCount: try r.decode(column: p + "transactions_count", as: Int64.self),
            isActive: try r.decode(column: p + "is_active", as: Bool.self),
            lastUsedAt: try r.decode(column: p + "last_used_at", as: Int64?.self),
            createdAt: try r.decode(column: p + "created_at", as: Int64.self),
            updatedAt: try r.decode(column: p + "updated_at", as: Int64.self)
        )
        card.pending = try r.decode(column: p + "pending", as: Int64.self)
        card.lifetimeExpired = try r.decode(column: p + "lifetime_expired", as: Int64.self)
        card.lifetimeSpendMinor = try r.decode(column: p + "lifetime_spend_minor", as: Int64.self)
        card.nextExpiryAt = try r.decode(column: p + "next_expiry_at", as: Int64?.self)
        card.nextExpiryPoints = try r.decode(column: p + "next_expiry_points", as: Int64.self)
        card.tier = try r.decode(column: p + "tier", as: String?.self)
        card.tierSince = try r.decode(column: p + "tier_since", as: Int64?.self)
        card.tierGraceUntil = try r.decode(column: p + "tier_grace_until", as: Int64?.self)
        card.tierOverride = try r.decode(column: p + "tier_override", as: String?.self)
        card.tierOverrideUntil = try r.decode(column: p + "tier_override_until", as: Int64?.self)
        card.expiresAt = try r.decode(column: p + "expires_at", as: Int64?.self)
        card.blockedReason = try r.decode(column: p + "blocked_reason", as: String?.self)
        return card
    }

    static let transactionColumns =
        "id, partner_id, shop_id, card_id, customer_id, type, order_id, refund_id, amount_minor, currency, points_awarded, points_redeemed, points_reversed, redeemed_returned, shortfall, discount_minor, description, reason, status, metadata, original_transaction_id, created_at, amount_refunded, rules_applied"

    static func transaction(_ r: any SQLRow) throws -> ShopTransaction {
        var tx = ShopTransaction(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            shopID: try r.decode(column: "shop_id", as: Int64?.self),
            cardID: try r.decode(column: "card_id", as: Int64.self),
            customerID: try r.decode(column: "customer_id", as: Int64.self),
            type: TransactionType(rawValue: try r.decode(column: "type", as: String.self)) ?? .purchase,
            orderID: try r.decode(column: "order_id", as: String.self),
            refundID: try r.decode(column: "refund_id", as: String?.self),
            amountMinor: try r.decode(column: "amount_minor", as: Int64?.self),
            currency: try r.decode(column: "currency", as: String.self),
            pointsAwarded: try r.decode(column: "points_awarded", as: Int64.self),
            pointsRedeemed: try r.decode(column: "points_redeemed", as: Int64.self),
            pointsReversed: try r.decode(column: "points_reversed", as: Int64.self),
            redeemedReturned: try r.decode(column: "redeemed_returned", as: Int64.self),
            shortfall: try r.decode(column: "shortfall", as: Int64.self),
            discountMinor: try r.decode(column: "discount_minor", as: Int64?.self),
            description: try r.decode(column: "description", as: String?.self),
            reason: try r.decode(column: "reason", as: String?.self),
            status: try r.decode(column: "status", as: String.self),
            metadataJSON: try r.decode(column: "metadata", as: String?.self),
            originalTransactionID: try r.decode(column: "original_transaction_id", as: Int64?.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self)
        )
        tx.amountRefunded = try r.decode(column: "amount_refunded", as: Int64.self)
        tx.rulesAppliedJSON = try r.decode(column: "rules_applied", as: String?.self)
        return tx
    }

    static let ledgerColumns = "id, partner_id, card_id, shop_id, transaction_id, type, points, balance_after, reference, description, created_at"

    static func ledgerEntry(_ r: any SQLRow) throws -> LedgerEntry {
        LedgerEntry(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            cardID: try r.decode(column: "card_id", as: Int64.self),
            shopID: try r.decode(column: "shop_id", as: Int64?.self),
            transactionID: try r.decode(column: "transaction_id", as: Int64?.self),
            type: LedgerEntryType(rawValue: try r.decode(column: "type", as: String.self)) ?? .adjusted,
            points: try r.decode(column: "points", as: Int64.self),
            balanceAfter: try r.decode(column: "balance_after", as: Int64.self),
            reference: try r.decode(column: "reference", as: String?.self),
            description: try r.decode(column: "description", as: String?.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self)
        )
    }

    static let reservationColumns = "id, partner_id, card_id, customer_id, order_id, points, status, session_id, created_at, updated_at"

    static func reservation(_ r: any SQLRow) throws -> PointsReservation { try reservation(r, prefix: "") }

    static func reservation(_ r: any SQLRow, prefix p: String) throws -> PointsReservation {
        PointsReservation(
            id: try r.decode(column: p + "id", as: Int64.self),
            partnerID: try r.decode(column: p + "partner_id", as: Int64.self),
            cardID: try r.decode(column: p + "card_id", as: Int64.self),
            customerID: try r.decode(column: p + "customer_id", as: Int64.self),
            orderID: try r.decode(column: p + "order_id", as: String.self),
            points: try r.decode(column: p + "points", as: Int64.self),
            status: ReservationStatus(rawValue: try r.decode(column: p + "status", as: String.self)) ?? .released,
            sessionID: try r.decode(column: p + "session_id", as: String?.self),
            createdAt: try r.decode(column: p + "created_at", as: Int64.self),
            updatedAt: try r.decode(column: p + "updated_at", as: Int64.self)
        )
    }

    static let partnerColumns = "id, name, description, contact_email, contact_phone, website, logo_url, is_active, created_at, updated_at"

    static func partner(_ r: any SQLRow) throws -> Partner {
        Partner(
            id: try r.decode(column: "id", as: Int64.self),
            name: try r.decode(column: "name", as: String.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            description: try r.decode(column: "description", as: String?.self),
            contactEmail: try r.decode(column: "contact_email", as: String?.self),
            contactPhone: try r.decode(column: "contact_phone", as: String?.self),
            website: try r.decode(column: "website", as: String?.self),
            logoURL: try r.decode(column: "logo_url", as: String?.self),
            isActive: try r.decode(column: "is_active", as: Bool.self),
            updatedAt: try r.decode(column: "updated_at", as: Int64.self)
        )
    }

    static func count(_ r: (any SQLRow)?) throws -> Int {
        guard let r else { return 0 }
        return Int(try r.decode(column: "n", as: Int64.self))
    }
}
