import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The POS QR flows (spec S06-S09, 4.11, 7.1): a session is opened by the till, shown
/// as a `loyaltylt://` deep link (and a nine-digit manual code), completed once by the
/// customer's app, and announced on the session's public channel, `qr-login.{id}` or
/// `qr-card.{id}`. Completion is a conditional update, so it happens once however many
/// scans race; expiry is announced by ``expireDue(now:)``.
struct QRSessionService: Sendable {
    let services: AppServices

    var sessions: any QRSessionRepository { services.qrSessions }

    static func channel(_ s: QRSession) -> String { (s.kind == .login ? "qr-login." : "qr-card.") + s.id }

    static func deepLink(_ s: QRSession) -> String {
        "loyaltylt://\(s.kind == .login ? "qr-login" : "qr-card")?code=\(s.code)&session=\(s.id)"
    }

    func open(kind: QRSessionKind, partnerID: Int64, shopID: Int64?, deviceName: String?) async throws -> QRSession {
        let now = services.clock.nowMillis()
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        let code = String((0..<32).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
        let manual = String(format: "%09d", Int.random(in: 0..<1_000_000_000, using: &rng))
        let session = QRSession(
            id: UUID().uuidString.lowercased(),
            partnerID: partnerID,
            shopID: shopID,
            kind: kind,
            code: code,
            manualCode: manual,
            deviceName: deviceName,
            status: .pending,
            customerID: nil,
            cardID: nil,
            resultJSON: nil,
            pendingTokensJSON: nil,
            createdAt: now,
            expiresAt: now + services.config.qrSessionSeconds * 1000,
            completedAt: nil
        )
        try await sessions.create(session)
        return session
    }

    /// The partner's session by id; another partner's is "not found".
    func load(id: String, partnerID: Int64, kind: QRSessionKind) async throws -> QRSession {
        guard UUID(uuidString: id) != nil, let s = try await sessions.session(id: id.lowercased()), s.partnerID == partnerID, s.kind == kind else {
            throw LoyaltyError.qrSessionNotFound
        }
        return s
    }

    /// Finds the session a customer's app names: by id, by the deep link's code, by the
    /// whole deep link, or by the manual code (dashes optional).
    func find(reference: String, kind: QRSessionKind, partnerID: Int64, now: Int64) async throws -> QRSession {
        var ref = reference.trimmingCharacters(in: .whitespaces)
        if ref.hasPrefix("loyaltylt://"), let items = URLComponents(string: ref)?.queryItems {
            ref = items.first(where: { $0.name == "code" })?.value ?? items.first(where: { $0.name == "session" })?.value ?? ref
        }
        let digits = ref.filter { $0 != "-" && $0 != " " }
        var found: QRSession?
        if UUID(uuidString: ref) != nil {
            found = try await sessions.session(id: ref.lowercased())
        } else if digits.count == 9, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) {
            found = try await sessions.session(manualCode: digits, kind: kind, now: now)
        } else if ref.count == 32 {
            found = try await sessions.session(code: ref)
        }
        guard let s = found, s.partnerID == partnerID, s.kind == kind else { throw LoyaltyError.qrSessionNotFound }
        return s
    }

    /// Refuses a session that cannot be completed: 409 once used, 410 once expired.
    static func requireOpen(_ s: QRSession, now: Int64) throws {
        switch s.effectiveStatus(at: now) {
        case .authenticated: throw LoyaltyError.qrSessionUsed
        case .expired: throw LoyaltyError.qrSessionExpired
        case .pending, .scanned: return
        }
    }

    // MARK: Card sessions

    /// The customer's app identified its card at the till: `card_data` is stored and
    /// pushed as `card_identified` (and the legacy `status_update`).
    func completeCard(_ s: QRSession, customerID: Int64, now: Int64) async throws -> QRSession {
        try Self.requireOpen(s, now: now)
        guard let customer = try await services.customers.customer(partnerID: s.partnerID, id: customerID),
            let card = try await services.customers.primaryCard(partnerID: s.partnerID, customerID: customerID),
            let template = try await services.tenants.template(partnerID: s.partnerID, id: card.templateID)
        else { throw LoyaltyError.cardNotFound }
        try card.requireUsable(at: now)
        let cardData = Present.cardData(card, template: template, customer: customer, scannedAt: now)
        guard
            let done = try await sessions.complete(
                id: s.id,
                customerID: customerID,
                cardID: card.id,
                resultJSON: cardData.serializedString(),
                pendingTokensJSON: nil,
                now: now
            )
        else {
            // Lost a race with another completion or with expiry: say which.
            let current = try await sessions.session(id: s.id) ?? s
            try Self.requireOpen(current, now: services.clock.nowMillis())
            throw LoyaltyError.qrSessionUsed
        }
        let payload = JSON.object([
            ("session_id", .string(s.id)), ("status", .string("authenticated")), ("timestamp", .string(Timestamp.iso8601(now))),
            ("card_data", cardData),
        ])
        await services.realtime.publish(channel: Self.channel(s), event: "card_identified", data: payload)
        await services.realtime.publish(channel: Self.channel(s), event: "status_update", data: payload)
        return done
    }

