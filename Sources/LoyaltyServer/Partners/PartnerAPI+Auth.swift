import Foundation
import HTTPTypes
import HummingbirdOTP
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// P01 and the account routes: sign-in with email, password and an optional TOTP
/// code; refresh-token rotation; sign-out; password change; the second factor.
extension PartnerAPI {
    func registerAuth(open: APIRoutes, signedIn: APIRoutes) {
        open.post("auth/login", login)
        open.post("auth/refresh", refresh)
        signedIn.get("auth/me", me)
        signedIn.post("auth/logout", logout)
        signedIn.post("auth/password", changePassword)
        signedIn.post("auth/totp/setup", totpSetup)
        signedIn.post("auth/totp/enable", totpEnable)
        signedIn.post("auth/totp/disable", totpDisable)
    }

    var backoff: LoginBackoff {
        LoginBackoff(
            threshold: services.config.loginLockThreshold,
            baseSeconds: services.config.loginLockSeconds,
            maxSeconds: services.config.loginLockMaxSeconds
        )
    }

    static let loginFailed = APIError.unauthorized("login_failed", code: 1104)

    static func locked(until: Int64, now: Int64) -> APIError {
        let seconds = max(1, (until - now + 999) / 1000)
        var e = APIError(
            status: .tooManyRequests,
            code: 1105,
            stringCode: .accountLocked,
            messageKey: "account_locked",
            args: ["seconds": String(seconds)],
            details: [("retry_after", .int(seconds))]
        )
        e.headers[.retryAfter] = String(seconds)
        return e
    }

    @Sendable func login(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let email = f.email("email", required: true)
        let password = f.password("password")
        let code = f.string("totp_code", maxLength: 10)
        _ = f.bool("remember")
        try f.throwIfInvalid()
        let (address, secret) = (try f.required(email, "email"), try f.required(password, "password"))
        let (account, step) = try await authenticate(email: address, password: secret, totp: code, requestID: call.requestID)
        let actor = Principal.partnerUser(account.user, environment: services.config.environment)
        let partner = try await activePartner(of: account.user)
        try await users.recordSuccess(id: account.user.id, totpStep: step)
        let pair = try await services.partnerTokens.issue(account)
        try await Audit.append(
            services,
            principal: actor,
            action: "auth.login",
            target: "/partners/users/\(account.user.id)",
            status: 200,
            requestID: call.requestID
        )
        return APIResult(messageKey: "login_ok", data: try await session(pair, user: account.user, partner: partner))
    }

    /// Checks a sign-in: an active user, not locked, the password, and the TOTP code when
    /// enabled; a failure is counted (lock-out), audited and thrown as the answer. Returns
    /// the account and the accepted TOTP step (for ``PartnerUserRepository/recordSuccess(id:totpStep:)``).
    func authenticate(
        email address: String,
        password secret: String,
        totp code: String?,
        requestID: String
    ) async throws -> (
        PartnerUserCredentials, Int64?
    ) {
        let now = services.clock.nowMillis()
        guard let account = try await users.credentials(email: address), account.user.isActive else {
            // As slow as a real check, so a miss does not tell which emails exist.
            try await services.passwords.verifyDecoy(secret)
            throw Self.loginFailed
        }
        if account.lockedUntil > now { throw Self.locked(until: account.lockedUntil, now: now) }
        let actor = Principal.partnerUser(account.user, environment: services.config.environment)
        guard try await services.passwords.verify(secret, hash: account.passwordHash) else {
            try await failed(account, actor: actor, requestID: requestID, reason: "password")
        }
        var step: Int64?
        if account.user.totpEnabled {
            guard let code else {
                throw APIError(
                    status: .unauthorized,
                    code: 1106,
                    stringCode: .totpRequired,
                    messageKey: "totp_required",
                    details: [("totp_required", .bool(true))]
                )
            }
            guard let accepted = Self.totpStep(code, secret: account.totpSecret, after: account.totpLastStep, now: now) else {
                try await failed(account, actor: actor, requestID: requestID, reason: "totp")
            }
            step = accepted
        }
        return (account, step)
    }

