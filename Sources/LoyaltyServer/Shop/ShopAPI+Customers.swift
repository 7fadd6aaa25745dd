import Foundation
import HTTPTypes
import Logging
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The seed FAQ's operations as first-class endpoints: customers, points award and
/// deduct (refunds by refund id, proportional partial refunds), and bulk award.
extension ShopAPI {
    /// `customer_id` (our id; a non-numeric value is taken as the external id),
    /// `external_id` or `email` (other field names for the second party of a transfer).
    func customerRef(_ f: inout Fields, call: APICall, idField: String = "customer_id", externalField: String = "external_id", emailField: String = "email") async throws -> TransactionCommand.CustomerRef? {
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
        try f.throwIfInvalid()
        if let id { return .id(id) }
        if let email { return .email(email) }
        guard let c = try await customers.customer(partnerID: call.partnerID, externalID: external!) else {
            throw APIError.notFound("customer_not_found", code: 1201, stringCode: "CUSTOMER_NOT_FOUND", args: ["id": external!], details: [(idField, .string(external!)), ("shop_id", .optional(call.principal.shopID))])
        }
        return .id(c.id)
    }

    @Sendable func createCustomer(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let external = f.string("external_id", maxLength: 191)
        let email = f.email("email")
        let phone = f.string("phone", maxLength: 32)
        let name = f.string("name", maxLength: 255)
        if external == nil && email == nil && phone == nil && !f.errors.contains(where: { ["external_id", "email", "phone"].contains($0.0) }) {
            f.fail("email", "one_of_required", ["fields": "external_id, email, phone"])
        }
        try f.throwIfInvalid()
        let (customer, card) = try await customers.createCustomer(partnerID: call.partnerID, externalID: external, email: email, phone: phone, name: name)
        return APIResult(status: .created, messageKey: "customer_created", data: Present.customer(customer, card: card))
    }

    func loadCustomer(_ call: APICall) async throws -> Customer {
        let raw = call.parameters["id"] ?? ""
        guard let id = Int64(raw), let c = try await customers.customer(partnerID: call.partnerID, id: id) else {
            throw APIError.notFound("customer_not_found", code: 1201, stringCode: "CUSTOMER_NOT_FOUND", args: ["id": String(raw.prefix(64))], details: [("customer_id", .string(String(raw.prefix(64)))), ("shop_id", .optional(call.principal.shopID))])
        }
        return c
    }

    @Sendable func customer(_ call: APICall) async throws -> APIResult {
        let c = try await loadCustomer(call)
        let card = try await customers.primaryCard(partnerID: call.partnerID, customerID: c.id)
        guard case var .object(members) = Present.customer(c, card: card) else { throw LoyaltyError.customerNotFound }
        // One customer: worth the programme read for the tier and its progress.
        if let card {
            members += [("pending_points", .int(card.pending)), ("expiring_soon", Present.expiring(card)), ("tier", try await tier(card, call))]
        } else {
            members += [("pending_points", .int(0)), ("expiring_soon", .null), ("tier", .null)]
        }
        return APIResult(data: .object(members))
    }

    @Sendable func lookupCustomers(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        let email = f.email("email")
        let external = f.string("external_id", maxLength: 191)
        try f.throwIfInvalid()
        let result = try await customers.customers(partnerID: call.partnerID, email: email, externalID: external, page: page)
        let cards = try await customers.primaryCards(partnerID: call.partnerID, customerIDs: result.items.map(\.id))
        return APIResult(data: .array(result.items.map { Present.customer($0, card: cards[$0.id]) }), meta: Envelope.meta(result))
    }

    @Sendable func customerBalance(_ call: APICall) async throws -> APIResult {
        let c = try await loadCustomer(call)
        let card = try await customers.primaryCard(partnerID: call.partnerID, customerID: c.id)
        return APIResult(data: try await customerPoints(c, card: card, call: call))
    }

    // MARK: Points award / deduct / bulk