    /// S09's answer.
    func cardStatus(_ s: QRSession, now: Int64) -> JSON {
        var members: [(String, JSON)] = [("session_id", .string(s.id)), ("status", .string(s.effectiveStatus(at: now).rawValue))]
        if s.status == .authenticated, let result = s.resultJSON, let data = try? JSONDecoder().decode(JSON.self, from: Data(result.utf8)) {
            members.append(("card_data", data))
        }
        members.append(("expires_at", .string(Timestamp.iso8601(s.expiresAt))))
        return .object(members)
    }

    // MARK: Login sessions

    /// The app read the login code: `scanned`, announced on the channel.
    func scanLogin(_ s: QRSession, customerID: Int64, now: Int64) async throws -> QRSession {
        try Self.requireOpen(s, now: now)
        guard let scanned = try await sessions.markScanned(id: s.id, customerID: customerID, now: now) else { throw LoyaltyError.qrSessionUsed }
        await services.realtime.publish(
            channel: Self.channel(s),
            event: "status_update",
            data: .object([
                ("session_id", .string(s.id)), ("status", .string("scanned")), ("timestamp", .string(Timestamp.iso8601(now))),
            ])
        )
        return scanned
    }

    /// The customer confirmed: tokens are minted for the till, kept for its first poll and
    /// pushed on the channel with the user and card.
    func confirmLogin(_ s: QRSession, customerID: Int64, now: Int64) async throws -> QRSession {
        try Self.requireOpen(s, now: now)
        guard let customer = try await services.customers.customer(partnerID: s.partnerID, id: customerID) else {
            throw LoyaltyError.customerNotFound
        }
        let card = try await services.customers.primaryCard(partnerID: s.partnerID, customerID: customerID)
        let pair = try await services.customerTokens.issue(partnerID: s.partnerID, customerID: customerID)
        let result = JSON.object([("user", Present.user(customer)), ("loyalty_card", Self.loginCard(card))])
        let tokens = Self.tokensJSON(pair)
        guard
            let done = try await sessions.complete(
                id: s.id,
                customerID: customerID,
                cardID: card?.id,
                resultJSON: result.serializedString(),
                pendingTokensJSON: tokens.serializedString(),
                now: now
            )
        else {
            // Lost a race: withdraw only the pair minted for this session.
            try await services.customerTokens.refreshTokens.revokeFamily(of: pair.refreshToken)
            let current = try await sessions.session(id: s.id) ?? s
            try Self.requireOpen(current, now: services.clock.nowMillis())
            throw LoyaltyError.qrSessionUsed
        }
        var payload: [(String, JSON)] = [
            ("session_id", .string(s.id)), ("timestamp", .string(Timestamp.iso8601(now))), ("status", .string("authenticated")),
        ]
        if case let .object(r) = result { payload += r }
        if case let .object(t) = tokens { payload += t }
        await services.realtime.publish(channel: Self.channel(s), event: "status_update", data: .object(payload))
        return done
    }

    /// S07's answer: the tokens only on the first poll after confirmation.
    func loginStatus(_ s: QRSession, now: Int64) async throws -> JSON {
        var members: [(String, JSON)] = [
            ("session_id", .string(s.id)), ("status", .string(s.effectiveStatus(at: now).rawValue)),
            ("expires_at", .string(Timestamp.iso8601(s.expiresAt))),
        ]
        if s.status == .authenticated {
            if let result = s.resultJSON, case let .object(r)? = try? JSONDecoder().decode(JSON.self, from: Data(result.utf8)) { members += r }
            if let tokens = try await sessions.takePendingTokens(id: s.id),
                case let .object(t)? = try? JSONDecoder().decode(JSON.self, from: Data(tokens.utf8))
            {
                members += t
            } else {
                members.append(("tokens_delivered", .bool(true)))
            }
        }
        return .object(members)
    }

    static func loginCard(_ card: LoyaltyCard?) -> JSON {
        card.map {
            .object([("id", .int($0.id)), ("card_number", .string($0.cardNumber)), ("points", .int($0.balance)), ("partner_id", .int($0.partnerID))])
        } ?? .null
    }

    static func tokensJSON(_ pair: CustomerTokens.Pair) -> JSON {
        .object([
            ("token", .string(pair.token)), ("refresh_token", .string(pair.refreshToken)), ("token_type", .string("Bearer")),
            ("expires_in", .int(pair.expiresIn)),
        ])
    }
}

extension QRSessionService {
    /// Announces `status: expired` on the channel of each session that just passed its
    /// expiry, and forgets sessions a day after they expired.
    func expireDue(now: Int64) async throws -> Int {
        let expired = try await sessions.expireDue(now: now, limit: 500)
        for s in expired {
            await services.realtime.publish(
                channel: Self.channel(s),
                event: "status_update",
                data: .object([
                    ("session_id", .string(s.id)), ("status", .string("expired")), ("timestamp", .string(Timestamp.iso8601(now))),
                ])
            )
        }
        _ = try await sessions.prune(before: now - 86_400_000, limit: 1_000)
        return expired.count
    }
}
