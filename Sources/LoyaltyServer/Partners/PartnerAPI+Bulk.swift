import Logging
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Bulk operations with per-item results: the Shop API's bulk award on a partner
/// user's token, and a customer import with opening balances.
extension PartnerAPI {
    func registerBulk(_ manager: APIRoutes) {
        manager.post("points/bulk-award", bulk: true, ShopAPI(services: services).bulkAward)
        manager.post("customers/bulk-import", bulk: true, bulkImport)
    }

    /// Up to 1,000 customers: `{customers: [{external_id?, email?, phone?, name?, points?}]}`.
    /// Each is created with a card from the default template, or found when its email or
    /// external id exists (`duplicate`, left as it is); `points` is an opening balance,
    /// posted once per customer (business key `import-opening:{id}`), so importing the
    /// same file again changes nothing. Every item succeeds or fails alone.
    @Sendable func bulkImport(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let items = f.array("customers", required: true, maxItems: 1_000)
        try f.throwIfInvalid()
        var results: [JSON] = []
        var counts = (created: 0, duplicates: 0, failed: 0)
        for (i, item) in (try f.required(items, "customers")).enumerated() {
            do {
                let (status, customer, card, points) = try await importOne(item, index: i, call: call)
                if status == "created" { counts.created += 1 } else { counts.duplicates += 1 }
                results.append(
                    .object([
                        ("index", .int(Int64(i))), ("status", .string(status)), ("customer_id", .int(customer.id)), ("card_id", .optional(card)),
                        ("opening_points", .int(points)),
                    ])
                )
            } catch {
                counts.failed += 1
                results.append(ShopAPI.bulkFailure(i, item, ErrorMapping.apiError(error, logger: .init(label: "bulk-import")), call.locale))
            }
        }
        return APIResult(
            messageKey: "import_done",
            args: ["ok": String(counts.created), "duplicates": String(counts.duplicates), "failed": String(counts.failed)],
            data: .object([
                ("total", .int(Int64(results.count))), ("created", .int(Int64(counts.created))), ("duplicates", .int(Int64(counts.duplicates))),
                ("failed", .int(Int64(counts.failed))), ("results", .array(results)),
            ])
        )
    }

    func importOne(_ item: JSON, index i: Int, call: APICall) async throws -> (String, Customer, Int64?, Int64) {
        guard case .object = item else {
            throw APIError.validation([("customers.\(i)", [Messages.text("v_object", call.locale, ["field": "customers.\(i)"])])])
        }
        var f = Fields(item, locale: call.locale)
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
            try await services.usage.admitNewCustomer(partnerID: call.partnerID)
            customer = try await services.customers.createCustomer(
                partnerID: call.partnerID,
                externalID: externalID,
                email: email,
                phone: phone,
                name: name
            ).0
        } catch LoyaltyError.duplicateCustomer {
            status = "duplicate"
            var existing: Customer?
            if let email { existing = try await services.customers.customer(partnerID: call.partnerID, email: email) }
            if existing == nil, let externalID { existing = try await services.customers.customer(partnerID: call.partnerID, externalID: externalID) }
            guard let found = existing else { throw LoyaltyError.duplicateCustomer(field: "email") }
            customer = found
        }
        let card = try await services.customers.primaryCard(partnerID: call.partnerID, customerID: customer.id)
        guard points > 0 else { return (status, customer, card?.id, 0) }
        let command = TransactionCommand(
            partnerID: call.partnerID,
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
