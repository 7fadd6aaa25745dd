import LoyaltyModels

/// What a purchase or point award does to a card, decided before anything is written.
///
/// Contract, given the card (locked and matured when it has pending points), its
/// template, the programme, the order's open hold and the earning result:
/// - **Redeem first**: the customer cannot spend what this order earns. The points
///   redeemed are the command's `pointsRedeemed`, else the open hold's points, else 0.
///   A positive redemption the template's ``RedemptionRule`` forbids throws
///   ``LoyaltyError/redemptionNotAllowed(_:)`` from `init`. Whether the card covers it is
///   decided by the store's conditional update (concurrent postings race there); when
///   it does not, the store throws ``insufficientPoints``.
/// - **Discount**: the command's, else what the redeemed points buy; `nil` when nothing
///   is redeemed and none was given.
/// - **Hold**: an open hold for the order is consumed whatever is redeemed, and its
///   points leave the card's `reserved`.
/// - **Earn**: `earning.points`; a positive amount opens one ``Lot`` (a `bonus` entry for
///   a bonus award, `earned` otherwise). Purchase points wait `pendingDays`; expiry
///   counts from maturity (``ProgramConfig/lotDates(at:templateDays:purchase:)``).
///   Zero points open no lot.
/// - **Spend**: a purchase adds its order total (never below 0) to the card's lifetime
///   spend; an award adds nothing.
public struct PurchasePlan: Sendable {
    /// The lot a positive earning opens.
    public struct Lot: Sendable, Hashable {
        /// The ledger entry's type, which is also the lot's source.
        public var entryType: LedgerEntryType
        public var points: Int64
        /// `nil`: spendable at once.
        public var maturesAt: Int64?
        /// `nil`: never expires.
        public var expiresAt: Int64?

        public init(entryType: LedgerEntryType, points: Int64, maturesAt: Int64?, expiresAt: Int64?) {
            self.entryType = entryType
            self.points = points
            self.maturesAt = maturesAt
            self.expiresAt = expiresAt
        }

        /// Still in its return window: in the balance, not spendable.
        public var isPending: Bool { maturesAt != nil }
    }

    public let command: TransactionCommand
    public let cardID: Int64
    public let earning: EarningEngine.Result
    /// The command's currency, else the template's.
    public let currency: String
    /// Points to redeem (0: none).
    public let redeem: Int64
    public let discountMinor: Int64?
    /// Points of the open hold to take out of `reserved` (0: no hold).
    public let releaseHold: Int64
    /// The open hold to mark consumed.
    public let consumedHoldID: Int64?
    /// The lot to open; `nil` when nothing is earned.
    public let lot: Lot?
    /// Money to add to the card's lifetime spend (minor units).
    public let spendMinor: Int64
    /// The earning lines as stored on the transaction and its ledger entry; `nil` when there are none.
    public let rulesAppliedJSON: String?
    /// What to throw when the card cannot cover ``redeem`` (its hold counts as spendable).
    public let insufficientPoints: LoyaltyError

    /// Points earned (may be 0).
    public var earned: Int64 { earning.points }

    /// - Parameter card: the card as of the lock (its tier, pending and reserved points).
    public init(
        command c: TransactionCommand,
        card: LoyaltyCard,
        template: CardTemplate,
        program: ProgramConfig,
        hold: PointsReservation?,
        at moment: LocalMoment,
        earning: EarningEngine.Result
    ) throws(LoyaltyError) {
        // An open hold for this order is what the customer meant to spend, unless the call says otherwise.
        let redeem = c.pointsRedeemed ?? hold?.points ?? 0
        if redeem > 0, let violation = template.redemption.violation(forPoints: redeem) {
            throw .redemptionNotAllowed(violation)
        }
        let release = hold?.points ?? 0
        command = c
        cardID = card.id
        self.earning = earning
        currency = c.currency ?? template.currency
        self.redeem = redeem
        discountMinor = c.discountMinor ?? (redeem > 0 ? template.redemption.discountMinor(forPoints: redeem) : nil)
        releaseHold = release
        consumedHoldID = hold?.id
        spendMinor = c.type == .purchase ? max(0, c.orderTotalMinor ?? 0) : 0
        rulesAppliedJSON = Self.linesJSON(earning)
        insufficientPoints = .insufficientPoints(available: card.available + release, requested: redeem)
        if earning.points > 0 {
            let dates = program.lotDates(at: moment, templateDays: template.pointsExpirationDays, purchase: c.type == .purchase)
            lot = Lot(entryType: c.type == .bonus ? .bonus : .earned, points: earning.points, maturesAt: dates.maturesAt, expiresAt: dates.expiresAt)
        } else {
            lot = nil
        }
    }

