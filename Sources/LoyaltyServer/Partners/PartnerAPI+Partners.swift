import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// P02-P06: the platform's partners. Operators list, create and deactivate partners;
/// a partner's own users read it (any role) and update it (owners).
extension PartnerAPI {
    func registerPartners(_ routes: APIRoutes) {
        let operators = routes.requiring(.operatorOnly)
        operators.get("", listPartners)
        operators.post("", createPartner)
        operators.delete(":id", deactivatePartner)
        routes.requiring(.partnerOrOperator(.staff)).get(":id", getPartner)
        routes.requiring(.partnerOrOperator(.owner)).put(":id", updatePartner)
    }

    static func present(_ p: Partner) -> JSON {
        .object([
            ("id", .int(p.id)), ("name", .string(p.name)), ("description", .optional(p.description)),
            ("contact_email", .optional(p.contactEmail)), ("contact_phone", .optional(p.contactPhone)), ("website", .optional(p.website)),
            ("logo_url", .optional(p.logoURL)), ("is_active", .bool(p.isActive)), ("created_at", Present.time(p.createdAt)),
            ("updated_at", Present.time(p.updatedAt)),
        ])
    }

    /// The partner named by the path: any for an operator, only their own for a partner user.
    func pathPartner(_ call: APICall) async throws -> Partner {
        guard let id = call.parameters["id"].flatMap(Int64.init), call.principal.user?.isOperator == true || id == call.partnerID,
            let p = try await tenants.partner(id: id)
        else { throw APIError.notFound("partner_not_found") }
        return p
    }

    @Sendable func listPartners(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        let search = f.string("search")
        try f.throwIfInvalid()
        let result = try await services.partners.partners(search: search, page: page)
        return APIResult(data: .array(result.items.map(Self.present)), meta: Envelope.meta(result))
    }

    /// Reads P03/P05's fields; `creating` requires name and contact email.
    func profile(_ call: APICall, creating: Bool) throws -> PartnerProfilePatch {
        var f = call.fields
        var patch = PartnerProfilePatch()
        patch.name = f.string("name", required: creating)
        patch.description = f.clearable("description", maxLength: 10_000)
        if creating || f.has("contact_email") { patch.contactEmail = f.email("contact_email", required: true) }
        patch.contactPhone = f.clearable("contact_phone", maxLength: 32)
        patch.website = f.url("website")
        patch.logoURL = f.url("logo_url")
        patch.isActive = f.bool("is_active")
        try f.throwIfInvalid()
        return patch
    }

    @Sendable func createPartner(_ call: APICall) async throws -> APIResult {
        let patch = try profile(call, creating: true)
        let p = try await services.partners.create(patch)
        // Every partner starts with the default card template the Shop API needs.
        _ = try await tenants.createDefaultTemplate(partnerID: p.id, title: p.name)
        return APIResult(status: .created, data: Self.present(p))
    }

    @Sendable func getPartner(_ call: APICall) async throws -> APIResult {
        APIResult(data: Self.present(try await pathPartner(call)))
    }

    @Sendable func updatePartner(_ call: APICall) async throws -> APIResult {
        var patch = try profile(call, creating: false)
        let p = try await pathPartner(call)
        // A partner's own owner cannot switch the partner off or on; the operator does.
        if call.principal.user?.isOperator != true { patch.isActive = nil }
        guard let updated = try await services.partners.update(id: p.id, patch) else { throw APIError.notFound("partner_not_found") }
        return APIResult(data: Self.present(updated))
    }

    /// P06: deactivates; the partner's credentials and users are refused from then on.
    @Sendable func deactivatePartner(_ call: APICall) async throws -> APIResult {
        let p = try await pathPartner(call)
        _ = try await services.partners.update(id: p.id, PartnerProfilePatch(isActive: false))
        return APIResult(messageKey: "partner_deactivated", data: .object([("success", .bool(true)), ("id", .int(p.id))]))
    }
}
