import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Coupons at the till (S40-S47: verify -> pending -> redeem | cancel-pending, lists,
/// products, discount preview), the shop's cancel, and the member's own coupons
/// (J21, J23-J29).
extension ShopAPI {
    func registerCoupons(credentials routes: APIRoutes, either: APIRoutes, customer: APIRoutes) {
        routes.post("coupons/verify", verifyCoupon)
        routes.post("coupons/redeem", redeemCouponAtShop)
        routes.post("coupons/pending", setCouponPending)
        routes.post("coupons/cancel-pending", cancelCouponPending)
        routes.post("coupons/cancel", cancelCouponByShop)
        routes.get("coupons/card", cardCoupons)
        routes.get("coupons/products", couponProducts)
        routes.post("coupons/calculate-discount", calculateDiscount)
        either.get("coupons", listCoupons)
        customer.get("offers/coupons", myOfferCoupons)
        customer.post("offers/coupons/:id/redeem", redeemMyCoupon)
        customer.get("coupons/expiring", myExpiringCoupons)
        customer.get("coupons/statistics", myCouponStatistics)
        customer.get("coupons/:id", myCoupon)
        customer.post("coupons/:id/redeem", redeemMyCoupon)
        customer.post("coupons/:id/cancel", cancelMyCoupon)
    }

    var now: Int64 { services.clock.nowMillis() }

    /// The coupon a scanned or typed text names: a coupon QR payload, or a code in any
    /// spelling a person might type (case, dashes, O for 0).
    func couponByText(_ text: String, call: APICall) async throws -> CouponView {
        guard let code = try await couponCode(in: text, call: call),
            let view = try await services.coupons.coupon(partnerID: call.partnerID, code: code)
        else { throw RewardError.couponNotFound }
        return view
    }

    /// The normalised code in a coupon QR payload (signature checked) or a typed code; nil when it cannot be one.
    func couponCode(in text: String, call: APICall) async throws -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await services.couponQR.code(in: trimmed, partnerID: call.partnerID) ?? CouponCode.normalize(trimmed)
    }

    func couponByID(_ id: Int64, call: APICall) async throws -> CouponView {
        guard let view = try await services.coupons.coupon(partnerID: call.partnerID, id: id) else { throw RewardError.couponNotFound }
        return view
    }

    /// A shop id that must be one of the partner's shops.
    func requireShop(_ id: Int64, call: APICall) async throws {
        guard try await tenants.shop(partnerID: call.partnerID, id: id) != nil else { throw LoyaltyError.shopNotFound }
    }

    func present(_ v: CouponView, call: APICall, memberNames: Bool = false) async throws -> JSON {
        Present.coupon(v, qr: try await services.couponQR.payload(for: v.coupon), locale: call.locale, now: now, memberNames: memberNames)
    }

    // MARK: Till (S40-S47)

    /// S40: `coupon_code` (the PHP and Python SDKs send `code`) and `shop_id`; an
    /// optional `purchase_amount` is checked against the offer's minimum purchase.
    @Sendable func verifyCoupon(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let field = f.has("coupon_code") ? "coupon_code" : "code"
        let text = f.string(field, required: true, maxLength: 200)
        let shopID = f.int("shop_id", required: true, min: 1, max: Int64.max)
        let amount = f.money("purchase_amount")
        try f.throwIfInvalid()
        let shop = try f.required(shopID, "shop_id")
        // One query: the coupon, its offer, member, card template, open coupons and the shop.
        guard let code = try await couponCode(in: try f.required(text, field), call: call),
            let till = try await services.coupons.tillView(partnerID: call.partnerID, code: code, shopID: shop)
        else { throw RewardError.couponNotFound }
        guard till.shopFound else { throw LoyaltyError.shopNotFound }
        let view = till.coupon
        let status = view.coupon.status(at: now)
        switch status {
        case .used: throw RewardError.couponAlreadyUsed
        case .expired: throw RewardError.couponExpired
        case .cancelled: throw RewardError.couponCancelled
        case .active, .pending: break
        }
        guard view.offer.allows(shopID: shop) else { throw RewardError.couponNotValidAtShop }
        if let amount, let minimum = view.offer.minimumPurchaseMinor, amount < minimum {
            throw APIError.validation([
                ("purchase_amount", [Messages.text("v_min", call.locale, ["field": "purchase_amount", "min": Money.decimalString(minor: minimum)])])
            ])
        }
        let template: CardTemplate? = till.template
        let rule = template?.earning
        return APIResult(
            messageKey: "coupon_valid",
            data: .object([
                ("valid", .bool(true)), ("coupon", try await present(view, call: call)),
                (
                    "user",
                    .object([
                        ("id", .int(view.customer.id)), ("name", .optional(view.customer.name)), ("email", .optional(view.customer.email)),
                        ("phone", .optional(view.customer.phone)), ("default_card_id", .int(view.coupon.cardID)),
                        ("points_balance", .int(view.balance)),
                    ])
                ),
                (
                    "card",
                    .object([
                        ("id", .int(view.coupon.cardID)), ("card_number", .string(view.cardNumber)), ("user_id", .int(view.customer.id)),
                        ("points_balance", .int(view.balance)),
                    ])
                ),
                (
                    "points_rules",
                    .object([
                        ("points_enabled", .bool(rule?.enabled ?? true)), ("points_redemption_enabled", .bool(template?.redemption.enabled ?? false)),
                        ("points_per_euro", .int(rule.map { $0.pointsPerCurrency * 100 / max(1, $0.currencyAmountMinor) } ?? 1)),
                        ("euro_per_point", .null),
                    ])
                ),
                ("games_count", .int(0)), ("coupons_count", .int(till.openCoupons)),
                ("minimum_purchase", view.offer.minimumPurchaseMinor.map(JSON.money) ?? .null),
            ])
        )
    }

    /// The coupon named by `coupon_id` (or `coupon_code`), and the shop (`shop_id`, required).
    func tillRequest(_ call: APICall) async throws -> (CouponView, Int64, Int64?, Fields) {
        var f = call.fields
        let id = f.int("coupon_id", min: 1, max: Int64.max)
        let text = id == nil ? f.string("coupon_code", maxLength: 200) ?? f.string("code", maxLength: 200) : nil
        if id == nil && text == nil { f.fail("coupon_id", "v_required") }
        let shopID = f.int("shop_id", required: true, min: 1, max: Int64.max)
        let productID = f.int("selected_product_id", min: 1, max: Int64.max)
        try f.throwIfInvalid()
        let shop = try f.required(shopID, "shop_id")
        try await requireShop(shop, call: call)
        let view: CouponView
        if let id {
            view = try await couponByID(id, call: call)
        } else {
            view = try await couponByText(try f.required(text, "coupon_code"), call: call)
        }
        return (view, shop, productID, f)
    }

    /// S41.
    @Sendable func redeemCouponAtShop(_ call: APICall) async throws -> APIResult {
        var (view, shop, productID, f) = try await tillRequest(call)
        let notes = f.string("notes", maxLength: 255)
        try f.throwIfInvalid()
        let c = try await services.coupons.redeem(
            partnerID: call.partnerID,
            couponID: view.coupon.id,
            shopID: shop,
            productID: productID,
            notes: notes,
            customerID: nil
        )
        return APIResult(
            messageKey: "coupon_redeemed",
            data: .object([
                ("coupon_id", .int(c.id)), ("code", .string(CouponCode.display(c.code))), ("status", .string(c.status.rawValue)),
                ("redeemed_at", Present.time(c.redeemedAt)), ("shop_id", .int(shop)), ("selected_product_id", .optional(c.selectedProductID)),
            ])
        )
    }

    /// S42.
    @Sendable func setCouponPending(_ call: APICall) async throws -> APIResult {
        let (view, shop, productID, _) = try await tillRequest(call)
        let c = try await services.coupons.setPending(partnerID: call.partnerID, couponID: view.coupon.id, shopID: shop, productID: productID)
        return APIResult(
            messageKey: "coupon_pending",
            data: .object([
                ("coupon_id", .int(c.id)), ("pending_at", Present.time(c.pendingAt)), ("shop_id", .int(shop)),
                ("selected_product_id", .optional(c.selectedProductID)), ("status", .string(c.status.rawValue)),
            ])
        )
    }

    /// S43.
    @Sendable func cancelCouponPending(_ call: APICall) async throws -> APIResult {
        let (view, shop, _, _) = try await tillRequest(call)
        let c = try await services.coupons.cancelPending(partnerID: call.partnerID, couponID: view.coupon.id, shopID: shop)
        return APIResult(
            messageKey: "coupon_pending_cancelled",
            data: .object([("coupon_id", .int(c.id)), ("cancelled_at", Present.time(c.updatedAt)), ("status", .string(c.status.rawValue))])
        )
    }

    /// A shop cancels a member's coupon (`coupon_id`, `reason?`); points come back per the offer's policy.
    @Sendable func cancelCouponByShop(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let id = f.int("coupon_id", required: true, min: 1, max: Int64.max)
        let reason = f.string("reason", maxLength: 255)
        try f.throwIfInvalid()
        let outcome = try await services.coupons.cancel(
            partnerID: call.partnerID,
            couponID: try f.required(id, "coupon_id"),
            customerID: nil,
            reason: reason
        )
        return try await cancelResult(outcome, call: call)
    }

    func cancelResult(_ outcome: CancelOutcome, call: APICall) async throws -> APIResult {
        let view = try await couponByID(outcome.coupon.id, call: call)
        return APIResult(
            messageKey: "coupon_cancelled_ok",
            data: .object([
                ("coupon", try await present(view, call: call, memberNames: call.principal.kind == .customer)),
                ("points_returned", .int(outcome.pointsReturned)), ("points_balance", .optional(outcome.balance)),
                ("message", .string(Messages.text("coupon_cancelled_ok", call.locale))),
            ])
        )
    }

    /// S44 (API credentials) or J24 (customer token).
    @Sendable func listCoupons(_ call: APICall) async throws -> APIResult {
        if call.principal.kind == .customer { return try await myCoupons(call) }
        var f = call.fields
        let shopID = f.int("shop_id", required: true, min: 1, max: Int64.max)
        let userID = f.int("user_id", min: 1, max: Int64.max)
        let cardID = f.int("card_id", min: 1, max: Int64.max)
        let status = f.oneOf("status", ["active", "used", "expired", "all", "pending", "cancelled", "redeemed"]) ?? "active"
        let page = PageRequest(page: Int(f.int("page", min: 1, max: 1_000_000) ?? 1), perPage: Int(f.int("per_page", min: 1, max: 100) ?? 20))
        try f.throwIfInvalid()
        let shop = try f.required(shopID, "shop_id")
        try await requireShop(shop, call: call)
        let filter = CouponFilter(customerID: userID, cardID: cardID, shopID: shop, status: status == "all" ? nil : CouponStatus(wire: status))
        let result = try await services.coupons.coupons(partnerID: call.partnerID, filter: filter, page: page)
        var items: [JSON] = []
        for v in result.items { items.append(try await present(v, call: call)) }
        return APIResult(
            data: .object([
                ("coupons", .array(items)),
                (
                    "pagination",
                    .object([
                        ("current_page", .int(Int64(page.page))), ("per_page", .int(Int64(page.perPage))), ("total", .int(Int64(result.total))),
                        ("last_page", .int(Int64(result.lastPage))),
                    ])
                ),
            ])
        )
    }

    /// S45: a member's open coupons valid at a shop (`card_id` or `user_id`).
    @Sendable func cardCoupons(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let shopID = f.int("shop_id", required: true, min: 1, max: Int64.max)
        let cardID = f.int("card_id", min: 1, max: Int64.max)
        let userID = f.int("user_id", min: 1, max: Int64.max)
        if cardID == nil && userID == nil && !f.errors.contains(where: { $0.0 == "card_id" || $0.0 == "user_id" }) {
            f.fail("card_id", "one_of_required", ["fields": "card_id, user_id"])
        }
        try f.throwIfInvalid()
        let shop = try f.required(shopID, "shop_id")
        try await requireShop(shop, call: call)
        let result = try await services.coupons.coupons(
            partnerID: call.partnerID,
            filter: CouponFilter(customerID: userID, cardID: cardID, shopID: shop, status: .active),
            page: PageRequest(page: 1, perPage: 200)
        )
        var items: [JSON] = []
        for v in result.items { items.append(try await present(v, call: call)) }
        return APIResult(data: .object([("coupons", .array(items)), ("total_count", .int(Int64(result.total)))]))
    }

    /// S46: the products a free-item coupon lets the member choose from.
    @Sendable func couponProducts(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let id = f.int("coupon_id", required: true, min: 1, max: Int64.max)
        try f.throwIfInvalid()
        let view = try await couponByID(try f.required(id, "coupon_id"), call: call)
        let products = try await services.catalog.products(partnerID: call.partnerID, ids: view.offer.productIDs)
        return APIResult(
            data: .object([
                ("products", .array(products.map { Present.product($0.product, categories: $0.categories) })),
                ("total_count", .int(Int64(products.count))),
                ("selection_required", .bool(view.offer.type == .freeItem && !view.offer.productIDs.isEmpty)),
            ])
        )
    }

    /// S47: the exact discount for a purchase (two decimals, never above the purchase).
    @Sendable func calculateDiscount(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let field = f.has("coupon_code") ? "coupon_code" : "code"
        let text = f.string(field, required: true, maxLength: 200)
        let amount = f.money("purchase_amount", required: true)
        let cart = f.array("cart_items", maxItems: 500)
        try f.throwIfInvalid()
        let view = try await couponByText(try f.required(text, field), call: call)
        let purchase = try f.required(amount, "purchase_amount")
        let status = view.coupon.status(at: now)
        var result: DiscountCalculator.Result
        if status == .active || status == .pending {
            var freeItemPrice: Int64?
            if view.offer.type == .freeItem, let cart {
                // The first cart line naming one of the offer's products (by id or sku) is free.
                let products = try await services.catalog.products(partnerID: call.partnerID, ids: view.offer.productIDs)
                for item in cart {
                    let pid = item["product_id"].flatMap { if case let .int(i) = $0 { i } else { nil } }
                    let sku = item["sku"].flatMap { if case let .string(s) = $0 { s } else { nil } }
                    if let match = products.first(where: { $0.product.id == pid || (sku != nil && $0.product.sku == sku) }) {
                        freeItemPrice = match.product.discountedPriceMinor ?? match.product.priceMinor
                        break
                    }
                }
            }
            let template =
                try await customers.card(partnerID: call.partnerID, id: view.coupon.cardID)
                .asyncMap { try await tenants.template(partnerID: call.partnerID, id: $0.templateID) } ?? nil
            let rule = template?.earning
            result = DiscountCalculator.discount(
                offer: view.offer,
                purchaseMinor: purchase,
                freeItemPriceMinor: freeItemPrice,
                pointsPerCurrencyUnit: rule.map { Double($0.pointsPerCurrency) * 100 / Double(max(1, $0.currencyAmountMinor)) } ?? 1
            )
        } else {
            result = DiscountCalculator.Result(canApply: false, reason: "coupon_\(status.rawValue)", discountMinor: 0, pointsAwarded: 0)
        }
        let final = purchase - result.discountMinor
        return APIResult(
            data: .object([
                ("can_apply", .bool(result.canApply)), ("reason", .optional(result.reason)), ("discount_amount", .money(result.discountMinor)),
                ("final_amount", .money(final)), ("purchase_amount", .money(purchase)), ("savings", .money(result.discountMinor)),
                ("points_awarded", .int(result.pointsAwarded)), ("reward_details", Present.couponOffer(view.offer, locale: call.locale)),
                ("minimum_purchase", view.offer.minimumPurchaseMinor.map(JSON.money) ?? .null),
            ])
        )
    }

    // MARK: The member's coupons (customer token)

    func memberCouponList(
        _ call: APICall,
        statuses: [String],
        maxPerPage: Int,
        expiringDays: Int64? = nil
    ) async throws -> (Page<CouponView>, PageRequest) {
        var f = call.fields
        let page = f.page(maxPerPage: maxPerPage)
        let status = f.oneOf("status", statuses)
        let offerID = f.int("offer_id", min: 1, max: Int64.max)
        let soon = f.bool("expires_soon") ?? false
        let days = expiringDays ?? f.int("days", min: 1, max: 365)
        let search = f.string("search", maxLength: 40)
        try f.throwIfInvalid()
        let customer = try await currentCustomer(call)
        var filter = CouponFilter(customerID: customer.id, offerID: offerID, status: status.flatMap(CouponStatus.init(wire:)), search: search)
        if soon || days != nil { filter.expiringBefore = now + (days ?? 7) * 86_400_000 }
        return (try await services.coupons.coupons(partnerID: call.partnerID, filter: filter, page: page), page)
    }

    func memberList(_ page: Page<CouponView>, call: APICall, extra: [(String, JSON)] = []) async throws -> APIResult {
        var items: [JSON] = []
        for v in page.items { items.append(try await present(v, call: call, memberNames: true)) }
        var meta = Envelope.meta(page)
        if !extra.isEmpty, case let .object(m) = meta { meta = .object(m + extra) }
        return APIResult(data: .array(items), meta: meta)
    }

    /// J24.
    func myCoupons(_ call: APICall) async throws -> APIResult {
        let (page, _) = try await memberCouponList(
            call,
            statuses: ["active", "redeemed", "used", "expired", "cancelled", "pending"],
            maxPerPage: 100
        )
        return try await memberList(page, call: call)
    }

    /// J21: the member's offer coupons (`status` active|used|expired).
    @Sendable func myOfferCoupons(_ call: APICall) async throws -> APIResult {
        let (page, _) = try await memberCouponList(call, statuses: ["active", "used", "redeemed", "expired", "cancelled"], maxPerPage: 50)
        return try await memberList(page, call: call)
    }

    /// J28.
    @Sendable func myExpiringCoupons(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let days = f.int("days", min: 1, max: 365) ?? 7
        try f.throwIfInvalid()
        let (page, _) = try await memberCouponList(call, statuses: ["active", "pending"], maxPerPage: 100, expiringDays: days)
        return try await memberList(page, call: call, extra: [("expiring_within_days", .int(days))])
    }

    /// J29.
    @Sendable func myCouponStatistics(_ call: APICall) async throws -> APIResult {
        let customer = try await currentCustomer(call)
        let s = try await services.coupons.statistics(partnerID: call.partnerID, customerID: customer.id)
        let rate = s.total == 0 ? 0 : Double(s.redeemed) / Double(s.total) * 100
        return APIResult(
            data: .object([
                ("total_coupons", .int(s.total)), ("active_coupons", .int(s.active)), ("redeemed_coupons", .int(s.redeemed)),
                ("expired_coupons", .int(s.expired)), ("cancelled_coupons", .int(s.cancelled)), ("expiring_soon", .int(s.expiringSoon)),
                ("total_savings", .int(s.pointsSpent)), ("points_spent", .int(s.pointsSpent)),
                ("redemption_rate", .double((rate * 100).rounded() / 100)),
            ])
        )
    }

    /// The member's own coupon by path id (404 for anyone else's).
    func myCouponView(_ call: APICall) async throws -> CouponView {
        let customer = try await currentCustomer(call)
        guard let id = call.parameters["id"].flatMap(Int64.init), let view = try await services.coupons.coupon(partnerID: call.partnerID, id: id),
            view.coupon.customerID == customer.id
        else { throw RewardError.couponNotFound }
        return view
    }

    /// J25.
    @Sendable func myCoupon(_ call: APICall) async throws -> APIResult {
        APIResult(data: try await present(try await myCouponView(call), call: call, memberNames: true))
    }

    /// J23 and J26: the member redeems their own coupon (no shop).
    @Sendable func redeemMyCoupon(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let reference = f.string("redemption_reference", maxLength: 191)
        let location = f.string("location", maxLength: 255)
        let notes = f.string("notes", maxLength: 255)
        try f.throwIfInvalid()
        let view = try await myCouponView(call)
        let c = try await services.coupons.redeem(
            partnerID: call.partnerID,
            couponID: view.coupon.id,
            shopID: nil,
            productID: nil,
            notes: notes ?? location,
            customerID: view.coupon.customerID
        )
        let after = try await couponByID(c.id, call: call)
        return APIResult(
            messageKey: "coupon_redeemed",
            data: .object([
                ("coupon_id", .int(c.id)), ("code", .string(CouponCode.display(c.code))), ("status", .string(c.status.memberName)),
                ("redeemed_at", Present.time(c.redeemedAt)), ("coupon", try await present(after, call: call, memberNames: true)),
                (
                    "redemption_details",
                    .object([("redeemed_at", Present.time(c.redeemedAt)), ("reference", .optional(reference)), ("location", .optional(location))])
                ),
            ])
        )
    }

    /// J27.
    @Sendable func cancelMyCoupon(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let reason = f.string("reason", maxLength: 255)
        try f.throwIfInvalid()
        let view = try await myCouponView(call)
        let outcome = try await services.coupons.cancel(
            partnerID: call.partnerID,
            couponID: view.coupon.id,
            customerID: view.coupon.customerID,
            reason: reason
        )
        return try await cancelResult(outcome, call: call)
    }
}

extension Optional {
    func asyncMap<U>(_ transform: (Wrapped) async throws -> U) async rethrows -> U? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
