import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// Domain records -> wire JSON, field names and shapes as in the Loyalty.lt spec (§4).
enum Present {
    static func time(_ ms: Int64?) -> JSON { ms.map { .string(Timestamp.iso8601($0)) } ?? .null }

    static func partner(_ p: Partner) -> JSON {
        .object([("id", .int(p.id)), ("name", .string(p.name)), ("logo", .null), ("logo_url", .null)])
    }

    static func shop(_ s: Shop, partner p: Partner, distanceKm: Double? = nil) -> JSON {
        var members: [(String, JSON)] = [
            ("id", .int(s.id)), ("name", .string(s.name)), ("address", .optional(s.address)), ("city", .optional(s.city)),
            ("phone", .optional(s.phone)), ("email", .optional(s.email)), ("website", .optional(s.website)),
            ("description", .optional(s.description)), ("opening_hours", .optional(s.openingHours)), ("working_hours", .null),
            ("coordinates", .object([("latitude", s.latitude.map(JSON.double) ?? .null), ("longitude", s.longitude.map(JSON.double) ?? .null)])),
            ("images", .array([])), ("is_active", .bool(s.isActive)), ("is_virtual", .bool(s.isVirtual)),
            ("partner", .object([("id", .int(p.id)), ("name", .string(p.name))])),
        ]
        if let distanceKm { members.append(("distance", .double((distanceKm * 100).rounded() / 100))) }
        members += [("created_at", time(s.createdAt)), ("updated_at", time(s.updatedAt))]
        return .object(members)
    }

    static func template(_ t: CardTemplate, partner p: Partner) -> JSON {
        let title = JSON.object([("lt", .string(t.titleLT)), ("en", .string(t.titleEN))])
        let shops = JSON.array(t.shopIDs.map(JSON.int))
        return .object([
            ("id", .int(t.id)), ("partner_id", .int(t.partnerID)), ("title", title), ("name", title),
            ("description", .object([("lt", .optional(t.descriptionLT)), ("en", .optional(t.descriptionEN))])),
            ("card_type", .string(t.cardType)),
            (
                "card_design",
                .object([
                    ("background_color", .string(t.backgroundColor)), ("text_color", .string(t.textColor)), ("logo_url", .null),
                    ("qr_background_color", .string("#FFFFFF")), ("qr_color", .string("#000000")),
                ])
            ),
            ("is_active", .bool(t.isActive)), ("shop_ids", shops), ("applicable_shops", shops), ("auto_assign", .bool(t.autoAssign)),
            ("points_enabled", .bool(t.earning.enabled)), ("initial_bonus_points", .int(t.initialBonusPoints)),
            ("welcome_bonus", .int(t.initialBonusPoints)),
            ("points_expiration_days", .int(t.pointsExpirationDays)), ("points_per_currency", .int(t.earning.pointsPerCurrency)),
            ("points_per_euro", .int(t.earning.pointsPerCurrency)), ("currency_amount", .money(t.earning.currencyAmountMinor)),
            ("round_points_up", .bool(t.earning.roundUp)), ("min_points_per_purchase", .int(t.earning.minPointsPerPurchase)),
            ("max_points_per_purchase", .int(t.earning.maxPointsPerPurchase)), ("points_per_visit", .int(t.earning.pointsPerVisit)),
            ("points_redemption_enabled", .bool(t.redemption.enabled)), ("points_per_currency_redemption", .int(t.redemption.pointsPerCurrency)),
            ("currency_amount_redemption", .money(t.redemption.currencyAmountMinor)), ("min_points_for_redemption", .int(t.redemption.minPoints)),
            ("max_points_per_redemption", .int(t.redemption.maxPoints)), ("currency", .string(t.currency)), ("qr_code", .string(t.code)),
            ("partner", partner(p)), ("created_at", time(t.createdAt)), ("updated_at", time(t.updatedAt)),
        ])
    }

