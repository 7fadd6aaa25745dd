import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import QRCode

/// Digital cards for integrators: scan a QR payload, issue, block and unblock, expiry,
/// dynamic card tokens and QR images.
extension ShopAPI {
    func registerCards(_ routes: APIRoutes) {
        routes.post("loyalty-cards/scan", scanCard)
        routes.post("cards", issueCard)
        routes.get("cards/:id", card)
        routes.put("cards/:id", updateCard)
        routes.post("cards/:id/block", blockCard)
        routes.post("cards/:id/unblock", unblockCard)
        routes.get("cards/:id/qr-token", cardToken)
        routes.get("cards/:id/qr", cardQR)
        routes.get("customers/:id/cards", customerCards)
    }

    var cards: any CardRepository { services.cards }

    func loadCard(_ call: APICall) async throws -> LoyaltyCard {
        guard let id = call.parameters["id"].flatMap(Int64.init), let card = try await customers.card(partnerID: call.partnerID, id: id) else {
            throw LoyaltyError.cardNotFound
        }
        return card
    }

    /// `POST loyalty-cards/scan` `{qr_data}` (the seed FAQ's `loyaltyCards.scan(qrData)`):
    /// a dynamic card token, the card's static QR UUID, its number, or `loyalty:card:{number}`.
    @Sendable func scanCard(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let field = ["qr_data", "qr_code", "data"].first(where: { f.has($0) }) ?? "qr_data"
        let payload = f.string(field, required: true, maxLength: 512)
        try f.throwIfInvalid()
        let now = services.clock.nowMillis()
        let card: LoyaltyCard
        var token: JSON = .null
        switch try await services.cardTokens.read(try f.required(payload, field), now: now) {
        case let .token(claims):
            // Another partner's token opens (one key ring per server) but names no card of this partner.
            guard claims.partnerID == call.partnerID, let found = try await customers.card(partnerID: call.partnerID, id: claims.cardID) else {
                throw LoyaltyError.cardNotFound
            }
            card = found
            token = .object([
                ("issued_at", Present.time(Int64(claims.issuedAt) * 1000)), ("expires_at", Present.time(Int64(claims.expiresAt) * 1000)),
            ])
        case let .staticCode(code):
            guard let found = try await customers.card(partnerID: call.partnerID, numberOrQR: code) else { throw LoyaltyError.cardNotFound }
            card = found
        }
        guard let customer = try await customers.customer(partnerID: call.partnerID, id: card.customerID) else { throw LoyaltyError.cardNotFound }
        return APIResult(
            data: .object([
                ("customer", Present.customer(customer, card: card)), ("card", Present.card(card, now: now)), ("balance", Present.balance(card)),
                ("source", .string(token == .null ? "static" : "token")), ("token", token),
            ])
        )
    }

    @Sendable func issueCard(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let customerField = f.has("user_id") ? "user_id" : "customer_id"
        let customerID = f.int(customerField, required: true, min: 1, max: Int64.max)
        let templateID = f.int("template_id", min: 1, max: Int64.max)
        try f.throwIfInvalid()
        let card = try await cards.issue(partnerID: call.partnerID, customerID: try f.required(customerID, customerField), templateID: templateID)
        return APIResult(status: .created, messageKey: "card_issued", data: Present.card(card, now: services.clock.nowMillis()))
    }

    @Sendable func card(_ call: APICall) async throws -> APIResult {
        APIResult(data: Present.card(try await loadCard(call), now: services.clock.nowMillis()))
    }

    /// `PUT cards/{id}` `{expires_at}`: an ISO 8601 time or date, or `null` for never.
    @Sendable func updateCard(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        // `null` is a value here (never expires); only an absent field is missing.
        if f.values["expires_at"] == nil { f.fail("expires_at", "v_required") }
        let expiresAt = f.dateTime("expires_at")
        try f.throwIfInvalid()
        let card = try await loadCard(call)
        return APIResult(
            data: Present.card(
                try await cards.setExpiry(partnerID: call.partnerID, cardID: card.id, expiresAt: expiresAt),
                now: services.clock.nowMillis()
            )
        )
    }

    @Sendable func blockCard(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let reason = f.string("reason", maxLength: 255)
        try f.throwIfInvalid()
        let card = try await loadCard(call)
        let updated = try await cards.setBlocked(partnerID: call.partnerID, cardID: card.id, blocked: true, reason: reason)
        return APIResult(messageKey: "card_blocked_done", data: Present.card(updated, now: services.clock.nowMillis()))
    }

    @Sendable func unblockCard(_ call: APICall) async throws -> APIResult {
        let card = try await loadCard(call)
        let updated = try await cards.setBlocked(partnerID: call.partnerID, cardID: card.id, blocked: false, reason: nil)
        return APIResult(messageKey: "card_unblocked", data: Present.card(updated, now: services.clock.nowMillis()))
    }

    @Sendable func customerCards(_ call: APICall) async throws -> APIResult {
        let customer = try await loadCustomer(call)
        let now = services.clock.nowMillis()
        return APIResult(data: .array(try await cards.cards(partnerID: call.partnerID, customerID: customer.id).map { Present.card($0, now: now) }))
    }

    /// `GET cards/{id}/qr-token?ttl_seconds=`: a fresh dynamic token for the card's QR.
    @Sendable func cardToken(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let ttl = f.int("ttl_seconds", min: 30, max: 30 * 86_400)
        try f.throwIfInvalid()
        let card = try await loadCard(call)
        return APIResult(data: try await tokenJSON(card, ttl: ttl, call: call))
    }

    func tokenJSON(_ card: LoyaltyCard, ttl: Int64?, call: APICall) async throws -> JSON {
        let now = services.clock.nowMillis()
        try card.requireUsable(at: now)
        let (token, claims) = try await services.cardTokens.issue(card: card, ttlSeconds: ttl, now: now)
        return .object([
            ("token", .string(token)), ("loyalty_card_id", .int(card.id)), ("card_number", .string(card.cardNumber)),
            ("issued_at", Present.time(Int64(claims.issuedAt) * 1000)), ("expires_at", Present.time(Int64(claims.expiresAt) * 1000)),
            ("qr_image_url", .string(QRImage.url(base: QRImage.baseURL(call), data: token))),
        ])
    }

    /// `GET cards/{id}/qr?format=png|svg&size=&ec=&static=`: the card's QR image, with a
    /// fresh token (or, with `static=true`, the card's static QR UUID).
    @Sendable func cardQR(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let options = QRImage.options(&f)
        let isStatic = f.bool("static") ?? false
        let ttl = f.int("ttl_seconds", min: 30, max: 30 * 86_400)
        try f.throwIfInvalid()
        let card = try await loadCard(call)
        let data: String
        if isStatic {
            data = card.qrCode
        } else {
            try card.requireUsable(at: services.clock.nowMillis())
            data = try await services.cardTokens.issue(card: card, ttlSeconds: ttl, now: services.clock.nowMillis()).token
        }
        var result = try QRImage.render(data, options: try f.required(options, "size"), locale: call.locale)
        result.raw?.headers[.cacheControl] = "no-store"
        return result
    }
}
