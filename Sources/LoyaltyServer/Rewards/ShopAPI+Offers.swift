import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Offers (S23-S27, S29) and claiming them (J22, and a shop claiming for a member).
extension ShopAPI {
    func registerOffers(credentials routes: APIRoutes, either: APIRoutes, customer: APIRoutes) {
        either.get("offers", listOffers)
        either.get("offers/:id", getOffer)
        routes.post("offers", createOffer)
        routes.put("offers/:id", updateOffer)
        routes.delete("offers/:id", deleteOffer)
        routes.get("sync-status", offerSyncStatus)
        either.post("offers/:id/claim", claimOffer)
    }

    func offerID(_ call: APICall) throws -> Int64 {
        guard let id = call.parameters["id"].flatMap(Int64.init), id > 0 else { throw RewardError.offerNotFound }
        return id
    }

    /// What the calling member sees of these offers (nil for a shop).
    func memberViews(_ offers: [Offer], call: APICall) async throws -> [Int64: Present.MemberView]? {
        guard call.principal.kind == .customer, let customerID = call.customerID else { return nil }
        let claimed = try await services.offers.claimedCounts(partnerID: call.partnerID, customerID: customerID, offerIDs: offers.map(\.id))
        let card = try await customers.primaryCard(partnerID: call.partnerID, customerID: customerID)
        var tier: String?
        if let card {
            let program = try await ledger.program(partnerID: call.partnerID)
            tier = TierDecision.effectiveName(program.tiers, card.tierState, now: services.clock.nowMillis())
        }
        let now = services.clock.nowMillis()
        var out: [Int64: Present.MemberView] = [:]
        for o in offers {
            let n = claimed[o.id] ?? 0
            out[o.id] = Present.MemberView(claimed: n, unavailable: o.unavailability(at: now, tier: tier, claimedByMember: n))
        }
        return out
    }

