import LoyaltyCore
import Testing

@Suite("Analytics report arithmetic")
struct AnalyticsReportTests {
    /// Whole months plus end days cover every day of the range exactly once.
    @Test func rangePiecesCoverEachDayOnce() {
        var rng = SystemRandomNumberGenerator()
        let base = AnalyticsDay.parse("2024-01-01")!
        for _ in 0..<2_000 {
            let from = base + Int64.random(in: 0...900, using: &rng)
            let to = from + Int64.random(in: -2...500, using: &rng)
            var covered: [Int64] = []
            for piece in AnalyticsReport.pieces(from: from, to: to) {
                if piece.monthly {
                    var m = piece.lo
                    while m <= piece.hi {
                        #expect(AnalyticsInterval.month.bucket(m) == m, "monthly bounds are month starts")
                        let next = AnalyticsInterval.month.bucket(m + 31)
                        covered += Array(m..<next)
                        m = next
                    }
                } else {
                    covered += from <= to ? Array(piece.lo...piece.hi) : []
                }
            }
            #expect(covered.sorted() == (from <= to ? Array(from...to) : []), "\(AnalyticsDay.string(from))..\(AnalyticsDay.string(to))")
        }
    }

    @Test func bucketsAndDates() {
        let d = AnalyticsDay.parse("2026-12-03")!  // a Thursday
        #expect(AnalyticsDay.string(AnalyticsInterval.week.bucket(d)) == "2026-11-30")
        #expect(AnalyticsDay.string(AnalyticsInterval.month.bucket(d)) == "2026-12-01")
        #expect(AnalyticsDay.parse("2026-02-29") == nil && AnalyticsDay.parse("2024-02-29") != nil)
        let series = AnalyticsReport.series([], fromDay: d, toDay: d + 40, interval: .week, membersMetric: AnalyticsMetric.membersNew)
        #expect(series.count == 7 && series.first?.start == AnalyticsInterval.week.bucket(d))
    }

    @Test func flowsFromEntryTypes() {
        let f = PointFlows(byType: [
            "earned": AnalyticsSums(plus: 100, n: 2), "redeemed": AnalyticsSums(minus: -40, n: 1), "returned": AnalyticsSums(plus: 10, n: 1),
            "refund": AnalyticsSums(plus: 5, minus: -20, n: 2), "expired": AnalyticsSums(minus: -7, n: 1),
            "adjusted": AnalyticsSums(plus: 3, minus: -2, n: 2), "transfer": AnalyticsSums(plus: 9, minus: -9, n: 2),
        ])
        #expect(f.issued == 103 && f.redeemed == 25 && f.expired == 7 && f.reversed == 20 && f.adjustedOut == 2)
        #expect(f.net == 100 - 40 + 10 + 5 - 20 - 7 + 3 - 2)
        #expect(f.rate(f.redeemed) == 25.0 / 103.0)
    }
}
