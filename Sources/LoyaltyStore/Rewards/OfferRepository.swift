import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// The offers a partner publishes. Every write bumps the partner's offers version, so
/// each node's ``EarningOfferCache`` reloads on its next purchase.
public protocol OfferRepository: Sendable {
    /// Stores a new offer (`id`, counts and times are assigned) and appends `offer.created`.
    /// Every offer read here carries `claimedCount` = the coupons issued from it.
    func create(_ offer: Offer) async throws -> Offer
    /// Rewrites an offer's terms (not its claimed count) and appends `offer.updated`.
    func update(_ offer: Offer) async throws -> Offer
    /// Withdraws an offer: it disappears from lists and cannot be claimed; issued
    /// coupons stay valid. Appends `offer.deleted`. False when there was none.
    func delete(partnerID: Int64, id: Int64) async throws -> Bool
    func offer(partnerID: Int64, id: Int64) async throws -> Offer?
    func offers(partnerID: Int64, filter: OfferFilter, page: PageRequest) async throws -> Page<Offer>
    /// Counters for the sync-status endpoint.
    func counts(partnerID: Int64) async throws -> OfferCounts
    /// How many coupons `customerID` holds from each offer (cancelled ones excluded).
    func claimedCounts(partnerID: Int64, customerID: Int64, offerIDs: [Int64]) async throws -> [Int64: Int64]
}

public struct OfferFilter: Sendable {
    public var type: OfferType?
    /// `discount`: both discount types.
    public var family: String?
    public var categoryID: Int64?
    public var isActive: Bool?
    public var isFeatured: Bool?
    /// Running now and not sold out.
    public var availableAt: Int64?
    public var search: String?

    public init(
        type: OfferType? = nil,
        family: String? = nil,
        categoryID: Int64? = nil,
        isActive: Bool? = nil,
        isFeatured: Bool? = nil,
        availableAt: Int64? = nil,
        search: String? = nil
    ) {
        self.type = type
        self.family = family
        self.categoryID = categoryID
        self.isActive = isActive
        self.isFeatured = isFeatured
        self.availableAt = availableAt
        self.search = search
    }
}

public struct OfferCounts: Sendable {
    public var total: Int
    public var active: Int
    public var expired: Int
    public var lastChange: Int64?
}

