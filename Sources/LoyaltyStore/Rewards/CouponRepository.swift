import Foundation
import LoyaltyCore
import LoyaltyModels
import PostgresKit
import PostgresNIO
import SQLKit

/// Coupons: claiming an offer (points debited through the ledger and the coupon issued
/// in one transaction) and the coupon's life at the shops.
///
/// Concurrency contract (both databases): a claim locks the member's card first, then
/// takes one unit of stock with a conditional UPDATE, so stock never oversells and
/// one member's concurrent claims are serialised on the card (the per-member limit
/// holds). A status change is one conditional UPDATE, so of many tills racing to
/// redeem a coupon exactly one succeeds.
public protocol CouponRepository: Sendable {
    func claim(_ command: ClaimCommand) async throws -> ClaimOutcome
    func coupon(partnerID: Int64, id: Int64) async throws -> CouponView?
    func coupon(partnerID: Int64, code: String) async throws -> CouponView?
    func coupons(partnerID: Int64, filter: CouponFilter, page: PageRequest) async throws -> Page<CouponView>
    /// What a till's verify shows, in one query: the coupon named by `code` with its
    /// offer and member, whether `shopID` is the partner's, the card's template and the
    /// member's open coupons. Nil when no such coupon.
    func tillView(partnerID: Int64, code: String, shopID: Int64) async throws -> TillView?
    /// Holds the coupon for one shop's till (S42).
    func setPending(partnerID: Int64, couponID: Int64, shopID: Int64, productID: Int64?) async throws -> Coupon
    /// Releases the hold (S43); only the holding shop may.
    func cancelPending(partnerID: Int64, couponID: Int64, shopID: Int64) async throws -> Coupon
    /// Final redemption, once. `shopID` nil: the member redeems it themselves.
    func redeem(partnerID: Int64, couponID: Int64, shopID: Int64?, productID: Int64?, notes: String?, customerID: Int64?) async throws -> Coupon
    /// Cancels an open coupon and returns its points when the offer's policy says so.
    func cancel(partnerID: Int64, couponID: Int64, customerID: Int64?, reason: String?) async throws -> CancelOutcome
    /// Marks open coupons past their expiry as expired (returning points per policy),
    /// at most `limit`; returns how many.
    func expireDue(limit: Int) async throws -> Int
    func statistics(partnerID: Int64, customerID: Int64?) async throws -> CouponStatistics
}

public struct ClaimCommand: Sendable {
    public var partnerID: Int64
    public var offerID: Int64
    public var customer: TransactionCommand.CustomerRef
    public var cardID: Int64?
    /// The claim's business key; a repeat with the same reference is a duplicate.
    public var reference: String
    public var shopID: Int64?
    public var source: String?

    public init(
        partnerID: Int64,
        offerID: Int64,
        customer: TransactionCommand.CustomerRef,
        cardID: Int64? = nil,
        reference: String,
        shopID: Int64? = nil,
        source: String? = nil
    ) {
        self.partnerID = partnerID
        self.offerID = offerID
        self.customer = customer
        self.cardID = cardID
        self.reference = reference
        self.shopID = shopID
        self.source = source
    }
}

public struct ClaimOutcome: Sendable {
    public var coupon: Coupon
    public var offer: Offer
    public var card: LoyaltyCard
    public var customer: Customer
    public var transactionID: Int64
    public var balanceBefore: Int64
}

public struct CancelOutcome: Sendable {
    public var coupon: Coupon
    public var pointsReturned: Int64
    public var balance: Int64?
}

/// A coupon with its offer and member.
public struct CouponView: Sendable {
    public var coupon: Coupon
    public var offer: Offer
    public var customer: Customer
    public var cardNumber: String
    public var balance: Int64

    public init(coupon: Coupon, offer: Offer, customer: Customer, cardNumber: String, balance: Int64) {
        self.coupon = coupon
        self.offer = offer
        self.customer = customer
        self.cardNumber = cardNumber
        self.balance = balance
    }
}

public struct TillView: Sendable {
    public var coupon: CouponView
    public var shopFound: Bool
    public var template: CardTemplate
    /// The member's coupons that are open now.
    public var openCoupons: Int64
}

public struct CouponFilter: Sendable {
    public var customerID: Int64?
    public var cardID: Int64?
    public var offerID: Int64?
    /// Only coupons whose offer is valid at this shop.
    public var shopID: Int64?
    /// `nil`: every status. `expired` includes open coupons past their expiry.
    public var status: CouponStatus?
    /// Open coupons expiring before this time.
    public var expiringBefore: Int64?
    public var search: String?

