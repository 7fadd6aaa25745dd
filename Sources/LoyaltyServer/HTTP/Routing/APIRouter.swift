import Hummingbird

/// The route groups of the API families: each is a path under `/{locale}/` plus the
/// middleware that authenticates its callers. A new API family (the Partner API's JWT,
/// the SDK API) is one more method here and the endpoints it registers.
struct APIRouter {
    let services: AppServices
    let router: Router<LoyaltyRequestContext>
    let recorder: RouteRecorder

    /// Integrators with API credentials (`X-API-Key` + `X-API-Secret`, or the FAQ's
    /// Bearer key + `Shop-ID`), rate limited per credential.
    func credentials(_ family: String) -> APIRoutes {
        routes(
            family,
            [
                CredentialAuthMiddleware(authenticator: services.authenticator),
                RateLimitMiddleware(limits: services.rateLimits, family: .shop),
                UsageMiddleware(meter: services.usage, family: .shop),
            ]
        )
    }

    /// Customers with a customer token (`Authorization: Bearer <jwt>`), rate limited per
    /// customer.
    func customerToken(_ family: String) -> APIRoutes {
        routes(
            family,
            [
                CustomerTokenMiddleware(tokens: services.customerTokens, environment: services.config.environment),
                RateLimitMiddleware(limits: services.rateLimits, family: .shop),
                UsageMiddleware(meter: services.usage, family: .shop),
            ]
        )
    }

    /// One path for both: API credentials when presented, else a customer token
    /// (``CredentialOrCustomerMiddleware``), rate limited per caller.
    func credentialsOrCustomer(_ family: String) -> APIRoutes {
        routes(
            family,
            [
                CredentialOrCustomerMiddleware(
                    credentials: CredentialAuthMiddleware(authenticator: services.authenticator),
                    customer: CustomerTokenMiddleware(tokens: services.customerTokens, environment: services.config.environment)
                ),
                RateLimitMiddleware(limits: services.rateLimits, family: .shop),
                UsageMiddleware(meter: services.usage, family: .shop),
            ]
        )
    }

    /// The Partner API: a partner user's token, or the partner's API credentials
    /// (``PartnerAuthMiddleware``), rate limited per caller. Register each route through
    /// ``APIRoutes/requiring(_:)`` with the access it needs.
    func partner(_ family: String) -> APIRoutes {
        routes(
            family,
            [
                PartnerAuthMiddleware(
                    tokens: services.partnerTokens,
                    oauth: services.oauth,
                    tenants: services.tenants,
                    credentials: CredentialAuthMiddleware(authenticator: services.authenticator),
                    environment: services.config.environment
                ),
                RateLimitMiddleware(limits: services.rateLimits, family: .partner),
                UsageMiddleware(meter: services.usage, family: .partner),
            ]
        )
    }

    /// Routes whose handler authenticates by the body (a refresh token), or none at all.
    func open(_ family: String) -> APIRoutes {
        routes(family, [])
    }

    private func routes(_ family: String, _ middleware: [any MiddlewareProtocol<Request, Response, LoyaltyRequestContext>]) -> APIRoutes {
        let group = router.group(RouterPath(":locale/\(family)")).add(middleware: LocaleMiddleware())
        for m in middleware { group.add(middleware: m) }
        return APIRoutes(services: services, group: group, recorder: recorder, prefix: "/:locale/\(family)/")
    }
}