public struct SQLOfferRepository: OfferRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    /// Sets each offer's `claimedCount` to the coupons issued from it (one query).
    static func withIssuedCounts(_ db: any SQLDatabase, partnerID: Int64, _ offers: [Offer]) async throws -> [Offer] {
        guard !offers.isEmpty else { return offers }
        let list = offers.map { String($0.id) }.joined(separator: ", ")
        var counts: [Int64: Int64] = [:]
        for r in try await db.raw(
            """
            SELECT offer_id, COUNT(*) AS n FROM coupons WHERE partner_id = \(bind: partnerID) AND offer_id IN (\(unsafeRaw: list)) GROUP BY offer_id
            """
        ).all() {
            counts[try r.decode(column: "offer_id", as: Int64.self)] = try r.decode(column: "n", as: Int64.self)
        }
        return offers.map {
            var o = $0
            o.claimedCount = counts[o.id] ?? 0
            return o
        }
    }

    static func bumpVersion(_ db: any SQLDatabase, partnerID: Int64) async throws {
        try await db.raw(
            """
            INSERT INTO offer_versions (partner_id, version) VALUES (\(bind: partnerID), 1)
            ON CONFLICT (partner_id) DO UPDATE SET version = offer_versions.version + 1
            """
        ).run()
    }

    public func create(_ o: Offer) async throws -> Offer {
        try await database.write { db in
            let now = clock.nowMillis()
            let row = try await db.raw(
                """
                INSERT INTO offers (partner_id, type, title_lt, title_en, description_lt, description_en, terms, category_id, image_url, value,
                  maximum_discount_minor, minimum_purchase_minor, points_required, stock, claimed_count, per_member_limit, starts_at, ends_at,
                  is_active, is_featured, tiers, shop_ids, product_ids, coupon_validity_days, return_on_cancel, return_on_expiry, created_at,
                  updated_at)
                VALUES (\(bind: o.partnerID), \(bind: o.type.rawValue), \(bind: o.title.lt), \(bind: o.title.en), \(bind: o.description.lt),
                  \(bind: o.description.en), \(bind: o.terms), \(bind: o.categoryID), \(bind: o.imageURL), \(bind: o.value),
                  \(bind: o.maximumDiscountMinor), \(bind: o.minimumPurchaseMinor), \(bind: o.pointsRequired), \(bind: o.stock), 0,
                  \(bind: o.perMemberLimit), \(bind: o.startsAt), \(bind: o.endsAt), \(bind: o.isActive), \(bind: o.isFeatured),
                  \(bind: OfferRows.json(o.tiers)), \(bind: OfferRows.json(o.shopIDs)), \(bind: OfferRows.json(o.productIDs)),
                  \(bind: o.couponValidityDays), \(bind: o.returnPointsOnCancel), \(bind: o.returnPointsOnExpiry), \(bind: now), \(bind: now))
                RETURNING \(unsafeRaw: OfferRows.columns)
                """
            ).first()
            let offer = try OfferRows.offer(try row.required("the inserted offer"))
            try await Self.bumpVersion(db, partnerID: o.partnerID)
            try await Outbox.append(db, partnerID: o.partnerID, type: EventType.offerCreated, data: RewardFacts.offer(offer), now: now)
            return offer
        }
    }

    public func update(_ o: Offer) async throws -> Offer {
        try await database.write { db in
            let now = clock.nowMillis()
            guard
                let row = try await db.raw(
                    """
                    UPDATE offers SET type = \(bind: o.type.rawValue), title_lt = \(bind: o.title.lt), title_en = \(bind: o.title.en),
                      description_lt = \(bind: o.description.lt), description_en = \(bind: o.description.en), terms = \(bind: o.terms),
                      category_id = \(bind: o.categoryID), image_url = \(bind: o.imageURL), value = \(bind: o.value),
                      maximum_discount_minor = \(bind: o.maximumDiscountMinor), minimum_purchase_minor = \(bind: o.minimumPurchaseMinor),
                      points_required = \(bind: o.pointsRequired), stock = \(bind: o.stock), per_member_limit = \(bind: o.perMemberLimit),
                      claimed_count = CASE WHEN stock IS NULL THEN (SELECT COUNT(*) FROM coupons k WHERE k.partner_id = offers.partner_id
                        AND k.offer_id = offers.id) ELSE claimed_count END,
                      starts_at = \(bind: o.startsAt), ends_at = \(bind: o.endsAt), is_active = \(bind: o.isActive),
                      is_featured = \(bind: o.isFeatured), tiers = \(bind: OfferRows.json(o.tiers)), shop_ids = \(bind: OfferRows.json(o.shopIDs)),
                      product_ids = \(bind: OfferRows.json(o.productIDs)), coupon_validity_days = \(bind: o.couponValidityDays),
                      return_on_cancel = \(bind: o.returnPointsOnCancel), return_on_expiry = \(bind: o.returnPointsOnExpiry),
                      updated_at = \(bind: now)
                    WHERE partner_id = \(bind: o.partnerID) AND id = \(bind: o.id) AND deleted_at IS NULL
                    RETURNING \(unsafeRaw: OfferRows.columns)
                    """
                ).first()
            else { throw RewardError.offerNotFound }
            let offer = try await Self.withIssuedCounts(db, partnerID: o.partnerID, [OfferRows.offer(row)])[0]
            try await Self.bumpVersion(db, partnerID: o.partnerID)
            try await Outbox.append(db, partnerID: o.partnerID, type: EventType.offerUpdated, data: RewardFacts.offer(offer), now: now)
            return offer
        }
    }

    public func delete(partnerID: Int64, id: Int64) async throws -> Bool {
        try await database.write { db in
            let now = clock.nowMillis()
            guard
                let row = try await db.raw(
                    """
                    UPDATE offers SET deleted_at = \(bind: now), is_active = \(bind: false), updated_at = \(bind: now)
                    WHERE partner_id = \(bind: partnerID) AND id = \(bind: id) AND deleted_at IS NULL RETURNING \(unsafeRaw: OfferRows.columns)
                    """
                ).first()
            else { return false }
            try await Self.bumpVersion(db, partnerID: partnerID)
            let offer = try OfferRows.offer(row)
            try await Outbox.append(db, partnerID: partnerID, type: EventType.offerDeleted, data: RewardFacts.offer(offer), now: now)
            return true
        }
    }

    public func offer(partnerID: Int64, id: Int64) async throws -> Offer? {
        try await database.read { db in
            let offer = try await db.raw(
                """
                SELECT \(unsafeRaw: OfferRows.columns) FROM offers WHERE partner_id = \(bind: partnerID) AND id = \(bind: id) AND deleted_at IS NULL
                """
            ).first().map(OfferRows.offer)
            guard let offer else { return nil }
            return try await Self.withIssuedCounts(db, partnerID: partnerID, [offer])[0]
        }
    }

    public func offers(partnerID: Int64, filter: OfferFilter, page: PageRequest) async throws -> Page<Offer> {
        var condition: SQLQueryString = "partner_id = \(bind: partnerID) AND deleted_at IS NULL"
        if let t = filter.type { condition += " AND type = \(bind: t.rawValue)" }
        if let f = filter.family {
            if f == "discount" {
                condition += " AND type IN ('discount_percentage', 'discount_amount')"
            } else {
                condition += " AND type = \(bind: f)"
            }
        }
        if let c = filter.categoryID { condition += " AND category_id = \(bind: c)" }
        if let a = filter.isActive { condition += " AND is_active = \(bind: a)" }
        if let f = filter.isFeatured { condition += " AND is_featured = \(bind: f)" }
        if let now = filter.availableAt {
            condition += """
                 AND is_active = \(bind: true) AND (starts_at IS NULL OR starts_at <= \(bind: now)) AND (ends_at IS NULL OR ends_at > \(bind: now))
                 AND (stock IS NULL OR claimed_count < stock)
                """
        }
        if let s = filter.search?.lowercased(), !s.isEmpty {
            let like = "%" + s.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            condition += " AND (LOWER(COALESCE(title_en, '')) LIKE \(bind: like) OR LOWER(COALESCE(title_lt, '')) LIKE \(bind: like))"
        }
        let finalCondition = condition
        return try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM offers WHERE \(finalCondition)").first())
            let items = try await db.raw(
                """
                SELECT \(unsafeRaw: OfferRows.columns) FROM offers WHERE \(finalCondition)
                ORDER BY is_featured DESC, id DESC LIMIT \(literal: page.perPage) OFFSET \(literal: page.offset)
                """
            ).all().map(OfferRows.offer)
            return Page(items: try await Self.withIssuedCounts(db, partnerID: partnerID, items), request: page, total: total)
        }
    }

    public func counts(partnerID: Int64) async throws -> OfferCounts {
        let now = clock.nowMillis()
        return try await database.read { db in
            let row = try await db.raw(
                """
                SELECT COUNT(*) AS total,
                  COALESCE(SUM(CASE WHEN is_active = \(bind: true) AND (ends_at IS NULL OR ends_at > \(bind: now)) THEN 1 ELSE 0 END), 0) AS active,
                  COALESCE(SUM(CASE WHEN ends_at IS NOT NULL AND ends_at <= \(bind: now) THEN 1 ELSE 0 END), 0) AS expired,
                  MAX(updated_at) AS last_change
                FROM offers WHERE partner_id = \(bind: partnerID) AND deleted_at IS NULL
                """
            ).first().required("a count row")
            return OfferCounts(
                total: Int(try row.decode(column: "total", as: Int64.self)),
                active: Int(try row.decode(column: "active", as: Int64.self)),
                expired: Int(try row.decode(column: "expired", as: Int64.self)),
                lastChange: try row.decode(column: "last_change", as: Int64?.self)
            )
        }
    }

    public func claimedCounts(partnerID: Int64, customerID: Int64, offerIDs: [Int64]) async throws -> [Int64: Int64] {
        guard !offerIDs.isEmpty else { return [:] }
        let list = offerIDs.map(String.init).joined(separator: ", ")
        return try await database.read { db in
            var out: [Int64: Int64] = [:]
            for r in try await db.raw(
                """
                SELECT offer_id, COUNT(*) AS n FROM coupons WHERE partner_id = \(bind: partnerID) AND customer_id = \(bind: customerID)
                  AND offer_id IN (\(unsafeRaw: list)) AND status <> 'cancelled' GROUP BY offer_id
                """
            ).all() {
                out[try r.decode(column: "offer_id", as: Int64.self)] = try r.decode(column: "n", as: Int64.self)
            }
            return out
        }
    }
}
