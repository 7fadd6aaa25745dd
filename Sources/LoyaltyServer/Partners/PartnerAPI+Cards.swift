import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// P21-P25: card templates (the wire's "loyalty cards"): design, terms, the shops they
/// are valid at, and the earning and redemption rules the ledger applies. Deleting is
/// soft: cards already issued keep working.
extension PartnerAPI {
    func registerCards(_ routes: APIRoutes) {
        routes.get("cards", listCards)
        routes.post("cards", createCard)
        routes.get("cards/:id", getCard)
        routes.put("cards/:id", updateCard)
        routes.delete("cards/:id", deleteCard)
    }

    func presentCard(_ t: CardTemplate, details: CardTemplateDetails?, partner: Partner) -> JSON {
        guard case var .object(members) = Present.template(t, partner: partner) else { return .null }
        let d = details ?? CardTemplateDetails()
        members.append(("terms_conditions", .object([("lt", .optional(d.termsLT)), ("en", .optional(d.termsEN))])))
        if let i = members.firstIndex(where: { $0.0 == "card_design" }), case var .object(design) = members[i].1, case let .object(extra) = d.design {
            for (k, v) in extra {
                if let j = design.firstIndex(where: { $0.0 == k }) { design[j].1 = v } else { design.append((k, v)) }
            }
            members[i].1 = .object(design)
        }
        members.append(("default_coupon_validity_days", .optional(d.couponValidityDays)))
        return .object(members)
    }

    @Sendable func listCards(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        let filter = TemplateFilter(isActive: f.bool("is_active"), shopID: f.int("shop_id", min: 1, max: Int64.max), search: f.string("search"))
        try f.throwIfInvalid()
        let result = try await tenants.templates(partnerID: call.partnerID, filter: filter, page: page)
        let details = try await services.cardTemplates.details(partnerID: call.partnerID, ids: result.items.map(\.id))
        let p = try await ownPartner(call)
        let pagination = JSON.object([
            ("current_page", .int(Int64(page.page))), ("per_page", .int(Int64(page.perPage))), ("total", .int(Int64(result.total))),
            ("last_page", .int(Int64(max(1, (result.total + page.perPage - 1) / page.perPage)))),
        ])
        return APIResult(
            data: .array(result.items.map { presentCard($0, details: details[$0.id], partner: p) }),
            meta: Envelope.meta(result),
            extra: [("pagination", pagination)]
        )
    }

    func pathCard(_ call: APICall) async throws -> CardTemplate {
        guard let id = call.parameters["id"].flatMap(Int64.init), let t = try await services.cardTemplates.live(partnerID: call.partnerID, id: id)
        else {
            throw LoyaltyError.templateNotFound
        }
        return t
    }

    @Sendable func getCard(_ call: APICall) async throws -> APIResult {
        let t = try await pathCard(call)
        let details = try await services.cardTemplates.details(partnerID: call.partnerID, ids: [t.id])[t.id]
        return APIResult(data: presentCard(t, details: details, partner: try await ownPartner(call)))
    }

    @Sendable func createCard(_ call: APICall) async throws -> APIResult {
        let patch = try await cardPatch(call, creating: true)
        let t = try await services.cardTemplates.create(partnerID: call.partnerID, patch)
        let details = try await services.cardTemplates.details(partnerID: call.partnerID, ids: [t.id])[t.id]
        return APIResult(status: .created, data: presentCard(t, details: details, partner: try await ownPartner(call)))
    }

    @Sendable func updateCard(_ call: APICall) async throws -> APIResult {
        let id = try await pathCard(call).id
        let patch = try await cardPatch(call, creating: false)
        guard let t = try await services.cardTemplates.update(partnerID: call.partnerID, id: id, patch) else { throw LoyaltyError.templateNotFound }
        let details = try await services.cardTemplates.details(partnerID: call.partnerID, ids: [t.id])[t.id]
        return APIResult(data: presentCard(t, details: details, partner: try await ownPartner(call)))
    }

    @Sendable func deleteCard(_ call: APICall) async throws -> APIResult {
        let id = try await pathCard(call).id
        guard try await services.cardTemplates.delete(partnerID: call.partnerID, id: id) else { throw LoyaltyError.templateNotFound }
        return APIResult(messageKey: "card_deleted", data: .object([("success", .bool(true)), ("code", .int(200)), ("id", .int(id))]))
    }

