import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Why ``AppServices/createPartnerUser(partnerID:email:name:password:role:isOperator:)`` refused.
public enum PartnerAccountError: Error, CustomStringConvertible {
    case weakPassword(String)
    case emailTaken(String)
    case noSuchPartner(Int64)
    case invalidEmail(String)

    public var description: String {
        switch self {
        case let .weakPassword(why): "password refused: \(Messages.text(why, .en, ["field": "password"]))"
        case let .emailTaken(email): "a user with email \(email) exists"
        case let .noSuchPartner(id): "no partner with id \(id)"
        case let .invalidEmail(email): "not an email address: \(email)"
        }
    }
}

extension AppServices {
    /// Creates a partner user (or, with `isOperator`, a platform operator without a
    /// partner) with a bcrypt hash of `password`: the CLI's `partner create-user`.
    public func createPartnerUser(
        partnerID: Int64?,
        email: String,
        name: String,
        password: String,
        role: PartnerRole,
        isOperator: Bool
    ) async throws -> PartnerUser {
        if let problem = PasswordHasher.problem(password) { throw PartnerAccountError.weakPassword(problem) }
        let parts = email.split(separator: "@")
        guard parts.count == 2, parts[1].contains("."), !email.contains(" ") else { throw PartnerAccountError.invalidEmail(email) }
        if let partnerID, try await tenants.partner(id: partnerID) == nil { throw PartnerAccountError.noSuchPartner(partnerID) }
        let hash = try await passwords.hash(password)
        guard
            let user = try await partnerUsers.create(
                partnerID: isOperator ? nil : partnerID,
                email: email,
                name: name,
                passwordHash: hash,
                role: role,
                isOperator: isOperator
            )
        else { throw PartnerAccountError.emailTaken(email) }
        return user
    }
}
