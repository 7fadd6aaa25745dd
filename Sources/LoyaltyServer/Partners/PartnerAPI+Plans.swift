import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Plans and usage: the operator sets a partner's limits; the partner (and the
/// operator) see this month's usage against them.
extension PartnerAPI {
    func registerPlans(_ routes: APIRoutes) {
        routes.requiring(.role(.staff, credentials: false)).get("usage", ownUsage)
        routes.requiring(.partnerOrOperator(.staff)).get(":id/usage", partnerUsage)
        routes.requiring(.operatorOnly).put(":id/plan", setPlan)
    }

    @Sendable func ownUsage(_ call: APICall) async throws -> APIResult {
        APIResult(data: try await usage(of: call.partnerID))
    }

    @Sendable func partnerUsage(_ call: APICall) async throws -> APIResult {
        APIResult(data: try await usage(of: try await pathPartner(call).id))
    }

    func usage(of partnerID: Int64) async throws -> JSON {
        let u = try await services.usage.usage(partnerID: partnerID)
        func metric(_ used: Int64, _ quota: Int64) -> JSON {
            .object([
                ("used", .int(used)), ("quota", quota > 0 ? .int(quota) : .null),
                ("remaining", quota > 0 ? .int(max(0, quota - used)) : .null), ("over_quota", .bool(quota > 0 && used > quota)),
            ])
        }
        return .object([
            ("partner_id", .int(partnerID)), ("month", .string(u.month)), ("plan", Self.present(u.plan)),
            ("active_customers", metric(u.activeCustomers, u.plan.activeCustomerLimit)),
            (
                "api_calls",
                .object(["shop", "partner", "member"].map { ($0, metric(u.calls[$0] ?? 0, u.plan.callsLimit($0))) })
            ),
        ])
    }

    static func present(_ p: PartnerPlan) -> JSON {
        func limit(_ v: Int64) -> JSON { v > 0 ? .int(v) : .null }
        return .object([
            ("name", .string(p.name)), ("active_customer_limit", limit(p.activeCustomerLimit)), ("shop_calls_limit", limit(p.shopCallsLimit)),
            ("partner_calls_limit", limit(p.partnerCallsLimit)), ("member_calls_limit", limit(p.memberCallsLimit)), ("hard_stop", .bool(p.hardStop)),
        ])
    }

    /// Operators: the whole plan at once; a limit of 0 or `null` is unlimited.
    @Sendable func setPlan(_ call: APICall) async throws -> APIResult {
        let partner = try await pathPartner(call)
        var f = call.fields
        let name = f.string("name", required: true, maxLength: 100)
        let max: Int64 = 1_000_000_000_000
        let plan = PartnerPlan(
            name: name ?? "",
            activeCustomerLimit: f.nullableInt("active_customer_limit", max: max) ?? 0,
            shopCallsLimit: f.nullableInt("shop_calls_limit", max: max) ?? 0,
            partnerCallsLimit: f.nullableInt("partner_calls_limit", max: max) ?? 0,
            memberCallsLimit: f.nullableInt("member_calls_limit", max: max) ?? 0,
            hardStop: f.bool("hard_stop") ?? false
        )
        try f.throwIfInvalid()
        try await services.usage.repository.setPlan(partnerID: partner.id, plan)
        services.usage.invalidate(partnerID: partner.id)
        return APIResult(messageKey: "plan_updated", data: try await usage(of: partner.id))
    }
}
