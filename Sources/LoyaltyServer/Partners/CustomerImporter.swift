import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// One customer of an import (the bulk import's items, an import job's CSV rows):
/// created with a card from the default template, or found when its email or external
/// id exists (`duplicate`, left as it is); `points` is an opening balance posted as one
/// lot under the programme's rules (business key `import-opening:{id}`), so importing
/// the same data again changes nothing.
struct CustomerImporter {
    let services: AppServices

    /// Creates (or finds) one customer from `item` and posts its opening balance once.
    /// Returns `(created|duplicate, customer, card id, points posted)`; a bad item throws
    /// the validation error naming `field`.
    func importOne(_ item: JSON, field: String, partnerID: Int64, locale: APILocale) async throws -> (String, Customer, Int64?, Int64) {
        guard case .object = item else {
            throw APIError.validation([(field, [Messages.text("v_object", locale, ["field": field])])])
        }
        var f = Fields(item, locale: locale)
        let externalID = f.string("external_id", maxLength: 191)
        let email = f.email("email")
        let phone = f.string("phone", maxLength: 32)
        let name = f.string("name", maxLength: 255)
        let points = f.int("points", min: 0, max: 1_000_000_000) ?? 0
        if externalID == nil && email == nil && phone == nil && f.errors.isEmpty {
            f.fail("email", "one_of_required", ["fields": "email, phone, external_id"])
        }
        try f.throwIfInvalid()
        var status = "created"
        var customer: Customer
        do {
            try await services.usage.admitNewCustomer(partnerID: partnerID)
            customer = try await services.customers.createCustomer(
                partnerID: partnerID,
                externalID: externalID,
                email: email,
                phone: phone,
                name: name
            ).0
        } catch LoyaltyError.duplicateCustomer {
            status = "duplicate"
            var existing: Customer?
            if let email { existing = try await services.customers.customer(partnerID: partnerID, email: email) }
            if existing == nil, let externalID { existing = try await services.customers.customer(partnerID: partnerID, externalID: externalID) }
            guard let found = existing else { throw LoyaltyError.duplicateCustomer(field: "email") }
            customer = found
        }
        let card = try await services.customers.primaryCard(partnerID: partnerID, customerID: customer.id)
        guard points > 0 else { return (status, customer, card?.id, 0) }
        let command = TransactionCommand(
            partnerID: partnerID,
            shopID: nil,
            customer: .id(customer.id),
            orderID: "import-opening:\(customer.id)",
            type: .bonus,
            points: points,
            description: "Opening balance (import)",
            reason: "import"
        )
        do {
            let outcome = try await services.ledger.post(command)
            return (status, customer, outcome.card.id, points)
        } catch LoyaltyError.duplicateTransaction {
            return (status, customer, card?.id, 0)
        }
    }
}
