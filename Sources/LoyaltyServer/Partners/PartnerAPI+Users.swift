import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The partner's users (owners only) and the audit log of what they did.
extension PartnerAPI {
    func registerUsers(_ owner: APIRoutes) {
        owner.get("users", listUsers)
        owner.post("users", createUser)
        owner.get("users/:id", getUser)
        owner.put("users/:id", updateUser)
        owner.delete("users/:id", deactivateUser)
        owner.get("audit-log", auditLog)
    }

    func userID(_ call: APICall) throws -> Int64 {
        guard let id = call.parameters["id"].flatMap(Int64.init) else { throw APIError.notFound("partner_user_not_found") }
        return id
    }

    @Sendable func listUsers(_ call: APICall) async throws -> APIResult {
        APIResult(data: .array(try await users.users(partnerID: call.partnerID).map(Self.present)))
    }

    @Sendable func getUser(_ call: APICall) async throws -> APIResult {
        let id = try userID(call)
        guard let u = try await users.users(partnerID: call.partnerID).first(where: { $0.id == id }) else {
            throw APIError.notFound("partner_user_not_found")
        }
        return APIResult(data: Self.present(u))
    }

    @Sendable func createUser(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let email = f.email("email", required: true)
        let name = f.string("name", required: true)
        let password = f.newPassword("password")
        let role = f.oneOf("role", PartnerRole.allCases.map(\.rawValue), required: true).flatMap(PartnerRole.init(rawValue:))
        try f.throwIfInvalid()
        let hash = try await services.passwords.hash(try f.required(password, "password"))
        guard
            let created = try await users.create(
                partnerID: call.partnerID,
                email: try f.required(email, "email"),
                name: try f.required(name, "name"),
                passwordHash: hash,
                role: try f.required(role, "role"),
                isOperator: false
            )
        else { throw APIError.conflict("email_taken", code: 1112) }
        return APIResult(status: .created, data: Self.present(created))
    }

    @Sendable func updateUser(_ call: APICall) async throws -> APIResult {
        let id = try userID(call)
        var f = call.fields
        let name = f.string("name")
        let role = f.oneOf("role", PartnerRole.allCases.map(\.rawValue)).flatMap(PartnerRole.init(rawValue:))
        let active = f.bool("is_active")
        try f.throwIfInvalid()
        try await keepAnOwner(call, changing: id, role: role, active: active)
        guard let u = try await users.update(partnerID: call.partnerID, id: id, name: name, role: role, isActive: active) else {
            throw APIError.notFound("partner_user_not_found")
        }
        if active == false { try await services.partnerTokens.refreshTokens.revokeAll(partnerID: call.partnerID, subjectID: id) }
        return APIResult(data: Self.present(u))
    }

    /// Deactivates (users are kept: the audit log names them).
    @Sendable func deactivateUser(_ call: APICall) async throws -> APIResult {
        let id = try userID(call)
        try await keepAnOwner(call, changing: id, role: nil, active: false)
        guard let u = try await users.update(partnerID: call.partnerID, id: id, name: nil, role: nil, isActive: false) else {
            throw APIError.notFound("partner_user_not_found")
        }
        try await services.partnerTokens.refreshTokens.revokeAll(partnerID: call.partnerID, subjectID: id)
        return APIResult(data: Self.present(u))
    }

    /// Refuses a change that would leave the partner without an active owner.
    func keepAnOwner(_ call: APICall, changing id: Int64, role: PartnerRole?, active: Bool?) async throws {
        let all = try await users.users(partnerID: call.partnerID)
        guard let target = all.first(where: { $0.id == id }), target.role == .owner, target.isActive else { return }
        let demoted = (role != nil && role != .owner) || active == false
        let others = all.filter { $0.id != id && $0.role == .owner && $0.isActive }
        if demoted && others.isEmpty { throw APIError.conflict("last_owner", code: 1115, stringCode: .operationNotAllowed) }
    }

    @Sendable func auditLog(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        let actor = f.int("user_id", min: 1, max: Int64.max)
        let action = f.string("action", maxLength: 200)
        try f.throwIfInvalid()
        let result = try await services.auditLog.entries(partnerID: call.partnerID, actorID: actor, action: action, page: page)
        let items = result.items.map { e in
            JSON.object([
                ("id", .int(e.id)), ("actor", .object([("kind", .string(e.actorKind)), ("id", .int(e.actorID)), ("label", .string(e.actorLabel))])),
                ("action", .string(e.action)), ("target", .string(e.target)), ("status", .int(e.status)), ("request_id", .string(e.requestID)),
                ("fields", .array(e.details.split(separator: ",").map { .string(String($0)) })), ("created_at", Present.time(e.createdAt)),
            ])
        }
        return APIResult(data: .array(items), meta: Envelope.meta(result))
    }
}
