import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// The Partner API's writes of card templates (P22, P24, P25) and what it shows beside
/// the rules (terms, design, coupon validity). Reads of the rules stay on
/// ``TenantRepository``, as the ledger reads them.
public protocol CardTemplateRepository: Sendable {
    /// A new template from `patch` (titles required by the caller), with a fresh code.
    func create(partnerID: Int64, _ patch: CardTemplatePatch) async throws -> CardTemplate
    /// Applies `patch`; `nil` when the partner has no such live template.
    func update(partnerID: Int64, id: Int64, _ patch: CardTemplatePatch) async throws -> CardTemplate?
    /// Soft delete: inactive and hidden from lists; cards issued from it keep working.
    /// `false` when there is no such live template.
    func delete(partnerID: Int64, id: Int64) async throws -> Bool
    /// A live (not deleted) template.
    func live(partnerID: Int64, id: Int64) async throws -> CardTemplate?
    func details(partnerID: Int64, ids: [Int64]) async throws -> [Int64: CardTemplateDetails]
}

public struct SQLCardTemplateRepository: CardTemplateRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    public func create(partnerID: Int64, _ p: CardTemplatePatch) async throws -> CardTemplate {
        let now = clock.nowMillis()
        let code = "CARD-\(partnerID)-\(ApiKeyFormat.newSecret().prefix(6).uppercased())"
        return try await database.write { db in
            let row = try await db.raw(
                """
                INSERT INTO card_templates (partner_id, title_lt, title_en, code, created_at, updated_at)
                VALUES (\(bind: partnerID), \(bind: p.titleLT ?? ""), \(bind: p.titleEN ?? ""), \(bind: code), \(bind: now), \(bind: now))
                RETURNING id
                """
            ).first()
            let id = try row.required("the returned row").decode(column: "id", as: Int64.self)
            return try await Self.apply(db, partnerID: partnerID, id: id, p, now: now).required("the created template")
        }
    }

    public func update(partnerID: Int64, id: Int64, _ p: CardTemplatePatch) async throws -> CardTemplate? {
        let now = clock.nowMillis()
        return try await database.write { db in
            guard
                try await db.raw(
                    "SELECT id FROM card_templates WHERE partner_id = \(bind: partnerID) AND id = \(bind: id) AND deleted_at IS NULL"
                ).first() != nil
            else { return nil }
            return try await Self.apply(db, partnerID: partnerID, id: id, p, now: now)
        }
    }

    static func apply(_ db: any SQLDatabase, partnerID: Int64, id: Int64, _ p: CardTemplatePatch, now: Int64) async throws -> CardTemplate? {
        let e = p.earning
        try await db.raw(
            """
            UPDATE card_templates SET
              title_lt = COALESCE(\(bind: p.titleLT), title_lt), title_en = COALESCE(\(bind: p.titleEN), title_en),
              description_lt = COALESCE(\(bind: p.descriptionLT), description_lt),
              description_en = COALESCE(\(bind: p.descriptionEN), description_en),
              card_type = COALESCE(\(bind: p.cardType), card_type), is_active = COALESCE(\(bind: p.isActive), is_active),
              auto_assign = COALESCE(\(bind: p.autoAssign), auto_assign),
              shop_ids = COALESCE(\(bind: p.shopIDs.map { $0.map(String.init).joined(separator: ",") }), shop_ids),
              points_enabled = COALESCE(\(bind: e.earningEnabled), points_enabled),
              points_per_currency = COALESCE(\(bind: e.pointsPerCurrency), points_per_currency),
              currency_amount_minor = COALESCE(\(bind: e.currencyAmountMinor), currency_amount_minor),
              round_points_up = COALESCE(\(bind: e.roundUp), round_points_up),
              points_per_visit = COALESCE(\(bind: e.pointsPerVisit), points_per_visit),
              min_points_per_purchase = COALESCE(\(bind: e.minPointsPerPurchase), min_points_per_purchase),
              max_points_per_purchase = COALESCE(\(bind: e.maxPointsPerPurchase), max_points_per_purchase),
              redemption_enabled = COALESCE(\(bind: e.redemptionEnabled), redemption_enabled),
              redemption_points_per_currency = COALESCE(\(bind: e.redemptionPointsPerCurrency), redemption_points_per_currency),
              redemption_currency_amount_minor = COALESCE(\(bind: e.redemptionCurrencyAmountMinor), redemption_currency_amount_minor),
              min_points_for_redemption = COALESCE(\(bind: e.minPointsForRedemption), min_points_for_redemption),
              max_points_per_redemption = COALESCE(\(bind: e.maxPointsPerRedemption), max_points_per_redemption),
              initial_bonus_points = COALESCE(\(bind: p.initialBonusPoints), initial_bonus_points),
              points_expiration_days = COALESCE(\(bind: p.pointsExpirationDays), points_expiration_days),
              background_color = COALESCE(\(bind: p.backgroundColor), background_color),
              text_color = COALESCE(\(bind: p.textColor), text_color), updated_at = \(bind: now)
            WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)
            """
        ).run()
        var current = try await details(db, partnerID: partnerID, ids: [id])[id] ?? CardTemplateDetails()
        if let v = p.termsLT { current.termsLT = v }
        if let v = p.termsEN { current.termsEN = v }
        if let v = p.design { current.design = v }
        if let v = p.couponValidityDays { current.couponValidityDays = v }
        try await db.raw("DELETE FROM card_template_details WHERE partner_id = \(bind: partnerID) AND template_id = \(bind: id)").run()
        try await db.raw(
            """
            INSERT INTO card_template_details (partner_id, template_id, terms_lt, terms_en, design, coupon_validity_days, updated_at)
            VALUES (\(bind: partnerID), \(bind: id), \(bind: current.termsLT), \(bind: current.termsEN), \(bind: current.design.serializedString()),
              \(bind: current.couponValidityDays), \(bind: now))
            """
        ).run()
        return try await db.raw(
            "SELECT \(unsafeRaw: Rows.templateColumns) FROM card_templates WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)"
        ).first().map { try Rows.template($0) }
    }

    public func delete(partnerID: Int64, id: Int64) async throws -> Bool {
        let now = clock.nowMillis()
        return try await database.write { db in
            try await db.raw(
                """
                UPDATE card_templates SET deleted_at = \(bind: now), is_active = \(bind: false), updated_at = \(bind: now)
                WHERE partner_id = \(bind: partnerID) AND id = \(bind: id) AND deleted_at IS NULL RETURNING id
                """
            ).first() != nil
        }
    }

    public func live(partnerID: Int64, id: Int64) async throws -> CardTemplate? {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.templateColumns) FROM card_templates WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)
                  AND deleted_at IS NULL
                """
            ).first().map { try Rows.template($0) }
        }
    }

    public func details(partnerID: Int64, ids: [Int64]) async throws -> [Int64: CardTemplateDetails] {
        try await database.read { db in try await Self.details(db, partnerID: partnerID, ids: ids) }
    }

    static func details(_ db: any SQLDatabase, partnerID: Int64, ids: [Int64]) async throws -> [Int64: CardTemplateDetails] {
        guard !ids.isEmpty else { return [:] }
        let list = ids.map(String.init).joined(separator: ",")
        var out: [Int64: CardTemplateDetails] = [:]
        for r in try await db.raw(
            """
            SELECT template_id, terms_lt, terms_en, design, coupon_validity_days FROM card_template_details
            WHERE partner_id = \(bind: partnerID) AND template_id IN (\(unsafeRaw: list))
            """
        ).all() {
            let design = try r.decode(column: "design", as: String.self)
            out[try r.decode(column: "template_id", as: Int64.self)] = CardTemplateDetails(
                termsLT: try r.decode(column: "terms_lt", as: String?.self),
                termsEN: try r.decode(column: "terms_en", as: String?.self),
                design: (try? JSONDecoder().decode(JSON.self, from: Data(design.utf8))) ?? .object([]),
                couponValidityDays: try r.decode(column: "coupon_validity_days", as: Int64?.self)
            )
        }
        return out
    }
}
