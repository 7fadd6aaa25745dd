import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The customer-facing part of the Shop API (`Authorization: Bearer <customer token>`,
/// spec 3.2): who am I, refresh and logout, the app's side of QR login and QR card scan,
/// and the customer's own card with a fresh QR token.
extension ShopAPI {
    func registerCustomerAPI(customer: APIRoutes, open: APIRoutes) {
        customer.get("auth/me", me)
        customer.post("auth/logout", logout)
        customer.post("auth/qr-login/scan/:code", scanQRLogin)
        customer.post("auth/qr-login/confirm/:session_id", confirmQRLogin)
        customer.post("qr-card/scan", scanQRCard)
        customer.get("me/card", myCard)
        open.post("auth/refresh", refresh)
    }

    func currentCustomer(_ call: APICall) async throws -> Customer {
        // A token for a deleted customer is as good as none.
        guard let id = call.customerID, let c = try await customers.customer(partnerID: call.partnerID, id: id) else {
            throw APIError.unauthorized("token_invalid", code: 1103, stringCode: .invalidToken)
        }
        return c
    }

    /// J01.
    @Sendable func me(_ call: APICall) async throws -> APIResult {
        let c = try await currentCustomer(call)
        return APIResult(
            data: .object([
                ("id", .int(c.id)), ("phone", .optional(c.phone)), ("email", .optional(c.email)), ("name", .optional(c.name)),
                ("role", .string("member")),
                ("partner_id", .int(c.partnerID)), ("email_verified_at", .null), ("phone_verified_at", .null),
                ("created_at", Present.time(c.createdAt)), ("updated_at", Present.time(c.updatedAt)),
            ])
        )
    }

    /// J07: spends the refresh token for a new pair; a reused one revokes its family.
    @Sendable func refresh(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let token = f.string("refresh_token", required: true, maxLength: 128)
        try f.throwIfInvalid()
        let (_, _, pair) = try await services.customerTokens.refresh(try f.required(token, "refresh_token"))
        return APIResult(data: QRSessionService.tokensJSON(pair))
    }

    /// J08: revokes every refresh token of the customer. Access tokens already issued
    /// stay valid until they expire (at most `LOYALTY_CUSTOMER_TOKEN_TTL_SECONDS`).
    @Sendable func logout(_ call: APICall) async throws -> APIResult {
        let c = try await currentCustomer(call)
        try await services.customerTokens.refreshTokens.revokeAll(partnerID: c.partnerID, subjectID: c.id)
        return APIResult(messageKey: "logged_out", data: .null)
    }

    /// J13: the app read a login QR (`code` = the deep link's code, or the manual code).
    @Sendable func scanQRLogin(_ call: APICall) async throws -> APIResult {
        let c = try await currentCustomer(call)
        let now = services.clock.nowMillis()
        let s = try await qr.find(reference: call.parameters["code"] ?? "", kind: .login, partnerID: c.partnerID, now: now)
        let scanned = try await qr.scanLogin(s, customerID: c.id, now: now)
        let p = try await partner(call)
        return APIResult(
            data: .object([
                ("session_id", .string(scanned.id)), ("status", .string(scanned.status.rawValue)), ("device_name", .optional(scanned.deviceName)),
                ("partner_name", .string(p.name)), ("expires_at", .string(Timestamp.iso8601(scanned.expiresAt))),
            ])
        )
    }

    /// J14: the customer confirms the login on the till.
    @Sendable func confirmQRLogin(_ call: APICall) async throws -> APIResult {
        let c = try await currentCustomer(call)
        let now = services.clock.nowMillis()
        let s = try await qr.load(id: call.parameters["session_id"] ?? "", partnerID: c.partnerID, kind: .login)
        let done = try await qr.confirmLogin(s, customerID: c.id, now: now)
        return APIResult(data: .object([("session_id", .string(done.id)), ("status", .string(done.status.rawValue))]))
    }

    /// The app scanned a till's card QR: `{session_id | code | qr_code | manual_code}`.
    @Sendable func scanQRCard(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let field = ["qr_code", "code", "session_id", "manual_code"].first(where: { f.has($0) }) ?? "qr_code"
        let reference = f.string(field, required: true, maxLength: 512)
        try f.throwIfInvalid()
        let c = try await currentCustomer(call)
        let now = services.clock.nowMillis()
        let s = try await qr.find(reference: try f.required(reference, field), kind: .card, partnerID: c.partnerID, now: now)
        let done = try await qr.completeCard(s, customerID: c.id, now: now)
        return APIResult(data: qr.cardStatus(done, now: now))
    }

    /// The customer's card with a fresh dynamic QR token.
    @Sendable func myCard(_ call: APICall) async throws -> APIResult {
        let c = try await currentCustomer(call)
        guard let card = try await customers.primaryCard(partnerID: c.partnerID, customerID: c.id) else { throw LoyaltyError.cardNotFound }
        return APIResult(
            data: .object([("card", Present.card(card, now: services.clock.nowMillis())), ("qr", try await tokenJSON(card, ttl: nil, call: call))])
        )
    }
}