    static func redemption(_ r: RedemptionRule) -> JSON {
        .object([
            ("enabled", .bool(r.enabled)), ("points_per_currency", .int(r.pointsPerCurrency)), ("currency_amount", .money(r.currencyAmountMinor)),
            ("min_points", .int(r.minPoints)), ("max_points", .int(r.maxPoints)),
        ])
    }

    static func user(_ c: Customer) -> JSON {
        .object([("id", .int(c.id)), ("name", .optional(c.name)), ("email", .optional(c.email)), ("phone", .optional(c.phone))])
    }

    static func cardInfo(_ card: LoyaltyCard, template t: CardTemplate, customer c: Customer, partner p: Partner, now: Int64) -> JSON {
        .object([
            ("id", .int(card.id)), ("card_number", .string(card.cardNumber)), ("card_name", .string(t.titleEN)), ("card_type", .string(t.cardType)),
            ("points", .int(card.balance)), ("available_points", .int(card.available)), ("reserved_points", .int(card.reserved)),
            ("lifetime_earned", .int(card.lifetimeEarned)), ("lifetime_spent", .int(card.lifetimeSpent)),
            ("is_active", .bool(card.isActive)), ("status", .string(card.status(at: now).rawValue)), ("expires_at", time(card.expiresAt)),
            ("blocked_reason", .optional(card.blockedReason)), ("transactions_count", .int(card.transactionsCount)),
            ("last_used_at", time(card.lastUsedAt)),
            ("qr_code", .string(card.qrCode)), ("redemption", redemption(t.redemption)), ("user", user(c)), ("partner", partner(p)),
            ("created_at", time(card.createdAt)), ("updated_at", time(card.updatedAt)),
        ])
    }

    /// A customer's card as the card endpoints show it.
    static func card(_ card: LoyaltyCard, now: Int64) -> JSON {
        .object([
            ("id", .int(card.id)), ("loyalty_card_id", .int(card.id)), ("user_id", .int(card.customerID)), ("template_id", .int(card.templateID)),
            ("card_number", .string(card.cardNumber)), ("qr_code", .string(card.qrCode)), ("status", .string(card.status(at: now).rawValue)),
            ("is_active", .bool(card.isActive)), ("blocked_reason", .optional(card.blockedReason)), ("expires_at", time(card.expiresAt)),
            ("points", .int(card.balance)), ("available_points", .int(card.available)), ("tier", .optional(card.tier)),
            ("created_at", time(card.createdAt)), ("updated_at", time(card.updatedAt)),
        ])
    }

    /// `card_data` of a completed QR card session (spec 4.11).
    static func cardData(_ card: LoyaltyCard, template t: CardTemplate, customer c: Customer, scannedAt: Int64) -> JSON {
        .object([
            ("loyalty_card_id", .int(card.id)), ("card_number", .string(card.cardNumber)), ("points", .int(card.balance)),
            ("user", user(c)), ("redemption", redemption(t.redemption)), ("scanned_at", time(scannedAt)),
        ])
    }

    static func balance(_ card: LoyaltyCard) -> JSON {
        .object([
            ("card_id", .int(card.id)), ("card_number", .string(card.cardNumber)), ("points", .int(card.balance)),
            ("available_points", .int(card.available)),
            ("reserved_points", .int(card.reserved)), ("pending_points", .int(card.pending)), ("expiring_soon", expiring(card)),
        ])
    }

    static func expiring(_ card: LoyaltyCard) -> JSON {
        guard let at = card.nextExpiryAt, card.nextExpiryPoints > 0 else { return .null }
        return .object([("date", time(at)), ("points", .int(card.nextExpiryPoints))])
    }

    /// The full points picture of a card: spendable, pending, held, expiring, lifetime
    /// figures and the tier (as ``tier(_:program:basis:now:)`` renders it).
    static func points(_ card: LoyaltyCard, tier: JSON) -> [(String, JSON)] {
        [
            ("points", .int(card.balance)), ("available_points", .int(card.available)), ("pending_points", .int(card.pending)),
            ("reserved_points", .int(card.reserved)), ("expiring_soon", expiring(card)),
            ("lifetime_earned", .int(card.lifetimeEarned)), ("lifetime_spent", .int(card.lifetimeSpent)),
            ("lifetime_expired", .int(card.lifetimeExpired)),
            ("tier", tier),
        ]
    }

