import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The programme engine's endpoints: configuration, tiers and lots (transfers,
/// adjustments and activities are in `ShopAPI+Points.swift`). Not part of the Loyalty.lt wire; documented in
/// openapi.yaml and docs/PROGRAM.md.
extension ShopAPI {
    func registerProgram(_ routes: APIRoutes) {
        routes.get("program", getProgram)
        routes.put("program", putProgram)
        routes.get("customers/:id/lots", customerLots)
        routes.put("customers/:id/tier", setTier)
        routes.delete("customers/:id/tier", clearTier)
    }

    /// Who did it, for adjustments and tier overrides: the API key (masked).
    func actor(_ call: APICall, _ given: String?) -> String {
        given.map { "\($0) via \(ApiKeyFormat.masked(call.principal.key))" } ?? "api:\(ApiKeyFormat.masked(call.principal.key))"
    }

    @Sendable func getProgram(_ call: APICall) async throws -> APIResult {
        APIResult(data: try await programDocument(call))
    }

    /// `{version, program}`, the programme with the base earning and redemption rules
    /// of the partner's (first active) card template.
    func programDocument(_ call: APICall) async throws -> JSON {
        let (version, config) = try await services.programs.program(partnerID: call.partnerID)
        let template = try await tenants.templates(
            partnerID: call.partnerID,
            filter: TemplateFilter(isActive: true),
            page: PageRequest(page: 1, perPage: 1)
        ).items.first
        return ProgramDocument.render(version: version, config: config, template: template)
    }

    @Sendable func putProgram(_ call: APICall) async throws -> APIResult {
        let doc: ProgramDocument
        do { doc = try ProgramDocument.decode(call.fields.raw) } catch {
            throw APIError.validation(error.problems.map { ($0.0, ["\($0.0) \($0.1)"]) })
        }
        _ = try await services.programs.setProgram(
            partnerID: call.partnerID,
            config: doc.config,
            templateRules: doc.templateRules,
            actor: actor(call, nil)
        )
        return APIResult(messageKey: "program_updated", data: try await programDocument(call))
    }

    @Sendable func customerLots(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let all = f.bool("all") ?? false
        try f.throwIfInvalid()
        let c = try await loadCustomer(call)
        guard let card = try await customers.primaryCard(partnerID: call.partnerID, customerID: c.id) else { return APIResult(data: .array([])) }
        let now = services.clock.nowMillis()
        let lots = try await ledger.lots(partnerID: call.partnerID, cardID: card.id, openOnly: !all)
        return APIResult(data: .array(lots.map { Present.lot($0, now: now) }))
    }

    @Sendable func setTier(_ call: APICall) async throws -> APIResult {
        let request = try TierOverrideRequest(call.fields, now: services.clock.nowMillis())
        let c = try await loadCustomer(call)
        let card = try await ledger.setTierOverride(
            partnerID: call.partnerID,
            customerID: c.id,
            tier: request.tier,
            until: request.until,
            reason: request.reason,
            actor: actor(call, request.actor)
        )
        return APIResult(messageKey: "tier_set", data: try await customerPoints(c, card: card, call: call))
    }

    @Sendable func clearTier(_ call: APICall) async throws -> APIResult {
        let c = try await loadCustomer(call)
        let card = try await ledger.setTierOverride(
            partnerID: call.partnerID,
            customerID: c.id,
            tier: nil,
            until: nil,
            reason: "cleared",
            actor: actor(call, nil)
        )
        return APIResult(messageKey: "tier_set", data: try await customerPoints(c, card: card, call: call))
    }

    /// The customer's balance picture with tier progress.
    func customerPoints(_ c: Customer, card: LoyaltyCard?, call: APICall) async throws -> JSON {
        var members: [(String, JSON)] = [("customer_id", .int(c.id)), ("card_id", .optional(card?.id)), ("card_number", .optional(card?.cardNumber))]
        guard let card else {
            return .object(
                members + [
                    ("points", .int(0)), ("available_points", .int(0)), ("pending_points", .int(0)), ("reserved_points", .int(0)),
                    ("expiring_soon", .null),
                    ("lifetime_earned", .int(0)), ("lifetime_spent", .int(0)), ("lifetime_expired", .int(0)), ("tier", .null),
                ]
            )
        }
        members += Present.points(card, tier: try await tier(card, call))
        return .object(members)
    }

    /// The card's tier with progress (one programme read, plus the rolling-window sum
    /// when that is the basis): for responses about one customer or card.
    func tier(_ card: LoyaltyCard, _ call: APICall) async throws -> JSON {
        let program = try await ledger.program(partnerID: call.partnerID)
        let basis = try await ledger.tierBasis(card: card, program: program)
        return Present.tier(card, program: program, basis: basis, now: services.clock.nowMillis())
    }
}
