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
                let (status, customer, card, points) = try await CustomerImporter(services: services).importOne(
                    item,
                    field: "customers.\(i)",
                    partnerID: call.partnerID,
                    locale: call.locale
                )
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
}
