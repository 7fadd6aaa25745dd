import HTTPTypes
import LoyaltyCore
import LoyaltyModels

/// Who may call a Partner API route, checked before the body is read (so a refused
/// call writes nothing). Declared per route where it is registered and recorded in the
/// route list, from which the role tests are generated.
public enum RouteAccess: Sendable, Equatable, CustomStringConvertible {
    /// Any signed-in partner user, operators included (their own account: `auth/me`).
    case signedIn
    /// Platform operators only (the partner list, creating and deactivating partners).
    case operatorOnly
    /// A partner user of at least `role`, or an operator (the handler limits a partner
    /// user to their own partner: P04, P05).
    case partnerOrOperator(PartnerRole)
    /// A partner user of at least `role`; with `credentials`, the partner's API
    /// credentials too, acting as a manager (the routes the spec gives them).
    case role(PartnerRole, credentials: Bool)

    public var description: String {
        switch self {
        case .signedIn: "signed-in"
        case .operatorOnly: "operator"
        case let .partnerOrOperator(r): "\(r.rawValue)+operator"
        case let .role(r, credentials): credentials ? "\(r.rawValue)+credentials" : r.rawValue
        }
    }

    /// The role API credentials act with on routes that accept them.
    static let credentialRole = PartnerRole.manager

    /// Whether a caller of this kind and role passes.
    public func allows(user role: PartnerRole?, isOperator: Bool, credential: Bool) -> Bool {
        if credential {
            guard case let .role(needed, accepts) = self else { return false }
            return accepts && needed <= Self.credentialRole
        }
        guard let role else { return false }
        switch self {
        case .signedIn: return true
        case .operatorOnly: return isOperator
        case let .partnerOrOperator(needed): return isOperator || needed <= role
        case let .role(needed, _): return !isOperator && needed <= role
        }
    }

    /// Throws the 403 that names what is missing.
    func check(_ p: Principal) throws {
        let credential = p.kind == .credential
        guard p.kind == .partnerUser || credential else {
            throw APIError.unauthorized("partner_token_required", code: 1004, stringCode: .authRequired)
        }
        if allows(user: p.user?.role, isOperator: p.user?.isOperator ?? false, credential: credential) { return }
        if credential { throw APIError(status: .forbidden, code: 1111, stringCode: .forbidden, messageKey: "user_token_required") }
        let have = p.user.map { $0.isOperator ? "operator" : $0.role.rawValue } ?? "none"
        throw APIError(
            status: .forbidden,
            code: 1108,
            stringCode: .forbidden,
            messageKey: "role_forbidden",
            args: ["role": have, "needed": needed],
            details: [("role", .string(have)), ("required", .string(needed))]
        )
    }

    /// What a caller needs, in words.
    var needed: String {
        switch self {
        case .signedIn: "a signed-in user"
        case .operatorOnly: "operator"
        case let .partnerOrOperator(r), let .role(r, _): r.rawValue
        }
    }
}
