import LoyaltyModels

/// What a refund or cancellation of an earlier purchase takes back and gives back,
/// decided before anything is written. Two steps, in the order the store reads:
/// ``Request`` from the command and the original transaction alone, then the plan from
/// the card (locked), the order's lots and the programme's ``RefundPolicy``.
///
/// Amounts (``Request``): partial refunds are cumulative and exact. After refunds
/// totalling R of an order of A that earned P, exactly `floor(R / A * P)` points have
/// been taken back, never more than P in all, from what the order earned then (not
/// today's rules); the same holds for redeemed points given back. A refund with no
/// amount (or reaching the order's total) takes everything left; a refund naming
/// `points` takes those (capped at what is left) and gives nothing back. An order with
/// nothing left to take or give throws ``LoyaltyError/nothingToRefund``.
///
/// Lots (the plan): points come back first from the order's own lots, pending or not,
/// in lot order. What the customer had spent of them is reclaimed from other lots; what
/// had expired is not taken twice (``lapsed``). Orders posted before lots existed have
/// none: all of it counts as spent. The reclaim is limited by what the card can spend
/// once the order's lots are drawn and the redeemed points are back; beyond that the
/// policy decides: `partialDeduction` records the rest as ``shortfall``,
/// `negativeBalance` takes it as ``debt`` (a negative lot), `refuse` throws
/// ``LoyaltyError/refundRefused(needed:available:)``.
public struct ReversalPlan: Sendable {
    /// What the refund asks for, before the lots are looked at.
    public struct Request: Sendable {
        public let command: TransactionCommand
        public let original: ShopTransaction
        /// Points to take back. The original records all of them as reversed (lapsed and
        /// shortfall included), so none is ever taken twice.
        public let points: Int64
        /// Redeemed points to give back.
        public let returned: Int64
        /// Money this refund adds to the original's refunded amount (minor units).
        public let refundedMinor: Int64

        public init(command c: TransactionCommand, original: ShopTransaction) throws(LoyaltyError) {
            let remainingPoints = original.pointsAwarded - original.pointsReversed
            let remainingRedeemed = original.pointsRedeemed - original.redeemedReturned
            if remainingPoints <= 0 && remainingRedeemed <= 0 && (original.pointsAwarded > 0 || original.pointsRedeemed > 0) {
                throw .nothingToRefund
            }
            var wantPoints = remainingPoints
            var wantReturn = remainingRedeemed
            var refunded = max(0, (original.amountMinor ?? 0) - original.amountRefunded)
            if let explicit = c.points {
                wantPoints = explicit
                wantReturn = 0
                refunded = min(refunded, c.orderTotalMinor ?? 0)
            } else if let refund = c.orderTotalMinor, let amount = original.amountMinor, original.amountRefunded + refund < amount {
                // Cumulative: the proportion of everything refunded so far, less what earlier refunds took.
                let total = original.amountRefunded + refund
                func share(_ of: Int64) -> Int64 { RefundMath.proportionalPoints(refundMinor: total, originalMinor: amount, originalPoints: of) }
                wantPoints = share(original.pointsAwarded) - original.pointsReversed
                wantReturn = share(original.pointsRedeemed) - original.redeemedReturned
                refunded = refund
            }
            command = c
            self.original = original
            points = min(max(0, wantPoints), remainingPoints)
            returned = min(max(0, wantReturn), remainingRedeemed)
            refundedMinor = refunded
        }

        /// The shop recorded on the refund: the command's, else the purchase's.
        public var shopID: Int64? { command.shopID ?? original.shopID }

        /// Change to the card's lifetime spend: a refunded purchase spent less; an award spent nothing.
        public var spendDeltaMinor: Int64 { original.type == .purchase ? -refundedMinor : 0 }
    }

    public let request: Request
    /// Points taken from the order's own lots, per lot (`remaining -= take`, `reversed += take`).
    public let fromOrderLots: [(id: Int64, take: Int64)]
    /// Their sum.
    public let takenFromOrder: Int64
    /// Spent points reclaimed from the card's other lots (earliest expiry first).
    public let reclaimed: Int64
    /// Spent points taken beyond the balance (`negativeBalance`): a debt lot of `-debt`.
    public let debt: Int64
    /// Spent points not taken (`partialDeduction`).
    public let shortfall: Int64
    /// Points that had expired from the order's lots: not taken again.
    public let lapsed: Int64
    /// The order's lots whose spent points now count as reversed (`reversed += take`): the reclaim and the debt.
    public let reversedMarks: [(id: Int64, take: Int64)]