    /// S23 (and the member's list): `type` (a type or `discount`), `category_id`,
    /// `is_active`, `is_featured`, `available_only`, `search`; members see only what
    /// runs now.
    @Sendable func listOffers(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 50)
        var filter = OfferFilter()
        if let t = f.string("type", maxLength: 40) {
            if t == "discount" {
                filter.family = "discount"
            } else if let type = OfferType(rawValue: t) {
                filter.type = type
            } else {
                f.fail("type", "v_in", ["values": "discount, " + OfferType.allCases.map(\.rawValue).joined(separator: ", ")])
            }
        }
        filter.categoryID = f.int("category_id", min: 1, max: Int64.max) ?? f.int("category", min: 1, max: Int64.max)
        filter.isActive = f.bool("is_active")
        filter.isFeatured = f.bool("is_featured")
        filter.search = f.string("search", maxLength: 100)
        let availableOnly = f.bool("available_only") ?? false
        try f.throwIfInvalid()
        if availableOnly || call.principal.kind == .customer { filter.availableAt = services.clock.nowMillis() }
        let result = try await services.offers.offers(partnerID: call.partnerID, filter: filter, page: page)
        let p = try await tenants.partner(id: call.partnerID)
        let views = try await memberViews(result.items, call: call)
        return APIResult(
            data: .array(result.items.map { Present.offer($0, partner: p, locale: call.locale, member: views?[$0.id]) }),
            meta: Envelope.meta(result)
        )
    }

    @Sendable func getOffer(_ call: APICall) async throws -> APIResult {
        guard let offer = try await services.offers.offer(partnerID: call.partnerID, id: try offerID(call)) else { throw RewardError.offerNotFound }
        let views = try await memberViews([offer], call: call)
        return APIResult(
            data: Present.offer(offer, partner: try await tenants.partner(id: call.partnerID), locale: call.locale, member: views?[offer.id])
        )
    }

    @Sendable func createOffer(_ call: APICall) async throws -> APIResult {
        let blank = Offer(
            id: 0,
            partnerID: call.partnerID,
            type: .discountPercentage,
            title: LocalizedText(lt: nil, en: nil),
            description: LocalizedText(lt: nil, en: nil),
            value: 0
        )
        let draft = try OfferRequest.apply(call.fields, to: blank, creating: true)
        try await checkTargets(draft, call: call)
        let offer = try await services.offers.create(draft)
        return APIResult(
            status: .created,
            messageKey: "offer_created",
            data: Present.offer(offer, partner: try await tenants.partner(id: call.partnerID), locale: call.locale)
        )
    }

    @Sendable func updateOffer(_ call: APICall) async throws -> APIResult {
        guard let current = try await services.offers.offer(partnerID: call.partnerID, id: try offerID(call)) else { throw RewardError.offerNotFound }
        let changed = try OfferRequest.apply(call.fields, to: current, creating: false)
        try await checkTargets(changed, call: call)
        let offer = try await services.offers.update(changed)
        return APIResult(
            messageKey: "offer_updated",
            data: Present.offer(offer, partner: try await tenants.partner(id: call.partnerID), locale: call.locale)
        )
    }

    /// Shops named by an offer must be the partner's own (another tenant's ids are refused, not stored).
    func checkTargets(_ offer: Offer, call: APICall) async throws {
        for (i, id) in offer.shopIDs.enumerated() where try await tenants.shop(partnerID: call.partnerID, id: id) == nil {
            throw APIError.validation([("shop_ids.\(i)", [Messages.text("shop_not_found", call.locale)])])
        }
    }

    @Sendable func deleteOffer(_ call: APICall) async throws -> APIResult {
        guard try await services.offers.delete(partnerID: call.partnerID, id: try offerID(call)) else { throw RewardError.offerNotFound }
        return APIResult(messageKey: "offer_deleted", data: .null)
    }

    /// S29.
    @Sendable func offerSyncStatus(_ call: APICall) async throws -> APIResult {
        let c = try await services.offers.counts(partnerID: call.partnerID)
        return APIResult(
            data: .object([
                ("total_offers", .int(Int64(c.total))), ("active_offers", .int(Int64(c.active))), ("expired_offers", .int(Int64(c.expired))),
                ("last_sync", Present.time(c.lastChange)),
            ])
        )
    }

    /// J22: a member claims an offer for themselves (customer token), or a shop claims it
    /// for a member named by `user_id` / `user_email` / `customer_id` / `card_id`.
    /// `reference` (optional) is the claim's business key; `Idempotency-Key` makes a
    /// retry answer the first result.
    @Sendable func claimOffer(_ call: APICall) async throws -> APIResult {
        let id = try offerID(call)
        var f = call.fields
        let cardID = f.int("card_id", min: 1, max: Int64.max) ?? f.int("loyalty_card_id", min: 1, max: Int64.max)
        let reference = f.string("reference", maxLength: 191)
        let shopID = f.int("shop_id", min: 1, max: Int64.max)
        let source = f.string("source", maxLength: 40)
        let customer: TransactionCommand.CustomerRef
        if call.principal.kind == .customer {
            try f.throwIfInvalid()
            customer = .id(try await currentCustomer(call).id)
        } else if let cardID, !f.has("user_id"), !f.has("user_email"), !f.has("customer_id") {
            try f.throwIfInvalid()
            customer = .card(cardID)
        } else {
            let field = f.has("customer_id") ? "customer_id" : "user_id"
            let selector = CustomerSelector.read(&f, idField: field, emailField: "user_email")
            try f.throwIfInvalid()
            customer = try await resolve(try f.required(selector, field), call: call)
        }
        let outcome = try await services.coupons.claim(
            ClaimCommand(
                partnerID: call.partnerID,
                offerID: id,
                customer: customer,
                cardID: call.principal.kind == .customer ? cardID : nil,
                reference: reference ?? "claim-\(UUID().uuidString.lowercased())",
                shopID: shopID ?? call.principal.shopID,
                source: source
            )
        )
        let c = outcome.coupon
        let qr = try await services.couponQR.payload(for: c)
        let view = CouponView(
            coupon: c,
            offer: outcome.offer,
            customer: outcome.customer,
            cardNumber: outcome.card.cardNumber,
            balance: outcome.card.balance
        )
        let now = services.clock.nowMillis()
        let o = outcome.offer
        return APIResult(
            status: .created,
            messageKey: "offer_claimed",
            data: .object([
                ("coupon_id", .int(c.id)), ("coupon_code", .string(CouponCode.display(c.code))),
                ("offer_title", .optional(o.title.text(call.locale.rawValue))), ("discount_type", .string(o.type.discountType)),
                ("discount_value", Present.offerValue(o)), ("qr_code", .string(qr)), ("expires_at", Present.time(c.expiresAt)),
                ("points_deducted", .int(c.pointsSpent)), ("created_at", Present.time(c.createdAt)),
                (
                    "claim",
                    .object([
                        ("id", .int(c.id)), ("claim_code", .string(CouponCode.display(c.code))), ("status", .string(c.status.rawValue)),
                        ("claimed_at", Present.time(c.createdAt)), ("expires_at", Present.time(c.expiresAt)),
                    ])
                ),
                (
                    "points_transaction",
                    .object([
                        ("id", .int(outcome.transactionID)), ("points_deducted", .int(c.pointsSpent)),
                        ("balance_before", .int(outcome.balanceBefore)), ("balance_after", .int(outcome.card.balance)),
                    ])
                ),
                ("coupon", Present.coupon(view, qr: qr, locale: call.locale, now: now)),
                ("offer", Present.couponOffer(o, locale: call.locale)),
            ])
        )
    }
}
