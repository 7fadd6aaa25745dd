import Hummingbird
import Logging
import ServiceLifecycle

/// Meters every authenticated call per partner, month and API family (``UsageMeter``)
/// and refuses one that a hard-stopped plan has no quota left for (402), before the
/// handler runs. After the rate limit: a call refused there is not counted.
struct UsageMiddleware: RouterMiddleware {
    typealias Context = LoyaltyRequestContext
    let meter: UsageMeter
    let family: RateLimits.Family

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let principal = context.principal else { return try await next(request, context) }
        let name: String
        switch principal.kind {
        case .customer: name = "member"
        case .partnerUser: name = "partner"
        case .credential, .anonymous: name = family == .partner ? "partner" : "shop"
        }
        try await meter.admitCall(partnerID: principal.partnerID, family: name)
        return try await next(request, context)
    }
}

/// Writes the counted calls every five seconds, and once more at shutdown.
struct UsageFlushService: Service {
    let meter: UsageMeter
    let ready: StartupGate
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(ready: ready, pause: .seconds(5), logger: logger, label: "usage flush") {
            try await meter.flush()
        }
        try? await meter.flush()
    }
}