    /// P22/P24's fields, every problem collected before anything is written.
    func cardPatch(_ call: APICall, creating: Bool) async throws -> CardTemplatePatch {
        var f = call.fields
        var p = CardTemplatePatch()
        (p.titleLT, p.titleEN) = f.localized("title", required: creating, maxLength: 255)
        (p.descriptionLT, p.descriptionEN) = f.localized("description", required: creating, maxLength: 10_000)
        (p.termsLT, p.termsEN) = f.localized("terms_conditions", required: creating, maxLength: 50_000)
        p.isActive = f.bool("is_active")
        p.autoAssign = f.bool("auto_assign")
        p.cardType = f.oneOf("card_type", ["loyalty", "membership", "discount"])
        var shopIDs: [Int64]?
        if let items = f.array("shop_ids", maxItems: 1_000) {
            let ids = items.compactMap { item -> Int64? in
                switch item {
                case let .int(i): i
                case let .string(s): Int64(s)
                default: nil
                }
            }
            if ids.count != items.count { f.fail("shop_ids", "v_integer") } else { shopIDs = ids }
        }
        var e = TemplateRulesPatch()
        e.earningEnabled = f.bool("points_enabled")
        e.pointsPerCurrency = f.int("points_per_currency", min: 1, max: 1_000_000)
        e.currencyAmountMinor = f.positiveMoney("currency_amount")
        e.roundUp = f.bool("round_points_up")
        e.minPointsPerPurchase = f.int("min_points_per_purchase", min: 0, max: 1_000_000_000)
        e.maxPointsPerPurchase = f.nullableInt("max_points_per_purchase", max: 1_000_000_000)
        e.pointsPerVisit = f.int("points_per_visit", min: 0, max: 1_000_000)
        e.redemptionEnabled = f.bool("points_redemption_enabled")
        e.redemptionPointsPerCurrency = f.int("points_per_currency_redemption", min: 1, max: 1_000_000_000)
        e.redemptionCurrencyAmountMinor = f.positiveMoney("currency_amount_redemption")
        e.minPointsForRedemption = f.int("min_points_for_redemption", min: 0, max: 1_000_000_000)
        e.maxPointsPerRedemption = f.nullableInt("max_points_per_redemption", max: 1_000_000_000)
        p.earning = e
        p.initialBonusPoints = f.int("initial_bonus_points", min: 0, max: 1_000_000)
        p.pointsExpirationDays = f.nullableInt("points_expiration_days", max: 36_500)
        if f.values["default_coupon_validity_days"] != nil {
            if case .null? = f.values["default_coupon_validity_days"] {
                p.couponValidityDays = .some(nil)
            } else if let days = f.int("default_coupon_validity_days", min: 1, max: 3_650) {
                p.couponValidityDays = .some(days)
            }
        }
        if let design = f.object("card_design") {
            (p.backgroundColor, p.textColor, p.design) = Self.design(design, into: &f)
        }
        try f.throwIfInvalid()
        if let shopIDs {
            for id in Set(shopIDs) where try await tenants.shop(partnerID: call.partnerID, id: id) == nil {
                throw APIError.validation([("shop_ids", [Messages.text("v_foreign_shop", call.locale, ["field": "shop_ids", "id": String(id)])])])
            }
            p.shopIDs = shopIDs
        }
        return p
    }

    /// `card_design`: colours as `#RRGGBB`, the logo and background image as data URIs
    /// of an image (or an https URL for the background), opacity 0-100.
    static func design(_ design: JSON, into f: inout Fields) -> (String?, String?, JSON) {
        var d = Fields(design, locale: f.locale)
        let colours = ["text_color", "text_color_labels", "qr_background_color", "qr_color", "background_color"]
        var extra: [(String, JSON)] = []
        var background: String?
        var text: String?
        for key in colours {
            guard let c = d.string(key, maxLength: 7) else { continue }
            guard c.count == 7, c.hasPrefix("#"), c.dropFirst().allSatisfy(\.isHexDigit) else {
                f.fail("card_design.\(key)", "v_colour")
                continue
            }
            switch key {
            case "background_color": background = c.uppercased()
            case "text_color": text = c.uppercased()
            default: extra.append((key, .string(c.uppercased())))
            }
        }
        for key in ["logo", "background_image"] {
            guard let v = d.string(key, maxLength: 1_400_000) else { continue }
            let image = v.hasPrefix("data:image/") && v.contains(";base64,")
            let url = key == "background_image" && v.lowercased().hasPrefix("https://")
            if image || url { extra.append((key, .string(v))) } else { f.fail("card_design.\(key)", "v_image_uri") }
        }
        if d.values["background_color_opacity"] != nil {
            if let o = d.int("background_color_opacity", min: 0, max: 100) { extra.append(("background_color_opacity", .int(o))) }
        }
        for (field, messages) in d.errors { for m in messages { f.failMessage("card_design.\(field)", m) } }
        return (background, text, .object(extra))
    }
}

extension Fields {
    /// A `{lt, en}` object of texts; `required` needs both.
    mutating func localized(_ field: String, required: Bool, maxLength: Int) -> (String?, String?) {
        guard let value = values[field], !value.isNull else {
            if required { fail(field, "v_required") }
            return (nil, nil)
        }
        if case let .string(s) = value, s.count <= maxLength { return (s, s) }
        guard case .object = value else {
            fail(field, "v_object")
            return (nil, nil)
        }
        var inner = Fields(value, locale: locale)
        let lt = inner.string("lt", required: required, maxLength: maxLength)
        let en = inner.string("en", required: required, maxLength: maxLength)
        for (k, messages) in inner.errors { for m in messages { failMessage("\(field).\(k)", m) } }
        return (lt, en)
    }

    /// An amount above zero, in minor units.
    mutating func positiveMoney(_ field: String) -> Int64? {
        guard let m = money(field) else { return nil }
        if m <= 0 {
            fail(field, "v_min", ["min": "0.01"])
            return nil
        }
        return m
    }

    /// A non-negative integer where `null` means none (stored as 0 = unlimited / never).
    mutating func nullableInt(_ field: String, max: Int64) -> Int64? {
        if case .null? = values[field] { return 0 }
        return int(field, min: 0, max: max)
    }
}