    /// Counts the failure (locking per ``backoff``), audits it, and throws the answer.
    private func failed(_ account: PartnerUserCredentials, actor: Principal, requestID: String, reason: String) async throws -> Never {
        let until = try await users.recordFailure(id: account.user.id, backoff: backoff)
        try await Audit.append(
            services,
            principal: actor,
            action: "auth.login_failed",
            target: "/partners/users/\(account.user.id)",
            status: until > 0 ? 429 : 401,
            requestID: requestID,
            details: reason
        )
        if until > 0 { throw Self.locked(until: until, now: services.clock.nowMillis()) }
        if reason == "totp" { throw APIError.unauthorized("totp_invalid", code: 1107, stringCode: .totpInvalid) }
        throw Self.loginFailed
    }

    /// The TOTP time step `code` is valid for (now, or one step either side for clock
    /// drift), if it is later than `after` (a code is good once); `nil` otherwise.
    static func totpStep(_ code: String, secret: String?, after: Int64, now: Int64) -> Int64? {
        guard let secret, code.count == 6, let value = Int(code) else { return nil }
        let totp = TOTP(secret: secret)
        let current = now / 30_000
        for step in [current - 1, current, current + 1] where step > after {
            if totp.compute(date: Date(timeIntervalSince1970: TimeInterval(step * 30))) == value { return step }
        }
        return nil
    }

    /// The user's partner (`nil` for an operator); 403 when it is deactivated.
    func activePartner(of user: PartnerUser) async throws -> Partner? {
        guard let partnerID = user.partnerID else { return nil }
        guard let partner = try await tenants.partner(id: partnerID), partner.isActive else { throw APIError.partnerInactive }
        return partner
    }

    func session(_ pair: PartnerTokens.Pair, user: PartnerUser, partner: Partner?) async throws -> JSON {
        var partnerJSON = JSON.null
        if let partner {
            let shops = try await tenants.shops(partnerID: partner.id, filter: ShopFilter(isActive: nil), page: PageRequest(page: 1, perPage: 1))
                .total
            partnerJSON = .object([
                ("id", .int(partner.id)), ("name", .string(partner.name)), ("email", .optional(partner.contactEmail)), ("tier", .null),
                ("shops_count", .int(Int64(shops))),
            ])
        }
        return .object([
            ("access_token", .string(pair.accessToken)), ("refresh_token", .string(pair.refreshToken)), ("token_type", .string("Bearer")),
            ("expires_in", .int(pair.expiresIn)), ("partner", partnerJSON), ("user", Self.present(user)),
        ])
    }

    static func present(_ u: PartnerUser) -> JSON {
        .object([
            ("id", .int(u.id)), ("partner_id", .optional(u.partnerID)), ("email", .string(u.email)), ("name", .string(u.name)),
            ("role", .string(u.isOperator ? "operator" : u.role.rawValue)), ("is_active", .bool(u.isActive)),
            ("totp_enabled", .bool(u.totpEnabled)), ("last_login_at", Present.time(u.lastLoginAt)), ("created_at", Present.time(u.createdAt)),
            ("updated_at", Present.time(u.updatedAt)),
        ])
    }

    @Sendable func refresh(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let token = f.string("refresh_token", required: true, maxLength: 512)
        try f.throwIfInvalid()
        let (account, pair) = try await services.partnerTokens.refresh(try f.required(token, "refresh_token"))
        return APIResult(data: try await session(pair, user: account.user, partner: try await activePartner(of: account.user)))
    }

    @Sendable func me(_ call: APICall) async throws -> APIResult {
        let u = try user(call)
        var partner = JSON.null
        if let id = u.partnerID, let p = try await tenants.partner(id: id) { partner = PartnerAPI.present(p) }
        guard case var .object(members) = Self.present(u) else { return APIResult(data: .null) }
        members.append(("partner", partner))
        return APIResult(data: .object(members))
    }

    /// Ends every session of the user: refresh tokens revoked, access tokens void.
    @Sendable func logout(_ call: APICall) async throws -> APIResult {
        let u = try user(call)
        try await services.partnerTokens.refreshTokens.revokeAll(partnerID: u.partnerID ?? 0, subjectID: u.id)
        try await users.endSessions(id: u.id)
        return APIResult(messageKey: "logged_out", data: .object([("signed_out", .bool(true))]))
    }

