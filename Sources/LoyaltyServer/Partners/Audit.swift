import Hummingbird
import LoyaltyStore

/// Writes the audit log's entries: each successful write through the Partner API
/// (recorded by ``APIRoutes`` for audited routes) and the sign-in events.
enum Audit {
    /// One entry for a successful write: the route as registered, the path acted on,
    /// and the names (never the values) of the fields sent.
    static func record(
        _ services: AppServices,
        principal: Principal,
        request: Request,
        context: LoyaltyRequestContext,
        status: Int,
        fields: Fields
    ) async throws {
        let route = context.endpointPath.map { String($0.split(separator: "/").dropFirst().joined(separator: "/")) } ?? request.uri.path
        let target = String(request.uri.path.split(separator: "/").dropFirst().joined(separator: "/"))
        try await append(
            services,
            principal: principal,
            action: "\(request.method.rawValue) /\(route)",
            target: "/" + target,
            status: status,
            requestID: context.requestID,
            details: fields.values.keys.sorted().joined(separator: ",")
        )
    }

    /// One entry for `principal` (or a named actor, for sign-in events).
    static func append(
        _ services: AppServices,
        principal: Principal,
        action: String,
        target: String,
        status: Int,
        requestID: String,
        details: String = ""
    ) async throws {
        let actor = principal.actor
        try await services.auditLog.append(
            AuditEntry(
                partnerID: principal.partnerID,
                actorKind: actor.kind,
                actorID: actor.id,
                actorLabel: actor.label,
                action: action,
                target: target,
                status: Int64(status),
                requestID: requestID,
                details: details
            )
        )
    }
}