    func awardCommand(_ fields: Fields, call: APICall) async throws -> TransactionCommand {
        var f = fields
        let points = f.int("points", required: true, min: 1, max: 1_000_000_000)
        let reason = f.string("reason", maxLength: 191) ?? "bonus"
        let orderID = f.string("order_id", maxLength: 191)
        let shopID = f.int("shop_id", min: 1, max: Int64.max)
        let description = f.string("description", maxLength: 1000)
        let ref = try await customerRef(&f, call: call)
        // Without an order id only Idempotency-Key protects against a retry: a fresh key per call.
        return TransactionCommand(partnerID: call.partnerID, shopID: shopID ?? call.principal.shopID, customer: ref!, orderID: orderID ?? "award-\(UUID().uuidString.lowercased())", type: reason == "purchase" ? .purchase : .bonus, points: points, description: description, reason: reason)
    }

    @Sendable func awardPoints(_ call: APICall) async throws -> APIResult {
        let outcome = try await ledger.post(try await awardCommand(call.fields, call: call))
        return APIResult(status: .created, messageKey: "points_awarded", data: Present.outcome(outcome))
    }

    @Sendable func deductPoints(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let orderID = f.string("order_id", required: true, maxLength: 191)
        let refundID = f.string("refund_id", required: true, maxLength: 191)
        let points = f.int("points", min: 1, max: 1_000_000_000)
        let refundAmount = f.money("refund_amount")
        let reason = f.string("reason", maxLength: 191) ?? "refund"
        let ref = try await customerRef(&f, call: call)
        let command = TransactionCommand(partnerID: call.partnerID, shopID: call.principal.shopID, customer: ref!, orderID: orderID!, type: .refund, orderTotalMinor: refundAmount, points: points, reason: reason, refundID: refundID)
        let outcome = try await ledger.post(command)
        return APIResult(messageKey: "points_deducted", data: Present.outcome(outcome))
    }

    @Sendable func bulkAward(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let key = f.has("awards") ? "awards" : "items"
        let items = f.array(key, required: true, maxItems: 10_000)
        try f.throwIfInvalid()
        var results = [JSON?](repeating: nil, count: items!.count)
        var commands: [(Int, TransactionCommand)] = []
        for (i, item) in items!.enumerated() {
            do {
                guard case .object = item else { throw APIError.validation([("\(key).\(i)", [Messages.text("v_object", call.locale, ["field": "\(key).\(i)"])])]) }
                commands.append((i, try await awardCommand(Fields(item, locale: call.locale), call: call)))
            } catch {
                let e = ErrorMapping.apiError(error, logger: .init(label: "bulk"))
                results[i] = Self.bulkFailure(i, item, e, call.locale)
            }
        }
        let outcomes = try await ledger.postEach(commands.map(\.1))
        var awarded = 0, duplicates = 0
        for ((i, command), outcome) in zip(commands, outcomes) {
            switch outcome {
            case let .success(o):
                awarded += 1
                results[i] = .object([("index", .int(Int64(i))), ("status", .string("awarded")), ("order_id", .string(command.orderID)), ("customer_id", .int(o.customer.id)), ("transaction_id", .int(o.transaction.id)), ("points", .int(o.transaction.pointsAwarded)), ("points_balance", .int(o.card.balance))])
            case let .failure(error):
                if case .duplicateTransaction = error { duplicates += 1 }
                var r = Self.bulkFailure(i, items![i], ErrorMapping.map(error), call.locale)
                if case let .duplicateTransaction(id) = error, case let .object(m) = r {
                    r = .object(m.map { $0.0 == "status" ? ("status", .string("duplicate")) : $0 } + [("transaction_id", .int(id))])
                }
                results[i] = r
            }
        }
        let failed = items!.count - awarded - duplicates
        return APIResult(messageKey: "bulk_done", args: ["ok": String(awarded), "failed": String(failed + duplicates)], data: .object([
            ("total", .int(Int64(items!.count))), ("awarded", .int(Int64(awarded))), ("duplicates", .int(Int64(duplicates))), ("failed", .int(Int64(failed))),
            ("results", .array(results.map { $0 ?? .null })),
        ]))
    }

    static func bulkFailure(_ i: Int, _ item: JSON, _ e: APIError, _ locale: APILocale) -> JSON {
        var error: [(String, JSON)] = [("code", .string(e.stringCode)), ("status", .int(Int64(e.status.code))), ("message", .string(e.message(locale)))]
        if !e.fieldErrors.isEmpty { error.append(("errors", .object(e.fieldErrors.map { ($0.0, .array($0.1.map(JSON.string))) }))) }
        return .object([("index", .int(Int64(i))), ("status", .string("failed")), ("order_id", item["order_id"] ?? .null), ("error", .object(error))])
    }
}
