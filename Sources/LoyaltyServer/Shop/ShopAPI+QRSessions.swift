import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The POS side of QR login and QR card scan (S06-S09), the realtime bootstrap (S03),
/// and customer tokens for a shop's own app.
extension ShopAPI {
    func registerQRSessions(_ routes: APIRoutes) {
        routes.post("auth/qr-login/generate", generateQRLogin)
        routes.post("auth/qr-login/poll/:session_id", pollQRLogin)
        routes.post("qr-card/generate", generateQRCard)
        routes.get("qr-card/status/:session_id", qrCardStatus)
        routes.get("realtime/config", realtimeConfig)
        routes.post("customers/:id/token", customerToken)
    }

    var qr: QRSessionService { QRSessionService(services: services) }

    func openSession(_ call: APICall, kind: QRSessionKind) async throws -> (QRSession, Partner) {
        var f = call.fields
        let device = f.string("device_name", maxLength: 255)
        let shopID = f.int("shop_id", min: 1, max: Int64.max)
        try f.throwIfInvalid()
        if let shopID, try await tenants.shop(partnerID: call.partnerID, id: shopID) == nil { throw LoyaltyError.shopNotFound }
        let p = try await partner(call)
        return (try await qr.open(kind: kind, partnerID: call.partnerID, shopID: shopID ?? call.principal.shopID, deviceName: device), p)
    }

    func sessionJSON(_ s: QRSession, partner p: Partner) -> [(String, JSON)] {
        [
            ("session_id", .string(s.id)), ("qr_code", .string(QRSessionService.deepLink(s))), ("manual_code", .string(s.manualCodeFormatted)),
            ("partner_id", .int(p.id)), ("partner_name", .string(p.name)), ("shop_id", .optional(s.shopID)), ("device_name", .optional(s.deviceName)),
            ("expires_at", .string(Timestamp.iso8601(s.expiresAt))), ("expires_in", .int((s.expiresAt - s.createdAt) / 1000)),
        ]
    }

    /// S06.
    @Sendable func generateQRLogin(_ call: APICall) async throws -> APIResult { try await generate(call, kind: .login) }

    /// S08.
    @Sendable func generateQRCard(_ call: APICall) async throws -> APIResult { try await generate(call, kind: .card) }

    func generate(_ call: APICall, kind: QRSessionKind) async throws -> APIResult {
        let (s, p) = try await openSession(call, kind: kind)
        var data = sessionJSON(s, partner: p)
        data.append(("realtime_channel", .string(QRSessionService.channel(s))))
        return APIResult(messageKey: kind == .login ? "qr_login_created" : "qr_card_created", data: .object(data))
    }

    /// S07 (POST, as the SDKs send it).
    @Sendable func pollQRLogin(_ call: APICall) async throws -> APIResult {
        let s = try await qr.load(id: call.parameters["session_id"] ?? "", partnerID: call.partnerID, kind: .login)
        return APIResult(data: try await qr.loginStatus(s, now: services.clock.nowMillis()))
    }

    /// S09.
    @Sendable func qrCardStatus(_ call: APICall) async throws -> APIResult {
        let s = try await qr.load(id: call.parameters["session_id"] ?? "", partnerID: call.partnerID, kind: .card)
        return APIResult(data: qr.cardStatus(s, now: services.clock.nowMillis()))
    }

    /// S03: where this server's Pusher-protocol socket is. Unless configured, the host,
    /// port and scheme the client used to reach this request.
    @Sendable func realtimeConfig(_ call: APICall) async throws -> APIResult {
        let config = services.config
        let authority = call.host ?? "\(config.host):\(config.port)"
        var host = authority
        var port = config.port
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]"), let p = Int(authority[authority.index(after: colon)...]) {
            host = String(authority[..<colon])
            port = p
        }
        let scheme = config.realtimeScheme ?? (call.forwardedScheme == "https" ? "https" : "http")
        if call.host != nil, !authority.contains(":") || authority.hasSuffix("]") { port = scheme == "https" ? 443 : 80 }
        return APIResult(
            messageKey: "realtime_config",
            data: .object([
                ("key", .string(config.realtimeKey)), ("host", .string(config.realtimeHost ?? host)),
                ("port", .int(Int64(config.realtimePort ?? port))),
                ("scheme", .string(scheme)), ("path", .string("/app/\(config.realtimeKey)")), ("protocol", .int(7)),
                ("channel_prefix", .object([("qr_login", .string("qr-login.")), ("qr_card", .string("qr-card."))])),
                ("event", .string("status_update")),
                ("events", .object([("qr_login", .string("status_update")), ("qr_card", .string("card_identified"))])),
            ])
        )
    }

    /// `POST customers/{id}/token`: a customer token pair for the shop's own app, after the
    /// shop has authenticated its customer its own way.
    @Sendable func customerToken(_ call: APICall) async throws -> APIResult {
        let c = try await loadCustomer(call)
        let pair = try await services.customerTokens.issue(partnerID: call.partnerID, customerID: c.id)
        guard case var .object(members) = QRSessionService.tokensJSON(pair) else { throw APIError.unexpected }
        members.append(("user", Present.user(c)))
        return APIResult(status: .created, data: .object(members))
    }
}