    static func tier(_ card: LoyaltyCard, program: ProgramConfig, basis: Int64, now: Int64) -> JSON {
        let policy = program.tiers
        guard let name = TierDecision.effectiveName(policy, card.tierState, now: now) else { return .null }
        let next = policy.enabled ? policy.tiers.first { $0.threshold > max(basis, policy.tier(named: name)?.threshold ?? 0) } : nil
        let live = card.tierOverride != nil && (card.tierOverrideUntil ?? Int64.max) > now
        return .object([
            ("name", .string(name)), ("basis", .string(policy.basis.rawValue)), ("progress", .int(basis)),
            ("multiplier", .double(Double(policy.tier(named: name)?.multiplierPercent ?? 100) / 100)),
            ("next_tier", next.map { .string($0.name) } ?? .null), ("points_to_next_tier", next.map { .int(max(0, $0.threshold - basis)) } ?? .null),
            ("since", time(card.tierSince)), ("grace_until", time(card.tierGraceUntil)),
            ("override", live ? .object([("tier", .optional(card.tierOverride)), ("until", time(card.tierOverrideUntil))]) : .null),
        ])
    }

    static func lot(_ l: PointLot, now: Int64) -> JSON {
        let status =
            l.remaining < 0 ? "debt" : l.remaining == 0 ? (l.expired > 0 ? "expired" : "used") : (l.maturesAt != nil ? "pending" : "available")
        return .object([
            ("id", .int(l.id)), ("source", .string(l.source)), ("transaction_id", .optional(l.transactionID)), ("points", .int(l.points)),
            ("remaining", .int(l.remaining)), ("spent", .int(max(0, l.points - l.remaining - l.expired - l.reversed))), ("expired", .int(l.expired)),
            ("reversed", .int(l.reversed)), ("status", .string(status)), ("matures_at", time(l.maturesAt)), ("expires_at", time(l.expiresAt)),
            ("created_at", time(l.createdAt)),
        ])
    }

    static func rules(_ lines: [EarningEngine.Line]) -> JSON {
        .array(lines.map { .object([("rule", .string($0.rule)), ("name", .string($0.name)), ("points", .int($0.points))]) })
    }

    static func outcome(_ o: TransactionOutcome) -> JSON {
        let t = o.transaction
        var members: [(String, JSON)] = [
            ("transaction_id", .int(t.id)), ("type", .string(t.type.rawValue)), ("order_id", .string(t.orderID)),
        ]
        switch t.type {
        case .purchase, .bonus, .activity:
            members += [
                ("points_awarded", .int(t.pointsAwarded)), ("points_redeemed", .int(t.pointsRedeemed)),
                ("discount_amount", t.discountMinor.map(JSON.money) ?? .null),
                ("rules_applied", rules(o.rulesApplied)),
            ]
            if let c = o.coupon {
                members.append(
                    (
                        "coupon",
                        .object([
                            ("id", .int(c.couponID)), ("code", .string(CouponCode.display(c.code))), ("offer_id", .int(c.offerID)),
                            ("status", .string("used")), ("discount_amount", .money(c.discountMinor)),
                            ("order_total", .money(c.orderTotalMinor)), ("final_amount", .money(c.orderTotalMinor - c.discountMinor)),
                        ])
                    )
                )
            }
        case .refund, .cancellation:
            members += [
                ("points_awarded", .int(0)), ("points_reversed", .int(t.pointsAwarded)), ("points_returned", .int(t.pointsRedeemed)),
                ("points_shortfall", .int(t.shortfall)),
                ("points_lapsed", .int(t.lapsed)), ("refund_id", .optional(t.refundID)),
            ]
        case .transfer, .adjustment, .rewardClaim, .rewardReturn, .gamePlay, .gameReward:
            members += [("points", .int(t.pointsAwarded - t.pointsRedeemed)), ("reason", .optional(t.reason))]
        }
        members += [
            ("points_balance", .int(o.card.balance)), ("available_points", .int(o.card.available)), ("pending_points", .int(o.card.pending)),
            ("loyalty_card_id", .int(o.card.id)),
            ("card_number", .string(o.card.cardNumber)), ("user_id", .int(o.customer.id)), ("shop_id", .optional(t.shopID)),
            ("order_total", t.amountMinor.map(JSON.money) ?? .null), ("currency", .string(t.currency)), ("created_at", time(t.createdAt)),
        ]
        return .object(members)
    }

