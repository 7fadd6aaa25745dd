import LoyaltyCore

/// The scopes an OAuth app may be granted (the Loyalty.lt list), and which Partner API
/// routes each opens. docs/OAUTH.md has the table.
///
/// An app acts at most as a manager: routes that need an owner or an operator, sign-in,
/// users, the audit log and app management itself are never open to an OAuth token,
/// whatever its scopes.
enum OAuthScope: String, CaseIterable, Sendable {
    case loyaltyRead = "loyalty:read"
    case loyaltyWrite = "loyalty:write"
    case pointsManage = "points:manage"
    case offersManage = "offers:manage"
    case analyticsRead = "analytics:read"
    case webhooksManage = "webhooks:manage"

    /// The role an OAuth token acts with, at most.
    static let maximumRole = PartnerRole.manager

    /// The scope a route needs, or nil when no OAuth token may call it.
    static func required(method: String, path: String, access: RouteAccess?) -> OAuthScope? {
        guard path.contains("/partners"), case let .role(role, _)? = access, role <= maximumRole else { return nil }
        for closed in ["/auth/", "/users", "/audit-log", "/oauth/"] where path.contains(closed) { return nil }
        if path.contains("/webhooks") || path.hasSuffix("/events") { return .webhooksManage }
        if path.contains("/analytics") || path.contains("/exports") || path.hasSuffix("/transactions/export") { return .analyticsRead }
        if path.contains("/points/") || path.contains("/bulk-import") || path.contains("/imports") { return .pointsManage }
        if path.contains("/games"), method != "GET" { return .offersManage }
        return method == "GET" ? .loyaltyRead : .loyaltyWrite
    }

    /// Space-separated scopes (RFC 6749 3.3): each known, no duplicates; nil if any is not.
    static func parse(_ s: String) -> [String]? {
        let parts = s.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard parts.allSatisfy({ OAuthScope(rawValue: $0) != nil }), Set(parts).count == parts.count else { return nil }
        return parts
    }
}
