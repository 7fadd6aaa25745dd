import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// How a request names a customer: our id, the shop's external id, or an email.
enum CustomerSelector: Sendable {
    case id(Int64)
    case email(String)
    /// Resolved by a look-up; `field` is what the request called it (for a 404's details).
    case externalID(String, field: String)

    /// Reads `idField` (our id; a non-numeric value is taken as the external id),
    /// `externalField` or `emailField`, recording a problem when none is usable.
    static func read(
        _ f: inout Fields,
        idField: String = "customer_id",
        externalField: String = "external_id",
        emailField: String = "email"
    ) -> CustomerSelector? {
        var id: Int64?
        var external = f.string(externalField, maxLength: 191)
        if case let .string(s)? = f.values[idField], Int64(s) == nil, !s.isEmpty {
            external = external ?? f.string(idField, maxLength: 191)
        } else {
            id = f.int(idField, min: 1, max: Int64.max)
        }
        let email = f.email(emailField)
        if id == nil && external == nil && email == nil && !f.errors.contains(where: { $0.0 == idField }) {
            f.fail(idField, "one_of_required", ["fields": "\(idField), \(externalField), \(emailField)"])
        }
        if let id { return .id(id) }
        if let email { return .email(email) }
        return external.map { .externalID($0, field: idField) }
    }
}

extension ShopAPI {
    /// The ledger's reference to the selected customer; an unknown external id is 404.
    func resolve(_ selector: CustomerSelector, call: APICall) async throws -> TransactionCommand.CustomerRef {
        switch selector {
        case let .id(id): return .id(id)
        case let .email(email): return .email(email)
        case let .externalID(external, field):
            guard let c = try await customers.customer(partnerID: call.partnerID, externalID: external) else {
                throw APIError.notFound(
                    "customer_not_found",
                    code: 1201,
                    stringCode: .customerNotFound,
                    args: ["id": external],
                    details: [(field, .string(external)), ("shop_id", .optional(call.principal.shopID))]
                )
            }
            return .id(c.id)
        }
    }
}
