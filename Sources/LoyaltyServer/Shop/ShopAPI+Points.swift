import Foundation
import HTTPTypes
import Logging
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Points outside a purchase: the seed FAQ's award and deduct (refunds by refund id,
/// proportional partial refunds) and bulk award, and the programme engine's transfers,
/// adjustments and activities.
extension ShopAPI {
    func registerPoints(_ routes: APIRoutes) {
        routes.post("points/award", awardPoints)
        routes.post("points/deduct", deductPoints)
        routes.post("points/bulk-award", bulk: true, bulkAward)
        routes.post("points/transfer", transfer)
        routes.post("points/adjust", adjust)
        routes.post("activities", activity)
    }

    func awardCommand(_ request: AwardPointsRequest, call: APICall) async throws -> TransactionCommand {
        // Without an order id only Idempotency-Key protects against a retry: a fresh key per call.
        TransactionCommand(
            partnerID: call.partnerID,
            shopID: request.shopID ?? call.principal.shopID,
            customer: try await resolve(request.customer, call: call),
            orderID: request.orderID ?? "award-\(UUID().uuidString.lowercased())",
            type: request.reason == "purchase" ? .purchase : .bonus,
            points: request.points,
            description: request.description,
            reason: request.reason
        )
    }

    @Sendable func awardPoints(_ call: APICall) async throws -> APIResult {
        let outcome = try await ledger.post(try await awardCommand(try AwardPointsRequest(call.fields), call: call))
        return APIResult(status: .created, messageKey: "points_awarded", data: Present.outcome(outcome))
    }

    @Sendable func deductPoints(_ call: APICall) async throws -> APIResult {
        let request = try DeductPointsRequest(call.fields)
        let command = TransactionCommand(
            partnerID: call.partnerID,
            shopID: call.principal.shopID,
            customer: try await resolve(request.customer, call: call),
            orderID: request.orderID,
            type: .refund,
            orderTotalMinor: request.refundAmountMinor,
            points: request.points,
            reason: request.reason,
            refundID: request.refundID
        )
        let outcome = try await ledger.post(command)
        return APIResult(messageKey: "points_deducted", data: Present.outcome(outcome))
    }

    @Sendable func bulkAward(_ call: APICall) async throws -> APIResult {
        let request = try BulkAwardRequest(call.fields)
        let items = request.items
        var results = [JSON?](repeating: nil, count: items.count)
        var commands: [(Int, TransactionCommand)] = []
        for (i, item) in items.enumerated() {
            do {
                guard case .object = item else {
                    throw APIError.validation([("\(request.key).\(i)", [Messages.text("v_object", call.locale, ["field": "\(request.key).\(i)"])])])
                }
                commands.append((i, try await awardCommand(try AwardPointsRequest(Fields(item, locale: call.locale)), call: call)))
            } catch {
                let e = ErrorMapping.apiError(error, logger: .init(label: "bulk"))
                results[i] = Self.bulkFailure(i, item, e, call.locale)
            }
        }
        let outcomes = try await ledger.postEach(commands.map(\.1))
        var awarded = 0
        var duplicates = 0
        for ((i, command), outcome) in zip(commands, outcomes) {
            switch outcome {
            case let .success(o):
                awarded += 1
                results[i] = .object([
                    ("index", .int(Int64(i))), ("status", .string("awarded")), ("order_id", .string(command.orderID)),
                    ("customer_id", .int(o.customer.id)),
                    ("transaction_id", .int(o.transaction.id)), ("points", .int(o.transaction.pointsAwarded)),
                    ("points_balance", .int(o.card.balance)),
                ])
            case let .failure(error):
                if case .duplicateTransaction = error { duplicates += 1 }
                var r = Self.bulkFailure(i, items[i], ErrorMapping.map(error), call.locale)
                if case let .duplicateTransaction(id) = error, case let .object(m) = r {
                    r = .object(m.map { $0.0 == "status" ? ("status", .string("duplicate")) : $0 } + [("transaction_id", .int(id))])
                }
                results[i] = r
            }
        }
        let failed = items.count - awarded - duplicates
        return APIResult(
            messageKey: "bulk_done",
            args: ["ok": String(awarded), "failed": String(failed + duplicates)],
            data: .object([
                ("total", .int(Int64(items.count))), ("awarded", .int(Int64(awarded))), ("duplicates", .int(Int64(duplicates))),
                ("failed", .int(Int64(failed))), ("results", .array(results.map { $0 ?? .null })),
            ])
        )
    }

    static func bulkFailure(_ i: Int, _ item: JSON, _ e: APIError, _ locale: APILocale) -> JSON {
        var error: [(String, JSON)] = [
            ("code", .string(e.stringCode.rawValue)), ("status", .int(Int64(e.status.code))), ("message", .string(e.message(locale))),
        ]
        if !e.fieldErrors.isEmpty { error.append(("errors", .object(e.fieldErrors.map { ($0.0, .array($0.1.map(JSON.string))) }))) }
        return .object([("index", .int(Int64(i))), ("status", .string("failed")), ("order_id", item["order_id"] ?? .null), ("error", .object(error))])
    }

    @Sendable func transfer(_ call: APICall) async throws -> APIResult {
        let request = try TransferRequest(call.fields)
        let outcome = try await ledger.transfer(
            TransferCommand(
                partnerID: call.partnerID,
                shopID: call.principal.shopID,
                from: try await resolve(request.from, call: call),
                to: try await resolve(request.to, call: call),
                points: request.points,
                reason: request.reason,
                reference: request.reference ?? "transfer-\(UUID().uuidString.lowercased())",
                actor: actor(call, nil)
            )
        )
        return APIResult(
            status: .created,
            messageKey: "points_transferred",
            data: .object([
                ("transaction_id", .int(outcome.transactionID)), ("points", .int(outcome.points)), ("reason", .string(request.reason)),
                ("from", side(outcome.from)), ("to", side(outcome.to)),
            ])
        )
    }

    func side(_ o: TransactionOutcome) -> JSON {
        .object([
            ("customer_id", .int(o.customer.id)), ("loyalty_card_id", .int(o.card.id)), ("points_balance", .int(o.card.balance)),
            ("available_points", .int(o.card.available)),
        ])
    }

    @Sendable func adjust(_ call: APICall) async throws -> APIResult {
        let request = try AdjustmentRequest(call.fields)
        let outcome = try await ledger.adjust(
            AdjustmentCommand(
                partnerID: call.partnerID,
                shopID: call.principal.shopID,
                customer: try await resolve(request.customer, call: call),
                points: request.points,
                reason: request.reason,
                reference: request.reference ?? "adjustment-\(UUID().uuidString.lowercased())",
                actor: actor(call, request.actor)
            )
        )
        return APIResult(status: .created, messageKey: "points_adjusted", data: Present.outcome(outcome))
    }

    @Sendable func activity(_ call: APICall) async throws -> APIResult {
        let request = try ActivityRequest(call.fields)
        var referred: TransactionCommand.CustomerRef?
        if let selector = request.referred { referred = try await resolve(selector, call: call) }
        let outcomes = try await ledger.recordActivity(
            ActivityCommand(
                partnerID: call.partnerID,
                shopID: call.principal.shopID,
                customer: try await resolve(request.customer, call: call),
                activity: request.activity,
                reference: request.reference,
                referred: referred,
                actor: actor(call, nil)
            )
        )
        var data = Present.outcome(outcomes[0])
        if outcomes.count > 1, case let .object(m) = data { data = .object(m + [("referred", Present.outcome(outcomes[1]))]) }
        return APIResult(status: .created, messageKey: "activity_recorded", data: data)
    }
}
