import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The partner's shops: list (with inactive ones on request), read, create, update
/// (name, contact, opening hours, location, active and virtual flags) and deactivate.
extension PartnerAPI {
    func registerShops(_ routes: APIRoutes) {
        routes.get("shops", listShops)
        routes.post("shops", createShop)
        routes.get("shops/:id", getShop)
        routes.put("shops/:id", updateShop)
        routes.delete("shops/:id", deactivateShop)
    }

    func pathShop(_ call: APICall) async throws -> Shop {
        guard let id = call.parameters["id"].flatMap(Int64.init), let s = try await tenants.shop(partnerID: call.partnerID, id: id) else {
            throw LoyaltyError.shopNotFound
        }
        return s
    }

    func ownPartner(_ call: APICall) async throws -> Partner {
        guard let p = try await tenants.partner(id: call.partnerID) else { throw APIError.notFound("partner_not_found") }
        return p
    }

    @Sendable func listShops(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        let filter = ShopFilter(search: f.string("search"), isActive: f.bool("is_active"), isVirtual: f.bool("is_virtual"))
        try f.throwIfInvalid()
        let p = try await ownPartner(call)
        let result = try await tenants.shops(partnerID: call.partnerID, filter: filter, page: page)
        return APIResult(data: .array(result.items.map { Present.shop($0, partner: p) }), meta: Envelope.meta(result))
    }

    @Sendable func getShop(_ call: APICall) async throws -> APIResult {
        APIResult(data: Present.shop(try await pathShop(call), partner: try await ownPartner(call)))
    }

    /// Reads a shop's fields; `creating` requires the name. Coordinates come as a pair
    /// (`latitude` + `longitude`, or `coordinates{latitude, longitude}`), or `null` to clear.
    func shopPatch(_ call: APICall, creating: Bool) throws -> ShopPatch {
        var f = call.fields
        var p = ShopPatch()
        p.name = f.string("name", required: creating)
        p.address = f.clearable("address")
        p.city = f.clearable("city", maxLength: 100)
        p.phone = f.clearable("phone", maxLength: 32)
        if f.has("email") { p.email = f.email("email") } else { p.email = f.clearable("email") }
        p.website = f.url("website")
        p.description = f.clearable("description", maxLength: 10_000)
        p.openingHours = f.clearable("opening_hours", maxLength: 1_000)
        p.isActive = f.bool("is_active")
        p.isVirtual = f.bool("is_virtual")
        var lat: JSON? = f.values["latitude"]
        var lon: JSON? = f.values["longitude"]
        if case let .object(members)? = f.values["coordinates"] {
            lat = members.first { $0.0 == "latitude" }?.1
            lon = members.first { $0.0 == "longitude" }?.1
        }
        if case .null? = f.values["coordinates"] { p.clearLocation = true }
        switch (lat, lon) {
        case (nil, nil): break
        case (.null?, .null?): p.clearLocation = true
        case let (a?, b?):
            p.latitude = Self.degrees(a, within: 90)
            p.longitude = Self.degrees(b, within: 180)
            if p.latitude == nil { f.fail("latitude", "v_between", ["min": "-90", "max": "90"]) }
            if p.longitude == nil { f.fail("longitude", "v_between", ["min": "-180", "max": "180"]) }
        default:
            f.fail(lat == nil ? "latitude" : "longitude", "v_required")
        }
        try f.throwIfInvalid()
        return p
    }

    static func degrees(_ v: JSON, within limit: Double) -> Double? {
        let d: Double?
        switch v {
        case let .double(x): d = x
        case let .int(i): d = Double(i)
        case let .string(s): d = Double(s)
        default: d = nil
        }
        guard let d, d.isFinite, abs(d) <= limit else { return nil }
        return d
    }

    @Sendable func createShop(_ call: APICall) async throws -> APIResult {
        let patch = try shopPatch(call, creating: true)
        let shop = try await tenants.createShop(partnerID: call.partnerID, patch)
        return APIResult(status: .created, data: Present.shop(shop, partner: try await ownPartner(call)))
    }

    @Sendable func updateShop(_ call: APICall) async throws -> APIResult {
        let patch = try shopPatch(call, creating: false)
        let id = try await pathShop(call).id
        guard let shop = try await tenants.updateShop(partnerID: call.partnerID, id: id, patch) else { throw LoyaltyError.shopNotFound }
        return APIResult(data: Present.shop(shop, partner: try await ownPartner(call)))
    }

    /// Deactivates: the shop's history stays, and it stops appearing in the Shop API's list.
    @Sendable func deactivateShop(_ call: APICall) async throws -> APIResult {
        var patch = ShopPatch()
        patch.isActive = false
        let id = try await pathShop(call).id
        guard let shop = try await tenants.updateShop(partnerID: call.partnerID, id: id, patch) else { throw LoyaltyError.shopNotFound }
        return APIResult(messageKey: "shop_deactivated", data: Present.shop(shop, partner: try await ownPartner(call)))
    }
}