    public init(
        customerID: Int64? = nil,
        cardID: Int64? = nil,
        offerID: Int64? = nil,
        shopID: Int64? = nil,
        status: CouponStatus? = nil,
        expiringBefore: Int64? = nil,
        search: String? = nil
    ) {
        self.customerID = customerID
        self.cardID = cardID
        self.offerID = offerID
        self.shopID = shopID
        self.status = status
        self.expiringBefore = expiringBefore
        self.search = search
    }
}

public struct CouponStatistics: Sendable {
    public var total: Int64
    public var active: Int64
    public var redeemed: Int64
    public var expired: Int64
    public var cancelled: Int64
    public var expiringSoon: Int64
    public var pointsSpent: Int64
}

public struct SQLCouponRepository: CouponRepository {
    let database: any DatabaseClient
    let clock: any WallClock
    let programs: ProgramCache
    let readAhead: MemberReadAhead

    public init(database: any DatabaseClient, programs: ProgramCache = ProgramCache(), clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.programs = programs
        self.clock = clock
        self.readAhead = MemberReadAhead(database: database)
    }

    var forUpdate: String { database.features.forUpdate }

    // MARK: - Claim

    public func claim(_ c: ClaimCommand) async throws -> ClaimOutcome {
        let lock = forUpdate
        let programs = programs
        let ahead = try await resolveAhead(c)
        return try await database.write { db in
            let now = clock.nowMillis()
            let r = try await MemberReadAhead.resolved(
                ahead,
                db,
                partnerID: c.partnerID,
                customer: c.customer,
                cardID: c.cardID,
                shopID: c.shopID,
                now: now
            )
            guard r.shopKnown else { throw LoyaltyError.shopNotFound }
            // The card lock serialises this member's claims (the per-member limit).
            var card = try await SQLLedgerRepository.lockCards(db, partnerID: c.partnerID, ids: [r.card.id], forUpdate: lock, now: now)[r.card.id]
                .required("the locked card")
            try card.requireUsable(at: now)
            // The offer and the member's coupons of it, in one round trip.
            guard
                let row = try await db.raw(
                    """
                    SELECT \(unsafeRaw: OfferRows.columns), (SELECT COUNT(*) FROM coupons WHERE partner_id = \(bind: c.partnerID)
                        AND customer_id = \(bind: r.customer.id) AND offer_id = offers.id AND status <> 'cancelled') AS n
                    FROM offers WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: c.offerID) AND deleted_at IS NULL
                    """
                ).first()
            else { throw RewardError.offerNotFound }
            var offer = try OfferRows.offer(row)
            let held = try Rows.count(row)
            let program = try await programs.config(db, partnerID: c.partnerID, version: r.programVersion)
            let tier = TierDecision.effectiveName(program.tiers, card.tierState, now: now)
            // Where a coupon may be used is checked at the till, not here: a member may claim anywhere.
            if let why = offer.unavailability(at: now, tier: tier, claimedByMember: Int64(held)) { throw RewardError.offerUnavailable(why) }
            // One unit of stock before any other write: the offer's row lock orders racing
            // claims and the condition is re-checked after the wait, so stock never
            // oversells, and in a race for the last units the losers stop here, having
            // written nothing. An unlimited offer takes no lock at all.
            if offer.stock != nil {
                guard
                    let taken = try await db.raw(
                        """
                        UPDATE offers SET claimed_count = claimed_count + 1 WHERE partner_id = \(bind: c.partnerID) AND id = \(bind: offer.id)
                          AND claimed_count < stock RETURNING claimed_count
                        """
                    ).first()
                else { throw RewardError.offerUnavailable(.soldOut) }
                offer.claimedCount = try taken.decode(column: "claimed_count", as: Int64.self)
            }
            let balanceBefore = card.balance
            var events: [(type: String, data: JSON)] = []
            let command = TransactionCommand(
                partnerID: c.partnerID,
                shopID: c.shopID,
                customer: .id(r.customer.id),
                orderID: c.reference,
                type: .rewardClaim,
                currency: r.template.currency,
                points: 0,
                pointsRedeemed: offer.pointsRequired,
                description: "Offer \(offer.id): \(offer.title.en ?? offer.title.lt ?? "")",
                reason: "offer_claim"
            )
            // Every claim records a transaction under its reference: the business key
            // that makes a repeated claim a duplicate, free offers included.
            let id = try await SQLLedgerRepository.insertTransaction(
                db,
                command,
                cardID: card.id,
                customerID: r.customer.id,
                currency: r.template.currency,
                points: 0,
                redeemed: offer.pointsRequired,
                shortfall: 0,
                discount: nil,
                originalID: nil,
                now: now
            )
            if offer.pointsRequired > 0 {
                card = try await LedgerPosting.payForReward(
                    db,
                    card: card,
                    shopID: c.shopID,
                    transactionID: id,
                    points: offer.pointsRequired,
                    reference: c.reference,
                    description: command.description,
                    now: now
                )
                let tx = Self.rewardTransaction(command, id: id, cardID: card.id, customerID: r.customer.id, originalID: nil, now: now)
                events.append((EventType.transactionCreated, EventFact.transaction(tx, card: card)))
            }
            let coupon = try await Self.insertCoupon(
                db,
                partnerID: c.partnerID,
                offer: offer,
                customerID: r.customer.id,
                cardID: card.id,
                transactionID: id,
                now: now
            )
            events.append((EventType.couponCreated, RewardFacts.coupon(coupon, shopID: c.shopID, balance: card.balance)))
            try await Outbox.append(db, partnerID: c.partnerID, events: events, now: now)
            return ClaimOutcome(
                coupon: coupon,
                offer: offer,
                card: card,
                customer: r.customer,
                transactionID: id,
                balanceBefore: balanceBefore
            )
        }
    }