    static func transaction(_ v: TransactionView, partner p: Partner) -> JSON {
        let t = v.transaction
        let stored = t.metadataJSON.flatMap { try? JSONDecoder().decode(JSON.self, from: Data($0.utf8)) }
        let clientMeta = stored?["meta_data"]
        let source: JSON = clientMeta?["source"] ?? .string("api")
        let rulesApplied: JSON = t.rulesAppliedJSON.flatMap { try? JSONDecoder().decode(JSON.self, from: Data($0.utf8)) } ?? .null
        return .object([
            ("id", .int(t.id)), ("type", .string(t.type.rawValue)), ("points", .int(t.netPoints)), ("amount", t.amountMinor.map(JSON.money) ?? .null),
            ("currency", .string(t.currency)), ("description", .optional(t.description)), ("reference_number", .string(t.orderID)),
            ("order_id", .string(t.orderID)), ("refund_id", .optional(t.refundID)), ("status", .string(t.status)), ("user", user(v.customer)),
            (
                "loyalty_card",
                .object([("id", .int(t.cardID)), ("name", .string(v.cardTitle)), ("number", .string(v.cardNumber)), ("partner", partner(p))])
            ),
            ("shop", t.shopID.map { .object([("id", .int($0)), ("name", .optional(v.shopName))]) } ?? .null),
            (
                "metadata",
                .object([
                    ("source", source), ("points_awarded", .int(t.type == .refund || t.type == .cancellation ? 0 : t.pointsAwarded)),
                    ("rules_applied", rulesApplied),
                    ("points_deducted", .int(t.type == .refund || t.type == .cancellation ? t.pointsAwarded : t.pointsRedeemed)),
                    ("items_count", stored?["items_count"] ?? .int(0)), ("reason", .optional(t.reason)), ("meta_data", clientMeta ?? .null),
                ])
            ),
            ("transaction_date", time(t.createdAt)), ("created_at", time(t.createdAt)),
        ])
    }

    static func reservation(_ r: PointsReservation) -> JSON {
        .object([
            ("reservation_id", .int(r.id)), ("id", .int(r.id)), ("order_id", .string(r.orderID)), ("points", .int(r.points)),
            ("status", .string(r.status.rawValue)), ("loyalty_card_id", .int(r.cardID)), ("user_id", .int(r.customerID)),
            ("session_id", .optional(r.sessionID)), ("created_at", time(r.createdAt)), ("updated_at", time(r.updatedAt)),
        ])
    }

    static func customer(_ c: Customer, card: LoyaltyCard?) -> JSON {
        .object([
            ("id", .int(c.id)), ("customer_id", .int(c.id)), ("external_id", .optional(c.externalID)), ("email", .optional(c.email)),
            ("phone", .optional(c.phone)), ("name", .optional(c.name)),
            ("points", .int(card?.balance ?? 0)), ("available_points", .int(card?.available ?? 0)),
            (
                "loyalty_card",
                card.map {
                    .object([
                        ("id", .int($0.id)), ("card_number", .string($0.cardNumber)), ("qr_code", .string($0.qrCode)), ("points", .int($0.balance)),
                    ])
                } ?? .null
            ),
            ("created_at", time(c.createdAt)), ("updated_at", time(c.updatedAt)),
        ])
    }
}
