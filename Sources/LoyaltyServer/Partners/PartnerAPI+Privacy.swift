import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// GDPR: a customer's data as JSON (managers and owners), and erasure (owners).
extension PartnerAPI {
    func registerPrivacy(manager: APIRoutes, owner: APIRoutes) {
        manager.get("customers/:id/export", exportCustomer)
        owner.post("customers/:id/erase", eraseCustomer)
    }

    func pathCustomerID(_ call: APICall) throws -> Int64 {
        guard let id = call.parameters["id"].flatMap(Int64.init) else { throw LoyaltyError.customerNotFound }
        return id
    }

    /// Everything held about the customer, by table (booleans are 0/1 on SQLite).
    @Sendable func exportCustomer(_ call: APICall) async throws -> APIResult {
        guard let data = try await services.privacy.export(partnerID: call.partnerID, customerID: try pathCustomerID(call)) else {
            throw LoyaltyError.customerNotFound
        }
        return APIResult(data: data)
    }

    /// Pseudonymises the customer: profile fields cleared, every copy of them in the
    /// customer's rows and the partner's logs replaced by `[erased]`, the till's free-form
    /// metadata dropped, sessions ended. Points, cards and the ledger stay.
    @Sendable func eraseCustomer(_ call: APICall) async throws -> APIResult {
        guard let report = try await services.privacy.erase(partnerID: call.partnerID, customerID: try pathCustomerID(call)) else {
            throw LoyaltyError.customerNotFound
        }
        let rows = JSON.object(report.rowsByTable.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })
        return APIResult(
            messageKey: "customer_erased",
            data: .object([("customer_id", .int(report.customerID)), ("erased", .bool(true)), ("rows", rows)])
        )
    }
}
