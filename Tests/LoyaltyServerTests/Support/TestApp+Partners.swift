import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import Testing

/// Partner users for the Partner API tests: created the way the CLI creates them,
/// signed in through the real `auth/login`.
extension TestApp {
    static let partnerPassword = "correct-horse-battery"

    /// Creates a user of this app's partner (or an operator) and returns it.
    @discardableResult
    func partnerUser(_ email: String, role: PartnerRole = .owner, isOperator: Bool = false, partnerID: Int64? = nil) async throws -> PartnerUser {
        try await services.createPartnerUser(
            partnerID: isOperator ? nil : (partnerID ?? self.partnerID),
            email: email,
            name: email,
            password: Self.partnerPassword,
            role: role,
            isOperator: isOperator
        )
    }

    /// Signs in and returns the reply (tokens in `data`).
    func login(_ email: String, password: String = TestApp.partnerPassword, totp: String? = nil) async throws -> Reply {
        var body: [(String, JSON)] = [("email", .string(email)), ("password", .string(password))]
        if let totp { body.append(("totp_code", .string(totp))) }
        return try await call(.post, "/en/partners/auth/login", json: JSON.object(body).serializedString(), auth: false)
    }

    /// A user of `role` signed in: their access token.
    func partnerToken(_ email: String, role: PartnerRole = .owner, isOperator: Bool = false) async throws -> String {
        try await partnerUser(email, role: role, isOperator: isOperator)
        let r = try await login(email)
        return try #require(r.string("data", "access_token"), "login failed: \(r.json.serializedString())")
    }

    /// A request with a partner token instead of the shop's credentials.
    @discardableResult
    func asUser(_ token: String, _ method: HTTPRequest.Method, _ path: String, json: String? = nil) async throws -> Reply {
        try await call(method, path, json: json, headers: .of(["Authorization": "Bearer \(token)"]), auth: false)
    }
}