    /// The checks before anything is read for the purchase: the named shop is the
    /// partner's (``LoyaltyError/shopNotFound``) and the card may earn and redeem now
    /// (``LoyaltyError/cardInactive``, ``LoyaltyError/cardExpired``).
    public static func admit(shopKnown: Bool, card: LoyaltyCard, at now: Int64) throws {
        guard shopKnown else { throw LoyaltyError.shopNotFound }
        try card.requireUsable(at: now)
    }

    /// The points a purchase or award earns and why: explicit points are one `manual`
    /// line (none for 0); otherwise ``EarningEngine`` on the template's rule, the
    /// programme and the card's tier in force at `moment`, then the running earning
    /// `offers` (``EarningOffers``) for a purchase.
    public static func earning(
        for c: TransactionCommand,
        template: CardTemplate,
        program: ProgramConfig,
        card: LoyaltyCard,
        at moment: LocalMoment,
        offers: [Offer] = []
    ) -> EarningEngine.Result {
        if let explicit = c.points {
            let line = EarningEngine.Line(rule: "manual", name: c.reason ?? "Manual award", points: explicit)
            return EarningEngine.Result(points: explicit, lines: explicit > 0 ? [line] : [])
        }
        let tier = TierDecision.effectiveName(program.tiers, card.tierState, now: moment.epochMillis)
        let result = EarningEngine.compute(
            base: template.earning,
            program: program,
            orderTotalMinor: c.orderTotalMinor ?? 0,
            items: c.cartItems,
            tier: tier,
            at: moment
        )
        guard !offers.isEmpty, c.type == .purchase else { return result }
        return EarningOffers.apply(
            result,
            offers: offers,
            rule: template.earning,
            orderTotalMinor: c.orderTotalMinor ?? 0,
            shopID: c.shopID,
            tier: tier,
            at: moment.epochMillis
        )
    }

    /// `[{"rule", "name", "points"}, ...]`, or `nil` for no lines.
    public static func linesJSON(_ r: EarningEngine.Result) -> String? {
        guard !r.lines.isEmpty else { return nil }
        return JSON.array(r.lines.map { .object([("rule", .string($0.rule)), ("name", .string($0.name)), ("points", .int($0.points))]) })
            .serializedString()
    }

    /// The transaction as recorded and reported, once the store has its id.
    public func transaction(id: Int64, customerID: Int64, at now: Int64) -> ShopTransaction {
        var tx = ShopTransaction(
            id: id,
            partnerID: command.partnerID,
            shopID: command.shopID,
            cardID: cardID,
            customerID: customerID,
            type: command.type,
            orderID: command.orderID,
            refundID: nil,
            amountMinor: command.orderTotalMinor,
            currency: currency,
            pointsAwarded: earned,
            pointsRedeemed: redeem,
            pointsReversed: 0,
            redeemedReturned: 0,
            shortfall: 0,
            discountMinor: discountMinor,
            description: command.description,
            reason: command.reason,
            status: "completed",
            metadataJSON: command.metadataJSON,
            originalTransactionID: nil,
            createdAt: now
        )
        tx.rulesAppliedJSON = rulesAppliedJSON
        return tx
    }
}
