import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The programme engine's endpoints: configuration, transfers, adjustments,
/// activities, tiers and lots. Not part of the Loyalty.lt wire; documented in
/// openapi.yaml and docs/PROGRAM.md.
extension ShopAPI {
    func registerProgram(_ routes: APIRoutes) {
        routes.get("program", getProgram)
        routes.put("program", putProgram)
        routes.post("points/transfer", transfer)
        routes.post("points/adjust", adjust)
        routes.post("activities", activity)
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
        let template = try await tenants.templates(partnerID: call.partnerID, filter: TemplateFilter(isActive: true), page: PageRequest(page: 1, perPage: 1)).items.first
        return ProgramDocument.render(version: version, config: config, template: template)
    }

    @Sendable func putProgram(_ call: APICall) async throws -> APIResult {
        let doc: ProgramDocument
        do { doc = try ProgramDocument.decode(call.fields.raw) } catch { throw APIError.validation(error.problems.map { ($0.0, ["\($0.0) \($0.1)"]) }) }
        _ = try await services.programs.setProgram(partnerID: call.partnerID, config: doc.config, templateRules: doc.templateRules, actor: actor(call, nil))
        return APIResult(messageKey: "program_updated", data: try await programDocument(call))
    }

    @Sendable func transfer(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let points = f.int("points", required: true, min: 1, max: 1_000_000_000)
        let reason = f.string("reason", required: true, maxLength: 191)
        let reference = f.string("reference", maxLength: 191)
        let from = try await customerRef(&f, call: call, idField: "from_customer_id", externalField: "from_external_id", emailField: "from_email")
        let to = try await customerRef(&f, call: call, idField: "to_customer_id", externalField: "to_external_id", emailField: "to_email")
        try f.throwIfInvalid()
        let outcome = try await ledger.transfer(TransferCommand(partnerID: call.partnerID, shopID: call.principal.shopID, from: from!, to: to!, points: points!, reason: reason!, reference: reference ?? "transfer-\(UUID().uuidString.lowercased())", actor: actor(call, nil)))
        return APIResult(status: .created, messageKey: "points_transferred", data: .object([
            ("transaction_id", .int(outcome.transactionID)), ("points", .int(outcome.points)), ("reason", .string(reason!)),
            ("from", side(outcome.from)), ("to", side(outcome.to)),
        ]))
    }

    func side(_ o: TransactionOutcome) -> JSON {
        .object([("customer_id", .int(o.customer.id)), ("loyalty_card_id", .int(o.card.id)), ("points_balance", .int(o.card.balance)), ("available_points", .int(o.card.available))])
    }

    @Sendable func adjust(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let points = f.int("points", required: true, min: -1_000_000_000, max: 1_000_000_000)
        let reason = f.string("reason", required: true, maxLength: 191)
        let reference = f.string("reference", maxLength: 191)
        let given = f.string("actor", maxLength: 191)
        if points == 0 { f.fail("points", "v_not_zero") }
        let ref = try await customerRef(&f, call: call)
        let outcome = try await ledger.adjust(AdjustmentCommand(partnerID: call.partnerID, shopID: call.principal.shopID, customer: ref!, points: points!, reason: reason!, reference: reference ?? "adjustment-\(UUID().uuidString.lowercased())", actor: actor(call, given)))
        return APIResult(status: .created, messageKey: "points_adjusted", data: Present.outcome(outcome))
    }

    @Sendable func activity(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let key = f.string("activity", required: true, maxLength: 64)
        let reference = f.string("reference", maxLength: 191)
        var referred: TransactionCommand.CustomerRef?
        if f.has("referred_customer_id") || f.has("referred_email") || f.has("referred_external_id") {
            referred = try await customerRef(&f, call: call, idField: "referred_customer_id", externalField: "referred_external_id", emailField: "referred_email")
        }
        let ref = try await customerRef(&f, call: call)
        let outcomes = try await ledger.recordActivity(ActivityCommand(partnerID: call.partnerID, shopID: call.principal.shopID, customer: ref!, activity: key!, reference: reference, referred: referred, actor: actor(call, nil)))
        var data = Present.outcome(outcomes[0])
        if outcomes.count > 1, case let .object(m) = data { data = .object(m + [("referred", Present.outcome(outcomes[1]))]) }
        return APIResult(status: .created, messageKey: "activity_recorded", data: data)
    }

    @Sendable func customerLots(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let all = f.bool("all") ?? false
        try f.throwIfInvalid()
        let c = try await loadCustomer(call)
        guard let card = try await customers.primaryCard(partnerID: call.partnerID, customerID: c.id) else { return APIResult(data: .array([])) }
        let now = Clock.nowMillis()
        let lots = try await ledger.lots(partnerID: call.partnerID, cardID: card.id, openOnly: !all)
        return APIResult(data: .array(lots.map { Present.lot($0, now: now) }))
    }

    @Sendable func setTier(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let tier = f.string("tier", required: true, maxLength: 64)
        let until = f.date("until")
        let reason = f.string("reason", required: true, maxLength: 191)
        let given = f.string("actor", maxLength: 191)
        if let until, until <= Clock.nowMillis() { f.fail("until", "v_future") }
        try f.throwIfInvalid()
        let c = try await loadCustomer(call)
        let card = try await ledger.setTierOverride(partnerID: call.partnerID, customerID: c.id, tier: tier, until: until, reason: reason!, actor: actor(call, given))
        return APIResult(messageKey: "tier_set", data: try await customerPoints(c, card: card, call: call))
    }

    @Sendable func clearTier(_ call: APICall) async throws -> APIResult {
        let c = try await loadCustomer(call)
        let card = try await ledger.setTierOverride(partnerID: call.partnerID, customerID: c.id, tier: nil, until: nil, reason: "cleared", actor: actor(call, nil))
        return APIResult(messageKey: "tier_set", data: try await customerPoints(c, card: card, call: call))
    }

    /// The customer's balance picture with tier progress.
    func customerPoints(_ c: Customer, card: LoyaltyCard?, call: APICall) async throws -> JSON {
        var members: [(String, JSON)] = [("customer_id", .int(c.id)), ("card_id", .optional(card?.id)), ("card_number", .optional(card?.cardNumber))]
        guard let card else {
            return .object(members + [("points", .int(0)), ("available_points", .int(0)), ("pending_points", .int(0)), ("reserved_points", .int(0)), ("expiring_soon", .null),
                                      ("lifetime_earned", .int(0)), ("lifetime_spent", .int(0)), ("lifetime_expired", .int(0)), ("tier", .null)])
        }
        members += Present.points(card, tier: try await tier(card, call))
        return .object(members)
    }

    /// The card's tier with progress (one programme read, plus the rolling-window sum
    /// when that is the basis): for responses about one customer or card.
    func tier(_ card: LoyaltyCard, _ call: APICall) async throws -> JSON {
        let program = try await ledger.program(partnerID: call.partnerID)
        let basis = try await ledger.tierBasis(card: card, program: program)
        return Present.tier(card, program: program, basis: basis, now: Clock.nowMillis())
    }
}
