import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Multi-store point sharing: the partner's settings (the seed FAQ's `updateSettings`)
/// and each member's home shop. docs/PARTNER-API.md has the table of what each mode
/// allows at each shop.
extension PartnerAPI {
    func registerSettings(_ routes: APIRoutes) {
        routes.requiring(.role(.staff, credentials: false)).get("settings", getSettings)
        routes.requiring(.role(.owner, credentials: false)).put("settings", updateSettings)
        routes.requiring(.role(.manager, credentials: false)).put("customers/:id", updateCustomer)
    }

    static func present(_ s: PointSharing) -> JSON {
        .object([
            ("multi_store_points", .bool(s.multiStore)), ("point_sharing", .string(s.mode.rawValue)), ("unified_tiers", .bool(s.unifiedTiers)),
            ("shop_earning_rates", .object(s.shopRates.sorted { $0.key < $1.key }.map { (String($0.key), .int($0.value)) })),
        ])
    }

    @Sendable func getSettings(_ call: APICall) async throws -> APIResult {
        APIResult(data: try await presentSettings(call.partnerID, try await services.pointSharing.settings(partnerID: call.partnerID)))
    }

    /// The sharing settings and the value of a point for the liability figure (null
    /// when not configured: analytics then use the card template's redemption rate).
    func presentSettings(_ partnerID: Int64, _ s: PointSharing) async throws -> JSON {
        guard case let .object(fields) = Self.present(s) else { return Self.present(s) }
        let value = try await services.analytics.pointValue(partnerID: partnerID)
        return .object(
            fields + [
                ("point_value_minor", value.map { .double(Double($0.milli) / 1_000) } ?? .null),
                ("liability_currency", value.map { .string($0.currency) } ?? .null),
            ]
        )
    }

    /// Any of the fields; what is not sent stays. `shop_earning_rates` replaces the map
    /// (`{shop_id: percent}`, 0-1000; the partner's own shops only).
    @Sendable func updateSettings(_ call: APICall) async throws -> APIResult {
        var s = try await services.pointSharing.settings(partnerID: call.partnerID)
        var f = call.fields
        if let v = f.bool("multi_store_points") { s.multiStore = v }
        if let v = f.oneOf("point_sharing", PointSharing.Mode.allCases.map(\.rawValue)).flatMap(PointSharing.Mode.init(rawValue:)) { s.mode = v }
        if let v = f.bool("unified_tiers") { s.unifiedTiers = v }
        var rates: [Int64: Int64]?
        if let object = f.object("shop_earning_rates"), case let .object(members) = object {
            var parsed: [Int64: Int64] = [:]
            for (key, value) in members {
                guard let id = Int64(key), case let .int(p) = value, (0...1_000).contains(p) else {
                    f.fail("shop_earning_rates.\(key)", "v_between", ["min": "0", "max": "1000"])
                    continue
                }
                parsed[id] = p
            }
            rates = parsed
        }
        let clearValue = f.values["point_value_minor"].map { $0.isNull } ?? false
        let pointValue = clearValue ? nil : f.pointValueMilli("point_value_minor")
        let currency = f.string("liability_currency", maxLength: 3)
        if let currency, currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isUppercase }) { f.fail("liability_currency", "v_currency") }
        if currency != nil && pointValue == nil && !clearValue { f.fail("point_value_minor", "v_required") }
        try f.throwIfInvalid()
        if let rates {
            for id in rates.keys where try await tenants.shop(partnerID: call.partnerID, id: id) == nil {
                throw APIError.validation([
                    ("shop_earning_rates", [Messages.text("v_foreign_shop", call.locale, ["field": "shop_earning_rates", "id": String(id)])])
                ])
            }
            s.shopRates = rates
        }
        try await services.pointSharing.setSettings(partnerID: call.partnerID, s)
        if clearValue {
            try await services.analytics.setPointValue(partnerID: call.partnerID, milli: nil, currency: nil)
        } else if let pointValue {
            let kept = try await services.analytics.pointValue(partnerID: call.partnerID)?.currency
            try await services.analytics.setPointValue(partnerID: call.partnerID, milli: pointValue, currency: currency ?? kept ?? "EUR")
        }
        return APIResult(messageKey: "settings_updated", data: try await presentSettings(call.partnerID, s))
    }

    /// A customer's home shop (`home_shop_id`, one of the partner's shops, or null).
    @Sendable func updateCustomer(_ call: APICall) async throws -> APIResult {
        let id = try pathCustomerID(call)
        var f = call.fields
        let clear = f.values["home_shop_id"].map { $0.isNull } ?? false
        let shop = f.int("home_shop_id", min: 1, max: Int64.max)
        if !clear && shop == nil && f.errors.isEmpty { f.fail("home_shop_id", "v_required") }
        try f.throwIfInvalid()
        if let shop, try await tenants.shop(partnerID: call.partnerID, id: shop) == nil { throw LoyaltyError.shopNotFound }
        guard try await services.pointSharing.setHomeShop(partnerID: call.partnerID, customerID: id, shopID: clear ? nil : shop) else {
            throw LoyaltyError.customerNotFound
        }
        guard let v = try await services.partnerCustomers.customer(partnerID: call.partnerID, id: id) else { throw LoyaltyError.customerNotFound }
        return APIResult(data: .object(Self.present(v)))
    }
}

extension Fields {
    /// The value of one point in minor units of the currency (0 to 1,000,000, at most
    /// three decimals), as thousandths of a minor unit.
    mutating func pointValueMilli(_ field: String) -> Int64? {
        guard has(field), let value = values[field] else { return nil }
        let d: Double?
        switch value {
        case let .int(i): d = Double(i)
        case let .double(v): d = v
        case let .string(s): d = Double(s.asciiTrimmed)
        default: d = nil
        }
        guard let d, d.isFinite, d >= 0, d <= 1_000_000, let milli = Optional((d * 1_000).rounded()), abs(milli - d * 1_000) < 1e-6 else {
            fail(field, "v_between", ["min": "0", "max": "1000000"])
            return nil
        }
        return Int64(milli)
    }
}
