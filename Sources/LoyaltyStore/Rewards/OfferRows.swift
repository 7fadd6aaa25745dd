import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// Column lists and decoders of the rewards tables, next to each other.
enum OfferRows {
    static let columns = """
        id, partner_id, type, title_lt, title_en, description_lt, description_en, terms, category_id, image_url, value, \
        maximum_discount_minor, minimum_purchase_minor, points_required, stock, claimed_count, per_member_limit, starts_at, ends_at, \
        is_active, is_featured, tiers, shop_ids, product_ids, coupon_validity_days, return_on_cancel, return_on_expiry, created_at, updated_at
        """

    static func offer(_ r: any SQLRow) throws -> Offer {
        Offer(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            type: try OfferType(rawValue: r.decode(column: "type", as: String.self)).required("a known offer type"),
            title: LocalizedText(lt: try r.decode(column: "title_lt", as: String?.self), en: try r.decode(column: "title_en", as: String?.self)),
            description: LocalizedText(
                lt: try r.decode(column: "description_lt", as: String?.self),
                en: try r.decode(column: "description_en", as: String?.self)
            ),
            terms: try r.decode(column: "terms", as: String?.self),
            categoryID: try r.decode(column: "category_id", as: Int64?.self),
            imageURL: try r.decode(column: "image_url", as: String?.self),
            value: try r.decode(column: "value", as: Int64.self),
            maximumDiscountMinor: try r.decode(column: "maximum_discount_minor", as: Int64?.self),
            minimumPurchaseMinor: try r.decode(column: "minimum_purchase_minor", as: Int64?.self),
            pointsRequired: try r.decode(column: "points_required", as: Int64.self),
            stock: try r.decode(column: "stock", as: Int64?.self),
            claimedCount: try r.decode(column: "claimed_count", as: Int64.self),
            perMemberLimit: try r.decode(column: "per_member_limit", as: Int64?.self),
            startsAt: try r.decode(column: "starts_at", as: Int64?.self),
            endsAt: try r.decode(column: "ends_at", as: Int64?.self),
            isActive: try r.decode(column: "is_active", as: Bool.self),
            isFeatured: try r.decode(column: "is_featured", as: Bool.self),
            tiers: stringList(try r.decode(column: "tiers", as: String.self)),
            shopIDs: intList(try r.decode(column: "shop_ids", as: String.self)),
            productIDs: intList(try r.decode(column: "product_ids", as: String.self)),
            couponValidityDays: try r.decode(column: "coupon_validity_days", as: Int64?.self),
            returnPointsOnCancel: try r.decode(column: "return_on_cancel", as: Bool.self),
            returnPointsOnExpiry: try r.decode(column: "return_on_expiry", as: Bool.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            updatedAt: try r.decode(column: "updated_at", as: Int64.self)
        )
    }

    static let couponColumns = """
        id, partner_id, offer_id, customer_id, card_id, code, status, pending_shop_id, pending_at, selected_product_id, redeemed_at, \
        redeemed_shop_id, notes, points_spent, points_returned, claim_transaction_id, expires_at, cancelled_at, created_at, updated_at
        """

    static func coupon(_ r: any SQLRow) throws -> Coupon {
        Coupon(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            offerID: try r.decode(column: "offer_id", as: Int64.self),
            customerID: try r.decode(column: "customer_id", as: Int64.self),
            cardID: try r.decode(column: "card_id", as: Int64.self),
            code: try r.decode(column: "code", as: String.self),
            status: try CouponStatus(rawValue: r.decode(column: "status", as: String.self)).required("a known coupon status"),
            pendingShopID: try r.decode(column: "pending_shop_id", as: Int64?.self),
            pendingAt: try r.decode(column: "pending_at", as: Int64?.self),
            selectedProductID: try r.decode(column: "selected_product_id", as: Int64?.self),
            redeemedAt: try r.decode(column: "redeemed_at", as: Int64?.self),
            redeemedShopID: try r.decode(column: "redeemed_shop_id", as: Int64?.self),
            notes: try r.decode(column: "notes", as: String?.self),
            pointsSpent: try r.decode(column: "points_spent", as: Int64.self),
            pointsReturned: try r.decode(column: "points_returned", as: Int64.self),
            claimTransactionID: try r.decode(column: "claim_transaction_id", as: Int64?.self),
            expiresAt: try r.decode(column: "expires_at", as: Int64?.self),
            cancelledAt: try r.decode(column: "cancelled_at", as: Int64?.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            updatedAt: try r.decode(column: "updated_at", as: Int64.self)
        )
    }

    static func stringList(_ text: String) -> [String] {
        guard case let .array(items)? = try? JSONDecoder().decode(JSON.self, from: Data(text.utf8)) else { return [] }
        return items.compactMap { if case let .string(s) = $0 { s } else { nil } }
    }

    static func intList(_ text: String) -> [Int64] {
        guard case let .array(items)? = try? JSONDecoder().decode(JSON.self, from: Data(text.utf8)) else { return [] }
        return items.compactMap { if case let .int(i) = $0 { i } else { nil } }
    }

    /// `column` (a JSON array of shop ids, `'[]'` = every shop) names `shopID` or is empty:
    /// the filter of offers and games that run at one shop.
    static func runsAtShop(_ column: String, _ shopID: Int64) -> SQLQueryString {
        var c: SQLQueryString = "(\(unsafeRaw: column) = '[]' OR \(unsafeRaw: column) LIKE \(bind: "%[\(shopID)]%")"
        c += " OR \(unsafeRaw: column) LIKE \(bind: "%[\(shopID),%") OR \(unsafeRaw: column) LIKE \(bind: "%,\(shopID),%")"
        c += " OR \(unsafeRaw: column) LIKE \(bind: "%,\(shopID)]%"))"
        return c
    }

    static func json(_ list: [String]) -> String { JSON.array(list.map(JSON.string)).serializedString() }
    static func json(_ list: [Int64]) -> String { JSON.array(list.map(JSON.int)).serializedString() }
}