    /// Who and which card, read ahead (``MemberReadAhead``) for a member named by id.
    func resolveAhead(_ c: ClaimCommand) async throws -> SQLLedgerRepository.Resolved? {
        guard case let .id(customerID) = c.customer, c.cardID == nil else { return nil }
        return try await readAhead.read(partnerID: c.partnerID, customerID: customerID, reference: c.reference, shopID: c.shopID)
    }

    /// Inserts a coupon under a fresh code (a collision of 80 random bits is retried).
    static func insertCoupon(
        _ db: any SQLDatabase,
        partnerID: Int64,
        offer: Offer,
        customerID: Int64,
        cardID: Int64,
        transactionID: Int64,
        now: Int64
    ) async throws -> Coupon {
        for _ in 0..<4 {
            let code = CouponCode.generate()
            if let row = try await db.raw(
                """
                INSERT INTO coupons (partner_id, offer_id, customer_id, card_id, code, status, points_spent, claim_transaction_id, expires_at,
                  created_at, updated_at)
                VALUES (\(bind: partnerID), \(bind: offer.id), \(bind: customerID), \(bind: cardID), \(bind: code), 'active',
                  \(bind: offer.pointsRequired), \(bind: transactionID), \(bind: offer.couponExpiry(issuedAt: now)), \(bind: now), \(bind: now))
                ON CONFLICT (code) DO NOTHING
                RETURNING \(unsafeRaw: OfferRows.couponColumns)
                """
            ).first() {
                return try OfferRows.coupon(row)
            }
        }
        throw CouponCodeExhausted()
    }

    // MARK: - Reads

    static let viewColumns = [
        OfferRows.couponColumns.split(separator: ",").map {
            "k." + $0.trimmingCharacters(in: .whitespacesAndNewlines) + " AS k_" + $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }.joined(separator: ", "),
        OfferRows.columns.split(separator: ",").map { "o." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", "),
        Rows.aliased(Rows.customerColumns, table: "cu", prefix: "c_"),
        "lc.card_number AS card_number, lc.balance AS card_balance",
    ].joined(separator: ", ")

    static let viewFrom = """
        coupons k JOIN offers o ON o.partner_id = k.partner_id AND o.id = k.offer_id
        JOIN customers cu ON cu.partner_id = k.partner_id AND cu.id = k.customer_id
        JOIN loyalty_cards lc ON lc.partner_id = k.partner_id AND lc.id = k.card_id
        """

    static func view(_ r: any SQLRow) throws -> CouponView {
        CouponView(
            coupon: try OfferRows.coupon(PrefixedRow(row: r, prefix: "k_")),
            offer: try OfferRows.offer(r),
            customer: try Rows.customer(r, prefix: "c_"),
            cardNumber: try r.decode(column: "card_number", as: String.self),
            balance: try r.decode(column: "card_balance", as: Int64.self)
        )
    }

