import LoyaltyCore
import PostgresNIO

/// Decoding PostgreSQL rows by column position for the award fast path. SQLKit's
/// by-name decoding searches the column list for every field; on the ~75-column
/// resolve row that was the largest single cost of an award (17% of server CPU,
/// measured with perf under wrk). Offsets come from the same column lists the SQL is
/// built from, so they cannot drift.
struct PositionalRow {
    let row: PostgresRandomAccessRow

    func i64(_ i: Int) throws -> Int64 { try row[i].decode(Int64.self, context: .default) }
    func optI64(_ i: Int) throws -> Int64? { try row[i].decode(Int64?.self, context: .default) }
    func str(_ i: Int) throws -> String { try row[i].decode(String.self, context: .default) }
    func optStr(_ i: Int) throws -> String? { try row[i].decode(String?.self, context: .default) }
    func bool(_ i: Int) throws -> Bool { try row[i].decode(Bool.self, context: .default) }
}

extension Rows {
    static func columnCount(_ columns: String) -> Int { columns.split(separator: ",").count }

    static func customer(_ p: PositionalRow, offset o: Int) throws -> Customer {
        Customer(
            id: try p.i64(o),
            partnerID: try p.i64(o + 1),
            externalID: try p.optStr(o + 2),
            email: try p.optStr(o + 3),
            phone: try p.optStr(o + 4),
            name: try p.optStr(o + 5),
            createdAt: try p.i64(o + 6),
            updatedAt: try p.i64(o + 7)
        )
    }

    static func template(_ p: PositionalRow, offset o: Int) throws -> CardTemplate {
        CardTemplate(
            id: try p.i64(o),
            partnerID: try p.i64(o + 1),
            titleLT: try p.str(o + 2),
            titleEN: try p.str(o + 3),
            descriptionLT: try p.optStr(o + 4),
            descriptionEN: try p.optStr(o + 5),
            cardType: try p.str(o + 6),
            isActive: try p.bool(o + 7),
            autoAssign: try p.bool(o + 8),
            shopIDs: try p.str(o + 9).split(separator: ",").compactMap { Int64($0) },
            earning: EarningRule(
                enabled: try p.bool(o + 10),
                pointsPerCurrency: try p.i64(o + 11),
                currencyAmountMinor: try p.i64(o + 12),
                roundUp: try p.bool(o + 13),
                pointsPerVisit: try p.i64(o + 14),
                minPointsPerPurchase: try p.i64(o + 15),
                maxPointsPerPurchase: try p.i64(o + 16)
            ),
            redemption: RedemptionRule(
                enabled: try p.bool(o + 17),
                pointsPerCurrency: try p.i64(o + 18),
                currencyAmountMinor: try p.i64(o + 19),
                minPoints: try p.i64(o + 20),
                maxPoints: try p.i64(o + 21)
            ),
            initialBonusPoints: try p.i64(o + 22),
            pointsExpirationDays: try p.i64(o + 23),
            currency: try p.str(o + 24),
            backgroundColor: try p.str(o + 25),
            textColor: try p.str(o + 26),
            code: try p.str(o + 27),
            createdAt: try p.i64(o + 28),
            updatedAt: try p.i64(o + 29)
        )
    }

    static func reservation(_ p: PositionalRow, offset o: Int) throws -> PointsReservation {
        PointsReservation(
            id: try p.i64(o),
            partnerID: try p.i64(o + 1),
            cardID: try p.i64(o + 2),
            customerID: try p.i64(o + 3),
            orderID: try p.str(o + 4),
            points: try p.i64(o + 5),
            status: ReservationStatus(rawValue: try p.str(o + 6)) ?? .released,
            sessionID: try p.optStr(o + 7),
            createdAt: try p.i64(o + 8),
            updatedAt: try p.i64(o + 9)
        )
    }
}

extension SQLLedgerRepository {
    /// Where each part of ``PostgresStatements/ResolveBatch``'s row starts.
    enum ResolveLayout {
        static let customer = 1
        static let card = customer + Rows.columnCount(Rows.customerColumns)
        static let template = card + Rows.columnCount(Rows.cardColumns)
        static let reservation = template + Rows.columnCount(Rows.templateColumns)
        static let shopFound = reservation + Rows.columnCount(Rows.reservationColumns)
        static let programVersion = shopFound + 1
        static let offersVersion = programVersion + 1
    }

    /// ``decodeResolved(_:shopID:)`` for a resolve-batch row, by position; `nil` when
    /// the customer has no card yet.
    static func decodeResolved(_ row: PostgresRandomAccessRow, shopID: Int64?) throws -> Resolved? {
        let p = PositionalRow(row: row)
        guard try p.optI64(ResolveLayout.card) != nil else { return nil }
        let shopFound = try p.optI64(ResolveLayout.shopFound)
        let hold = try p.optI64(ResolveLayout.reservation) == nil ? nil : try Rows.reservation(p, offset: ResolveLayout.reservation)
        return Resolved(
            customer: try Rows.customer(p, offset: ResolveLayout.customer),
            card: try Rows.card(row, offset: ResolveLayout.card),
            template: try Rows.template(p, offset: ResolveLayout.template),
            hold: hold,
            shopKnown: shopID == nil || shopFound != nil,
            programVersion: try p.optI64(ResolveLayout.programVersion),
            offersVersion: try p.optI64(ResolveLayout.offersVersion)
        )
    }
}
