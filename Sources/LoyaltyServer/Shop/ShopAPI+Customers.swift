import Foundation
import HTTPTypes
import Logging
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The seed FAQ's customers as first-class endpoints: create, look up, read, balance.
extension ShopAPI {
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
        try await services.usage.admitNewCustomer(partnerID: call.partnerID)
        let (customer, card) = try await customers.createCustomer(
            partnerID: call.partnerID,
            externalID: external,
            email: email,
            phone: phone,
            name: name
        )
        return APIResult(status: .created, messageKey: "customer_created", data: Present.customer(customer, card: card))
    }

    func loadCustomer(_ call: APICall) async throws -> Customer {
        let raw = call.parameters["id"] ?? ""
        guard let id = Int64(raw), let c = try await customers.customer(partnerID: call.partnerID, id: id) else {
            throw APIError.notFound(
                "customer_not_found",
                code: 1201,
                stringCode: .customerNotFound,
                args: ["id": String(raw.prefix(64))],
                details: [("customer_id", .string(String(raw.prefix(64)))), ("shop_id", .optional(call.principal.shopID))]
            )
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
}