    public func coupon(partnerID: Int64, id: Int64) async throws -> CouponView? {
        try await database.read { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.viewColumns) FROM \(unsafeRaw: Self.viewFrom) WHERE k.partner_id = \(bind: partnerID) AND k.id = \(bind: id)"
            ).first().map(Self.view)
        }
    }

    public func coupon(partnerID: Int64, code: String) async throws -> CouponView? {
        try await database.read { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.viewColumns) FROM \(unsafeRaw: Self.viewFrom) WHERE k.code = \(bind: code) AND k.partner_id = \(bind: partnerID)"
            ).first().map(Self.view)
        }
    }

    public func tillView(partnerID: Int64, code: String, shopID: Int64) async throws -> TillView? {
        let now = clock.nowMillis()
        if let pg = database.preparedStatements {
            // Planning this six-table join costs PostgreSQL ~1.3 ms, six times the query
            // itself (measured): prepared, the plan is made once per connection.
            return try await pg.first(TillViewStatement(code: code, partnerID: partnerID, shopID: shopID, now: now)).map {
                try Self.till($0.sql())
            }
        }
        return try await database.read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Self.viewColumns), \(unsafeRaw: Self.tillColumns), s.id AS shop_found,
                      (SELECT COUNT(*) FROM coupons o2 WHERE o2.partner_id = k.partner_id AND o2.customer_id = k.customer_id
                        AND o2.status IN ('active', 'pending') AND (o2.expires_at IS NULL OR o2.expires_at > \(bind: now))) AS open_coupons
                    FROM \(unsafeRaw: Self.viewFrom)
                    JOIN card_templates t ON t.partner_id = lc.partner_id AND t.id = lc.template_id
                    LEFT JOIN shops s ON s.partner_id = k.partner_id AND s.id = \(bind: shopID)
                    WHERE k.code = \(bind: code) AND k.partner_id = \(bind: partnerID)
                    """
                ).first()
            else { return nil }
            return try Self.till(row)
        }
    }

    static func till(_ row: any SQLRow) throws -> TillView {
        TillView(
            coupon: try view(row),
            shopFound: try row.decode(column: "shop_found", as: Int64?.self) != nil,
            template: try Rows.template(row, prefix: "t_"),
            openCoupons: try row.decode(column: "open_coupons", as: Int64.self)
        )
    }

    static let tillColumns = Rows.aliased(Rows.templateColumns, table: "t", prefix: "t_")

    public func coupons(partnerID: Int64, filter: CouponFilter, page: PageRequest) async throws -> Page<CouponView> {
        let now = clock.nowMillis()
        var condition: SQLQueryString = "k.partner_id = \(bind: partnerID)"
        if let v = filter.customerID { condition += " AND k.customer_id = \(bind: v)" }
        if let v = filter.cardID { condition += " AND k.card_id = \(bind: v)" }
        if let v = filter.offerID { condition += " AND k.offer_id = \(bind: v)" }
        if let v = filter.shopID { condition += " AND " + OfferRows.runsAtShop("o.shop_ids", v) }
        switch filter.status {
        case .active?, .pending?:
            condition += " AND k.status = \(bind: filter.status!.rawValue) AND (k.expires_at IS NULL OR k.expires_at > \(bind: now))"
        case .expired?:
            condition += " AND (k.status = 'expired' OR (k.status IN ('active', 'pending') AND k.expires_at <= \(bind: now)))"
        case let s?: condition += " AND k.status = \(bind: s.rawValue)"
        case nil: break
        }
        if let before = filter.expiringBefore {
            condition += " AND k.status IN ('active', 'pending') AND k.expires_at > \(bind: now) AND k.expires_at <= \(bind: before)"
        }
        if let s = filter.search?.uppercased(), !s.isEmpty {
            let like = "%" + s.filter { $0.isLetter || $0.isNumber } + "%"
            condition += " AND k.code LIKE \(bind: like)"
        }
        let finalCondition = condition
        return try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: Self.viewFrom) WHERE \(finalCondition)").first())
            let items = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.viewColumns) FROM \(unsafeRaw: Self.viewFrom) WHERE \(finalCondition)
                ORDER BY k.id DESC LIMIT \(literal: page.perPage) OFFSET \(literal: page.offset)
                """
            ).all().map(Self.view)
            return Page(items: items, request: page, total: total)
        }
    }

    // MARK: - Lifecycle

    /// The coupon and its offer, locked, for a status change.
    static func locked(_ db: any SQLDatabase, partnerID: Int64, couponID: Int64, forUpdate: String) async throws -> (Coupon, Offer) {
        guard
            let row = try await db.raw(
                """
                SELECT \(unsafeRaw: OfferRows.couponColumns) FROM coupons WHERE partner_id = \(bind: partnerID) AND id = \(bind: couponID)\(unsafeRaw: forUpdate)
                """
            ).first()
        else { throw RewardError.couponNotFound }
        let coupon = try OfferRows.coupon(row)
        let offer = try await db.raw(
            "SELECT \(unsafeRaw: OfferRows.columns) FROM offers WHERE partner_id = \(bind: partnerID) AND id = \(bind: coupon.offerID)"
        )
        .first().map(OfferRows.offer).required("the coupon's offer")
        return (coupon, offer)
    }

    /// Why a coupon in `status` cannot be used now.
    static func refusal(_ status: CouponStatus) -> RewardError {
        switch status {
        case .used: .couponAlreadyUsed
        case .expired: .couponExpired
        case .cancelled: .couponCancelled
        case .pending: .couponPendingElsewhere
        case .active: .couponNotPending
        }
    }

    static func checkProduct(_ offer: Offer, _ productID: Int64?) throws {
        guard let productID else { return }
        guard offer.type == .freeItem, offer.productIDs.contains(productID) else { throw RewardError.productNotSelectable }
    }

    public func setPending(partnerID: Int64, couponID: Int64, shopID: Int64, productID: Int64?) async throws -> Coupon {
        let lock = forUpdate
        return try await database.write { db in
            let now = clock.nowMillis()
            let (coupon, offer) = try await Self.locked(db, partnerID: partnerID, couponID: couponID, forUpdate: lock)
            guard offer.allows(shopID: shopID) else { throw RewardError.couponNotValidAtShop }
            try Self.checkProduct(offer, productID)
            let status = coupon.status(at: now)
            if status == .pending && coupon.pendingShopID == shopID { return coupon }
            guard status == .active else { throw Self.refusal(status) }
            let row = try await db.raw(
                """
                UPDATE coupons SET status = 'pending', pending_shop_id = \(bind: shopID), pending_at = \(bind: now),
                  selected_product_id = COALESCE(\(bind: productID), selected_product_id), updated_at = \(bind: now)
                WHERE partner_id = \(bind: partnerID) AND id = \(bind: couponID) AND status = 'active'
                RETURNING \(unsafeRaw: OfferRows.couponColumns)
                """
            ).first()
            return try OfferRows.coupon(try row.required("the coupon just locked"))
        }
    }

    public func cancelPending(partnerID: Int64, couponID: Int64, shopID: Int64) async throws -> Coupon {
        let lock = forUpdate
        return try await database.write { db in
            let now = clock.nowMillis()
            let (coupon, _) = try await Self.locked(db, partnerID: partnerID, couponID: couponID, forUpdate: lock)
            guard coupon.status == .pending else { throw RewardError.couponNotPending }
            guard coupon.pendingShopID == shopID else { throw RewardError.couponNotPendingHere }
            // Past its expiry the hold is moot: the coupon is expired either way.
            guard coupon.status(at: now) != .expired else { throw RewardError.couponExpired }
            let row = try await db.raw(
                """
                UPDATE coupons SET status = 'active', pending_shop_id = NULL, pending_at = NULL, updated_at = \(bind: now)
                WHERE partner_id = \(bind: partnerID) AND id = \(bind: couponID) AND status = 'pending'
                RETURNING \(unsafeRaw: OfferRows.couponColumns)
                """
            ).first()
            return try OfferRows.coupon(try row.required("the coupon just locked"))
        }
    }

    public func redeem(
        partnerID: Int64,
        couponID: Int64,
        shopID: Int64?,
        productID: Int64?,
        notes: String?,
        customerID: Int64?
    ) async throws -> Coupon {
        let lock = forUpdate
        return try await database.write { db in
            let now = clock.nowMillis()
            let (coupon, offer) = try await Self.locked(db, partnerID: partnerID, couponID: couponID, forUpdate: lock)
            if let customerID, coupon.customerID != customerID { throw RewardError.couponNotFound }
            let status = coupon.status(at: now)
            switch status {
            case .active: break
            case .pending:
                guard let shopID, coupon.pendingShopID == shopID else { throw RewardError.couponPendingElsewhere }
            default: throw Self.refusal(status)
            }
            guard offer.allows(shopID: shopID) else { throw RewardError.couponNotValidAtShop }
            try Self.checkProduct(offer, productID)
            if offer.type == .freeItem, !offer.productIDs.isEmpty, (productID ?? coupon.selectedProductID) == nil, shopID != nil {
                throw RewardError.productSelectionRequired
            }
            // The status condition decides between racing tills (SQLite's single writer
            // and PostgreSQL's row lock both leave exactly one match).
            guard
                let row = try await db.raw(
                    """
                    UPDATE coupons SET status = 'used', redeemed_at = \(bind: now), redeemed_shop_id = \(bind: shopID),
                      selected_product_id = COALESCE(\(bind: productID), selected_product_id), notes = \(bind: notes),
                      pending_shop_id = NULL, updated_at = \(bind: now)
                    WHERE partner_id = \(bind: partnerID) AND id = \(bind: couponID) AND status = \(bind: coupon.status.rawValue)
                    RETURNING \(unsafeRaw: OfferRows.couponColumns)
                    """
                ).first()
            else { throw RewardError.couponAlreadyUsed }
            let used = try OfferRows.coupon(row)
            try await Outbox.append(
                db,
                partnerID: partnerID,
                type: EventType.couponRedeemed,
                data: RewardFacts.coupon(used, shopID: shopID),
                now: now
            )
            return used
        }
    }

    public func cancel(partnerID: Int64, couponID: Int64, customerID: Int64?, reason: String?) async throws -> CancelOutcome {
        let lock = forUpdate
        let programs = programs
        return try await database.write { db in
            let now = clock.nowMillis()
            let (coupon, offer) = try await Self.locked(db, partnerID: partnerID, couponID: couponID, forUpdate: lock)
            if let customerID {
                guard coupon.customerID == customerID else { throw RewardError.couponNotFound }
                if let e = coupon.expiresAt, e - now < 86_400_000, coupon.status(at: now) == .active { throw RewardError.cancelTooLate }
            }
            let status = coupon.status(at: now)
            guard status == .active || status == .pending else { throw Self.refusal(status) }
            return try await Self.close(
                db,
                coupon: coupon,
                offer: offer,
                to: .cancelled,
                returnPoints: offer.returnPointsOnCancel,
                reason: reason,
                now: now,
                forUpdate: lock,
                programs: programs
            )
        }
    }

    /// Moves an open coupon to `cancelled` or `expired`, returning its points through
    /// the ledger when `returnPoints`, and appends the event.
    static func close(
        _ db: any SQLDatabase,
        coupon: Coupon,
        offer: Offer,
        to status: CouponStatus,
        returnPoints: Bool,
        reason: String?,
        now: Int64,
        forUpdate: String,
        programs: ProgramCache
    ) async throws -> CancelOutcome {
        let back = returnPoints ? coupon.pointsSpent : 0
        guard
            let row = try await db.raw(
                """
                UPDATE coupons SET status = \(bind: status.rawValue), cancelled_at = \(bind: status == .cancelled ? now : nil),
                  pending_shop_id = NULL, points_returned = \(bind: back), notes = COALESCE(\(bind: reason), notes), updated_at = \(bind: now)
                WHERE partner_id = \(bind: coupon.partnerID) AND id = \(bind: coupon.id) AND status IN ('active', 'pending')
                RETURNING \(unsafeRaw: OfferRows.couponColumns)
                """
            ).first()
        else { throw RewardError.couponAlreadyUsed }
        let closed = try OfferRows.coupon(row)
        var balance: Int64?
        if back > 0 {
            balance = try await returnPointsToCard(db, coupon: closed, offer: offer, points: back, now: now, forUpdate: forUpdate, programs: programs)
        }
        try await Outbox.append(
            db,
            partnerID: coupon.partnerID,
            type: status == .cancelled ? EventType.couponCancelled : EventType.couponExpired,
            data: RewardFacts.coupon(closed, pointsReturned: back, balance: balance),
            now: now
        )
        return CancelOutcome(coupon: closed, pointsReturned: back, balance: balance)
    }

    /// Credits the coupon's points back as a new lot (expiring per the programme from
    /// now), under the business key `reward_return:coupon-{id}`.
    static func returnPointsToCard(
        _ db: any SQLDatabase,
        coupon: Coupon,
        offer: Offer,
        points: Int64,
        now: Int64,
        forUpdate: String,
        programs: ProgramCache
    ) async throws -> Int64 {
        let card = try await SQLLedgerRepository.lockCards(db, partnerID: coupon.partnerID, ids: [coupon.cardID], forUpdate: forUpdate, now: now)[
            coupon.cardID
        ].required("the coupon's card")
        let template = try await db.raw(
            "SELECT \(unsafeRaw: Rows.templateColumns) FROM card_templates WHERE partner_id = \(bind: coupon.partnerID) AND id = \(bind: card.templateID)"
        ).first().map { try Rows.template($0) }.required("the card's template")
        let program = try await programs.current(db, partnerID: coupon.partnerID)
        let reference = "coupon-\(coupon.id)"
        let description = "Coupon \(CouponCode.display(coupon.code)) \(coupon.status.rawValue): points returned"
        let command = TransactionCommand(
            partnerID: coupon.partnerID,
            shopID: nil,
            customer: .id(coupon.customerID),
            orderID: reference,
            type: .rewardReturn,
            currency: template.currency,
            points: points,
            description: description,
            reason: "coupon_\(coupon.status.rawValue)"
        )
        let txID = try await SQLLedgerRepository.insertTransaction(
            db,
            command,
            cardID: card.id,
            customerID: coupon.customerID,
            currency: template.currency,
            points: points,
            redeemed: 0,
            shortfall: 0,
            discount: nil,
            originalID: coupon.claimTransactionID,
            now: now
        )
        _ = try await LedgerPosting.post(
            db,
            partnerID: coupon.partnerID,
            cardID: card.id,
            shopID: nil,
            transactionID: txID,
            type: .returned,
            points: points,
            reference: reference,
            description: description,
            now: now,
            allowNegative: true,
            earnedDelta: 0,
            spentDelta: -points
        )
        let moment = LocalMoment(epochMillis: now, timeZone: program.timeZone)
        try await Lots.open(
            db,
            partnerID: coupon.partnerID,
            cardID: card.id,
            transactionID: txID,
            source: "returned",
            points: points,
            maturesAt: nil,
            expiresAt: program.expiry.expiresAt(awardedAt: moment, templateDays: template.pointsExpirationDays),
            now: now
        )
        let refreshed = try await Lots.refreshCard(db, partnerID: coupon.partnerID, cardID: card.id)
        let tx = rewardTransaction(command, id: txID, cardID: card.id, customerID: coupon.customerID, originalID: coupon.claimTransactionID, now: now)
        try await Outbox.append(
            db,
            partnerID: coupon.partnerID,
            type: EventType.transactionCreated,
            data: EventFact.transaction(tx, card: refreshed),
            now: now
        )
        return refreshed.balance
    }

    /// The recorded transaction of a claim or a return, for its outbox fact.
    static func rewardTransaction(
        _ c: TransactionCommand,
        id: Int64,
        cardID: Int64,
        customerID: Int64,
        originalID: Int64?,
        now: Int64
    ) -> ShopTransaction {
        ShopTransaction(
            id: id,
            partnerID: c.partnerID,
            shopID: c.shopID,
            cardID: cardID,
            customerID: customerID,
            type: c.type,
            orderID: c.orderID,
            refundID: nil,
            amountMinor: nil,
            currency: c.currency ?? "EUR",
            pointsAwarded: c.points ?? 0,
            pointsRedeemed: c.pointsRedeemed ?? 0,
            pointsReversed: 0,
            redeemedReturned: 0,
            shortfall: 0,
            discountMinor: nil,
            description: c.description,
            reason: c.reason,
            status: "completed",
            metadataJSON: nil,
            originalTransactionID: originalID,
            createdAt: now
        )
    }

    public func expireDue(limit: Int) async throws -> Int {
        let skipLocked = database.features.forUpdateSkipLocked
        let lock = forUpdate
        let programs = programs
        return try await database.write { db in
            let now = clock.nowMillis()
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: OfferRows.couponColumns) FROM coupons WHERE status IN ('active', 'pending') AND expires_at <= \(bind: now)
                ORDER BY expires_at LIMIT \(literal: limit)\(unsafeRaw: skipLocked)
                """
            ).all()
            var done = 0
            for row in rows {
                let coupon = try OfferRows.coupon(row)
                let offer = try await db.raw(
                    "SELECT \(unsafeRaw: OfferRows.columns) FROM offers WHERE partner_id = \(bind: coupon.partnerID) AND id = \(bind: coupon.offerID)"
                ).first().map(OfferRows.offer).required("the coupon's offer")
                _ = try await Self.close(
                    db,
                    coupon: coupon,
                    offer: offer,
                    to: .expired,
                    returnPoints: offer.returnPointsOnExpiry,
                    reason: nil,
                    now: now,
                    forUpdate: lock,
                    programs: programs
                )
                done += 1
            }
            return done
        }
    }

    public func statistics(partnerID: Int64, customerID: Int64?) async throws -> CouponStatistics {
        let now = clock.nowMillis()
        let soon = now + 7 * 86_400_000
        var condition: SQLQueryString = "partner_id = \(bind: partnerID)"
        if let customerID { condition += " AND customer_id = \(bind: customerID)" }
        let finalCondition = condition
        return try await database.read { db in
            let r = try await db.raw(
                """
                SELECT COUNT(*) AS total,
                  COALESCE(SUM(CASE WHEN status IN ('active', 'pending') AND (expires_at IS NULL OR expires_at > \(bind: now)) THEN 1 ELSE 0 END), 0) AS active,
                  COALESCE(SUM(CASE WHEN status = 'used' THEN 1 ELSE 0 END), 0) AS redeemed,
                  COALESCE(SUM(CASE WHEN status = 'expired' OR (status IN ('active', 'pending') AND expires_at <= \(bind: now)) THEN 1 ELSE 0 END), 0) AS expired,
                  COALESCE(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), 0) AS cancelled,
                  COALESCE(SUM(CASE WHEN status IN ('active', 'pending') AND expires_at > \(bind: now) AND expires_at <= \(bind: soon) THEN 1 ELSE 0 END), 0) AS soon,
                  COALESCE(SUM(points_spent - points_returned), 0) AS spent
                FROM coupons WHERE \(finalCondition)
                """
            ).first().required("a statistics row")
            func n(_ c: String) throws -> Int64 { try r.decode(column: c, as: Int64.self) }
            return CouponStatistics(
                total: try n("total"),
                active: try n("active"),
                redeemed: try n("redeemed"),
                expired: try n("expired"),
                cancelled: try n("cancelled"),
                expiringSoon: try n("soon"),
                pointsSpent: try n("spent")
            )
        }
    }
}

/// Four fresh 80-bit codes all collided: the random source is broken.
struct CouponCodeExhausted: Error {}

/// Reads `prefix + column` from a row (for joined rows whose tables share column names).
struct PrefixedRow: SQLRow {
    let row: any SQLRow
    let prefix: String

    var allColumns: [String] { row.allColumns.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } }
    func contains(column: String) -> Bool { row.contains(column: prefix + column) }
    func decodeNil(column: String) throws -> Bool { try row.decodeNil(column: prefix + column) }
    func decode<D: Decodable>(column: String, as: D.Type) throws -> D { try row.decode(column: prefix + column, as: D.self) }
}

extension SQLCouponRepository {
    /// Redeems the member's coupon `code` inside a purchase's write transaction and
    /// returns the discount it gives on `orderTotalMinor` (``DiscountCalculator``).
    /// Throws when the coupon is not this member's, not open, not valid at the shop or
    /// the purchase is below its minimum; the caller's transaction then writes nothing.
    static func applyToPurchase(
        _ db: any SQLDatabase,
        partnerID: Int64,
        code: String,
        customerID: Int64,
        shopID: Int64?,
        orderID: String,
        orderTotalMinor: Int64,
        now: Int64,
        forUpdate: String
    ) async throws -> AppliedCoupon {
        guard let normalized = CouponCode.normalize(code),
            let row = try await db.raw(
                """
                SELECT \(unsafeRaw: OfferRows.couponColumns) FROM coupons WHERE partner_id = \(bind: partnerID) AND code = \(bind: normalized)\(unsafeRaw: forUpdate)
                """
            ).first()
        else { throw RewardError.couponNotFound }
        let coupon = try OfferRows.coupon(row)
        guard coupon.customerID == customerID else { throw RewardError.couponNotFound }
        let (_, offer) = try await locked(db, partnerID: partnerID, couponID: coupon.id, forUpdate: "")
        let status = coupon.status(at: now)
        switch status {
        case .active: break
        case .pending: guard coupon.pendingShopID == shopID else { throw RewardError.couponPendingElsewhere }
        default: throw refusal(status)
        }
        guard offer.allows(shopID: shopID) else { throw RewardError.couponNotValidAtShop }
        let result = DiscountCalculator.discount(offer: offer, purchaseMinor: orderTotalMinor)
        guard result.canApply else { throw RewardError.belowMinimumPurchase(minimumMinor: offer.minimumPurchaseMinor ?? 0) }
        guard
            let used = try await db.raw(
                """
                UPDATE coupons SET status = 'used', redeemed_at = \(bind: now), redeemed_shop_id = \(bind: shopID), notes = \(bind: "order:" + orderID),
                  pending_shop_id = NULL, updated_at = \(bind: now)
                WHERE partner_id = \(bind: partnerID) AND id = \(bind: coupon.id) AND status = \(bind: coupon.status.rawValue)
                RETURNING \(unsafeRaw: OfferRows.couponColumns)
                """
            ).first().map(OfferRows.coupon)
        else { throw RewardError.couponAlreadyUsed }
        try await Outbox.append(db, partnerID: partnerID, type: EventType.couponRedeemed, data: RewardFacts.coupon(used, shopID: shopID), now: now)
        return AppliedCoupon(
            couponID: used.id,
            code: used.code,
            offerID: offer.id,
            discountMinor: result.discountMinor,
            orderTotalMinor: orderTotalMinor
        )
    }
}