    @Sendable func changePassword(_ call: APICall) async throws -> APIResult {
        let u = try user(call)
        var f = call.fields
        let current = f.password("current_password")
        let next = f.newPassword("new_password")
        try f.throwIfInvalid()
        try await requirePassword(u, try f.required(current, "current_password"), field: "current_password", call)
        try await users.setPassword(id: u.id, hash: try await services.passwords.hash(try f.required(next, "new_password")))
        try await services.partnerTokens.refreshTokens.revokeAll(partnerID: u.partnerID ?? 0, subjectID: u.id)
        return APIResult(messageKey: "password_changed", data: .object([("signed_out", .bool(true))]))
    }

    /// Throws a 422 on `field` unless `password` is the user's.
    func requirePassword(_ u: PartnerUser, _ password: String, field: String, _ call: APICall) async throws {
        guard let account = try await users.credentials(id: u.id), try await services.passwords.verify(password, hash: account.passwordHash) else {
            throw APIError.validation([(field, [Messages.text("password_wrong", call.locale)])])
        }
    }

    /// Starts (or restarts) the set-up: a new secret, not yet required at sign-in.
    @Sendable func totpSetup(_ call: APICall) async throws -> APIResult {
        let u = try user(call)
        var f = call.fields
        let password = f.password("password")
        try f.throwIfInvalid()
        try await requirePassword(u, try f.required(password, "password"), field: "password", call)
        if u.totpEnabled { throw APIError.conflict("totp_enabled", code: 1114, stringCode: .invalidState) }
        let secret = Hex.random(bytes: 16)
        try await users.setTOTP(id: u.id, secret: secret, enabled: false, step: 0)
        let totp = TOTP(secret: secret)
        let base32 = Self.base32(Array(secret.utf8))
        return APIResult(
            data: .object([
                ("secret", .string(base32)), ("otpauth_url", .string(totp.createAuthenticatorURL(label: u.email, issuer: "Loyalty"))),
                ("digits", .int(6)), ("period", .int(30)), ("algorithm", .string("SHA1")),
            ])
        )
    }

    @Sendable func totpEnable(_ call: APICall) async throws -> APIResult {
        let u = try user(call)
        var f = call.fields
        let code = f.string("code", required: true, maxLength: 10)
        try f.throwIfInvalid()
        guard let account = try await users.credentials(id: u.id), let secret = account.totpSecret else {
            throw APIError.conflict("totp_not_started", code: 1114, stringCode: .invalidState)
        }
        if account.user.totpEnabled { throw APIError.conflict("totp_enabled", code: 1114, stringCode: .invalidState) }
        guard let step = Self.totpStep(try f.required(code, "code"), secret: secret, after: account.totpLastStep, now: services.clock.nowMillis())
        else { throw APIError.unauthorized("totp_invalid", code: 1107, stringCode: .totpInvalid) }
        try await users.setTOTP(id: u.id, secret: secret, enabled: true, step: step)
        return APIResult(messageKey: "totp_enabled", data: .object([("totp_enabled", .bool(true))]))
    }

    @Sendable func totpDisable(_ call: APICall) async throws -> APIResult {
        let u = try user(call)
        var f = call.fields
        let password = f.password("password")
        let code = f.string("code", required: true, maxLength: 10)
        try f.throwIfInvalid()
        try await requirePassword(u, try f.required(password, "password"), field: "password", call)
        guard let account = try await users.credentials(id: u.id), account.user.totpEnabled,
            Self.totpStep(try f.required(code, "code"), secret: account.totpSecret, after: account.totpLastStep, now: services.clock.nowMillis())
                != nil
        else { throw APIError.unauthorized("totp_invalid", code: 1107, stringCode: .totpInvalid) }
        try await users.setTOTP(id: u.id, secret: nil, enabled: false, step: 0)
        return APIResult(messageKey: "totp_disabled", data: .object([("totp_enabled", .bool(false))]))
    }

    /// RFC 4648 base32 without padding, as authenticator apps take a secret typed in.
    static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = ""
        var buffer: UInt32 = 0
        var bits = 0
        for b in bytes {
            buffer = (buffer << 8) | UInt32(b)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return out
    }
}