    /// - Parameters:
    ///   - orderLots: the lots the original transaction opened, in lot order.
    ///   - card: the card as of the lock (balance, pending, reserved).
    public init(request: Request, orderLots: [LotState], card: LoyaltyCard, policy: RefundPolicy) throws(LoyaltyError) {
        var fromOrder: [(id: Int64, take: Int64)] = []
        var left = request.points
        var pendingTaken: Int64 = 0
        for lot in orderLots where lot.remaining > 0 && left > 0 {
            let take = min(lot.remaining, left)
            fromOrder.append((lot.id, take))
            if lot.maturesAt != nil { pendingTaken += take }
            left -= take
        }
        let takenFromOrder = request.points - left
        let spent = orderLots.reduce(Int64(0)) { $0 + max(0, $1.spent) }
        let reclaim = orderLots.isEmpty ? left : min(left, spent)
        // What the card can spend once the order's lots are drawn and the redeemed points are back.
        let capacity = max(0, (card.balance - takenFromOrder) - (card.pending - pendingTaken) - card.reserved + request.returned)
        var debt: Int64 = 0
        var shortfall: Int64 = 0
        if reclaim > capacity {
            switch policy {
            case .partialDeduction: shortfall = reclaim - capacity
            case .negativeBalance: debt = reclaim - capacity
            case .refuse: throw .refundRefused(needed: reclaim, available: capacity)
            }
        }
        let reclaimed = min(reclaim, capacity)
        var marks: [(id: Int64, take: Int64)] = []
        var toMark = reclaimed + debt
        for lot in orderLots where toMark > 0 && lot.spent > 0 {
            let m = min(lot.spent, toMark)
            marks.append((lot.id, m))
            toMark -= m
        }
        self.request = request
        fromOrderLots = fromOrder
        self.takenFromOrder = takenFromOrder
        self.reclaimed = reclaimed
        self.debt = debt
        self.shortfall = shortfall
        lapsed = left - reclaim
        reversedMarks = marks
    }

    /// Both steps at once (the store runs them apart, reading in between).
    public init(
        command: TransactionCommand,
        original: ShopTransaction,
        orderLots: [LotState],
        card: LoyaltyCard,
        policy: RefundPolicy
    ) throws(LoyaltyError) {
        try self.init(request: try Request(command: command, original: original), orderLots: orderLots, card: card, policy: policy)
    }

    /// Throws ``LoyaltyError/originalTransactionNotFound(orderID:)`` unless the customer the
    /// command names (if any) is the one who made the purchase: a refund cannot reach
    /// another customer's order by its order id.
    public static func requireSameCustomer(_ c: TransactionCommand, original: ShopTransaction, customer: Customer) throws(LoyaltyError) {
        switch c.customer {
        case let .id(id) where id != customer.id: throw .originalTransactionNotFound(orderID: c.orderID)
        case let .email(email) where email.lowercased() != customer.email: throw .originalTransactionNotFound(orderID: c.orderID)
        case let .card(id) where id != original.cardID: throw .originalTransactionNotFound(orderID: c.orderID)
        default: break
        }
    }

    /// Points the refund's ledger entry takes from the card (0: no entry).
    public var deducted: Int64 { takenFromOrder + reclaimed + debt }

    /// The refund's ledger entry details: where the points came from.
    public var details: JSON {
        .object([
            ("from_order_lots", .int(takenFromOrder)), ("reclaimed", .int(reclaimed)), ("debt", .int(debt)), ("lapsed", .int(lapsed)),
            ("shortfall", .int(shortfall)),
        ])
    }

    /// The refund transaction as recorded and reported, once the store has its id. A
    /// refund row keeps the points it took in `pointsAwarded` and the redeemed points it
    /// gave back in `pointsRedeemed` (the transaction API's meaning).
    public func transaction(id: Int64, at now: Int64) -> ShopTransaction {
        let c = request.command
        let original = request.original
        var tx = ShopTransaction(
            id: id,
            partnerID: c.partnerID,
            shopID: request.shopID,
            cardID: original.cardID,
            customerID: original.customerID,
            type: c.type,
            orderID: c.orderID,
            refundID: c.refundID,
            amountMinor: c.orderTotalMinor,
            currency: original.currency,
            pointsAwarded: deducted,
            pointsRedeemed: request.returned,
            pointsReversed: 0,
            redeemedReturned: 0,
            shortfall: shortfall,
            discountMinor: nil,
            description: c.description,
            reason: c.reason,
            status: "completed",
            metadataJSON: c.metadataJSON,
            originalTransactionID: original.id,
            createdAt: now
        )
        tx.lapsed = lapsed
        return tx
    }
}
