import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The Partner API (`/{locale}/partners/...`) beyond the games and webhooks that
/// ``ShopAPI`` registers: sign-in (P01) and the partner's users, the partner profile
/// (P02-P06), shops, customers and transactions (P07-P10), and the audit log. Every
/// route declares its ``RouteAccess``.
struct PartnerAPI {
    let services: AppServices

    func register(open: APIRoutes, partner routes: APIRoutes) {
        registerAuth(open: open, signedIn: routes.requiring(.signedIn))
        registerUsers(routes.requiring(.role(.owner, credentials: false)))
        registerPartners(routes)
        registerShops(routes.requiring(read: .role(.staff, credentials: true), write: .role(.manager, credentials: false)))
        registerCustomers(routes.requiring(.role(.staff, credentials: false)))
        registerCards(routes.requiring(read: .role(.staff, credentials: false), write: .role(.manager, credentials: false)))
        registerPlans(routes)
        registerSettings(routes)
        registerAnalytics(routes)
        registerExports(open: open, partner: routes)
        registerOAuthClients(
            manager: routes.requiring(.role(.manager, credentials: false)),
            owner: routes.requiring(.role(.owner, credentials: false))
        )
        registerBulk(routes.requiring(.role(.manager, credentials: false)))
        registerPrivacy(manager: routes.requiring(.role(.manager, credentials: false)), owner: routes.requiring(.role(.owner, credentials: false)))
    }

    var users: any PartnerUserRepository { services.partnerUsers }
    var tenants: any TenantRepository { services.tenants }

    /// The caller's user (routes with user-only access always have one).
    func user(_ call: APICall) throws -> PartnerUser {
        guard let u = call.principal.user else { throw APIError.unauthorized("partner_token_required", code: 1004, stringCode: .authRequired) }
        return u
    }
}

extension Fields {
    /// A text field that may be sent empty to clear it: `""` when sent empty, the
    /// string when sent, `nil` when absent.
    mutating func clearable(_ field: String, maxLength: Int = 255) -> String? {
        if case .string("") = values[field] { return "" }
        if case .null = values[field] { return "" }
        return string(field, maxLength: maxLength)
    }

    /// An optional http(s) URL, clearable with `""`.
    mutating func url(_ field: String) -> String? {
        guard let s = clearable(field, maxLength: 2048) else { return nil }
        if s.isEmpty { return s }
        let lower = s.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), URL(string: s)?.host?.isEmpty == false else {
            fail(field, "v_url")
            return nil
        }
        return s
    }

    /// A new password, checked by ``PasswordHasher/problem(_:)``.
    mutating func newPassword(_ field: String) -> String? {
        guard case let .string(p)? = values[field], !p.isEmpty else {
            fail(field, "v_required")
            return nil
        }
        if let problem = PasswordHasher.problem(p) {
            fail(field, problem)
            return nil
        }
        return p
    }

    /// A password as sent (not checked for strength: it is compared, not stored).
    mutating func password(_ field: String) -> String? {
        guard case let .string(p)? = values[field], !p.isEmpty, p.utf8.count <= 1024 else {
            fail(field, "v_required")
            return nil
        }
        return p
    }
}
