import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import SQLKit
import Testing

/// SplitMix64: a tiny seeded generator, so a failing sequence is replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Property: whatever sequence of awards, purchases, redemptions, partial and full
/// refunds, transfers, adjustments, activities, maturity and expiry sweeps runs, every
/// card keeps balance == sum(ledger entries) == sum(lots' remaining), pending == the
/// maturing lots, `balance_after` is a running sum, and no call fails with a 5xx.
/// Sequences come from fixed seeds (printed on failure), different on each backend.
@Suite("Ledger properties under random operation sequences", .databases)
struct LedgerPropertyTests {
    static let policies = ["partial_deduction", "negative_balance", "refuse"]

    @Test(arguments: Backend.allCases)
    func randomSequencesKeepEveryInvariant(_ backend: Backend) async throws {
        let seeds: [UInt64] = backend == .sqlite ? [1, 2, 3] : [11, 12]
        for seed in seeds {
            try await TestApp.with(backend) { app in
                var rng = SeededGenerator(state: seed)
                let policy = Self.policies[Int(seed % 3)]
                try await app.setProgram(
                    #"{"pending_days": 1, "expiry": {"policy": "days", "days": 4}, "refund_when_spent": "\#(policy)", "allow_negative_balance": \#(seed % 2 == 0), "activities": [{"key": "review", "points": 5}], "tiers": {"levels": [{"name": "Bronze", "threshold": 0}, {"name": "Silver", "threshold": 300, "multiplier": 1.5}], "downgrade": {"mode": "evaluation", "period_days": 1, "grace_days": 1}}}"#
                )
                var users: [Int64] = []
                for i in 0..<4 { users.append(try await app.customer("prop\(i)@example.com")) }
                var orders: [(id: String, user: Int64)] = []
                var clock = SystemWallClock().nowMillis()
                var log: [String] = []
                var created = 0
                for step in 0..<120 {
                    let user = users[Int.random(in: 0..<users.count, using: &rng)]
                    let other = users[Int.random(in: 0..<users.count, using: &rng)]
                    var reply: TestApp.Reply?
                    switch Int.random(in: 0..<10, using: &rng) {
                    case 0, 1:
                        let order = "O\(step)"
                        let amount = Double(Int.random(in: 0...20_000, using: &rng)) / 100
                        let redeem = Bool.random(using: &rng) ? Int.random(in: 1...60, using: &rng) : 0
                        reply = try await app.post(
                            "/en/shop/transactions/create",
                            #"{"order_id":"\#(order)","user_id":\#(user),"order_total":\#(amount),"points_redeemed":\#(redeem)}"#
                        )
                        if reply?.status == .created { orders.append((order, user)) }
                        log.append("purchase \(order) \(amount) redeem \(redeem) -> \(reply!.status.code)")
                    case 2:
                        let points = Int.random(in: 1...80, using: &rng)
                        reply = try await app.post(
                            "/en/shop/transactions/create",
                            #"{"order_id":"R\#(step)","user_id":\#(user),"order_total":0,"points_redeemed":\#(points)}"#
                        )
                        log.append("redeem \(points) -> \(reply!.status.code)")
                    case 3 where !orders.isEmpty:
                        let o = orders[Int.random(in: 0..<orders.count, using: &rng)]
                        if Bool.random(using: &rng) {
                            let amount = Double(Int.random(in: 1...10_000, using: &rng)) / 100
                            reply = try await app.post(
                                "/en/shop/points/deduct",
                                #"{"customer_id":\#(o.user),"order_id":"\#(o.id)","refund_id":"f\#(step)","refund_amount":\#(amount)}"#
                            )
                            log.append("partial refund \(o.id) \(amount) -> \(reply!.status.code)")
                        } else {
                            reply = try await app.post(
                                "/en/shop/transactions/create",
                                #"{"order_id":"\#(o.id)","user_id":\#(o.user),"type":"refund"}"#
                            )
                            log.append("refund \(o.id) -> \(reply!.status.code)")
                        }
                    case 4:
                        let points = Int.random(in: 1...60, using: &rng)
                        reply = try await app.post(
                            "/en/shop/points/transfer",
                            #"{"from_customer_id":\#(user),"to_customer_id":\#(other),"points":\#(points),"reason":"p"}"#
                        )
                        log.append("transfer \(points) -> \(reply!.status.code)")
                    case 5:
                        var points = Int.random(in: -40...40, using: &rng)
                        if points == 0 { points = 1 }
                        reply = try await app.post("/en/shop/points/adjust", #"{"customer_id":\#(user),"points":\#(points),"reason":"p"}"#)
                        log.append("adjust \(points) -> \(reply!.status.code)")
                    case 6:
                        let points = Int.random(in: 1...100, using: &rng)
                        reply = try await app.post("/en/shop/points/award", #"{"customer_id":\#(user),"points":\#(points)}"#)
                        log.append("award \(points) -> \(reply!.status.code)")
                    case 7:
                        clock += Int64.random(in: 0...(3 * day), using: &rng)
                        let matured = try await app.services.sweeper.mature(now: clock)
                        let expired = try await app.services.sweeper.expire(now: clock)
                        _ = try await app.services.sweeper.tiers(now: clock)
                        log.append("sweep +\(clock) matured \(matured) expired \(expired.points)")
                    default:
                        reply = try await app.post("/en/shop/activities", #"{"customer_id":\#(user),"activity":"review"}"#)
                        log.append("review -> \(reply!.status.code)")
                    }
                    if let reply {
                        if reply.status == .created { created += 1 }
                        #expect(
                            reply.status.code < 500,
                            "seed \(seed) step \(step): \(reply.json.serializedString())\n\(log.suffix(5).joined(separator: "\n"))"
                        )
                    }
                    if step % 20 == 19 {
                        let violations = try await app.services.ledger.invariantViolations(partnerID: nil)
                        #expect(violations.isEmpty, "seed \(seed) step \(step) policy \(policy): \(violations)\n\(log.joined(separator: "\n"))")
                        if !violations.isEmpty { return }
                    }
                }
                // The sequence must exercise the ledger, not bounce off validation.
                #expect(created >= 45, "seed \(seed): only \(created) operations succeeded\n\(log.joined(separator: "\n"))")
                print(
                    "property seed \(seed) \(backend): \(created) of 120 operations wrote; \(log.filter { $0.hasPrefix("sweep") && !$0.hasSuffix("expired 0") }.count) sweeps expired points; \(log.filter { $0.contains("refund") && $0.hasSuffix("201") }.count) refunds"
                )
                for user in users {
                    let p = try await app.points(user)
                    let total = p.int("data", "points") ?? -1
                    let parts =
                        (p.int("data", "available_points") ?? 0) + (p.int("data", "pending_points") ?? 0) + (p.int("data", "reserved_points") ?? 0)
                    #expect(total == parts, "seed \(seed): points \(total) != available + pending + reserved \(parts)")
                }
                try await app.expectLedgerConsistent()
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentRedemptionsAndRefundsOnOneCard(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("contended@example.com")
            for i in 0..<20 {
                try await app.post("/en/shop/transactions/create", #"{"order_id":"BUY-\#(i)","user_id":\#(user),"order_total":50.00}"#)
            }
            #expect(try await app.balance(user) == 1000)
            // 30 clients spend 40 points each while 20 refund the 20 purchases (50 points each).
            let results = try await concurrently(50) { i -> (Bool, HTTPResponse.Status) in
                if i < 30 {
                    return (
                        true,
                        try await app.post(
                            "/en/shop/transactions/create",
                            #"{"order_id":"SPEND-\#(i)","user_id":\#(user),"order_total":0,"points_redeemed":40}"#
                        ).status
                    )
                }
                return (
                    false,
                    try await app.post("/en/shop/transactions/create", #"{"order_id":"BUY-\#(i - 30)","user_id":\#(user),"type":"refund"}"#).status
                )
            }
            #expect(results.allSatisfy { [.created, .badRequest].contains($0.1) }, "\(results.map(\.1.code))")
            let spent = results.filter { $0.0 && $0.1 == .created }.count
            #expect(results.filter { !$0.0 }.allSatisfy { $0.1 == .created }, "every refund is recorded (with a shortfall when spent)")
            let balance = try await app.balance(user)
            #expect(balance >= 0, "never overspent")
            let shortfall = Int64(
                try await app.column("SELECT shortfall FROM transactions WHERE type = 'refund'", "shortfall").compactMap { Int64($0) }.reduce(0, +)
            )
            // Every point is accounted for: 1000 earned, spends taken, refunds took the rest less their shortfall.
            #expect(balance == 1000 - Int64(spent) * 40 - (1000 - shortfall))
            try await app.expectLedgerConsistent()
        }
    }
}

@Suite("The invariant check itself", .databases)
struct InvariantCheckTests {
    /// The checks above are only worth something if a broken card is reported.
    @Test(arguments: Backend.allCases)
    func corruptionIsReported(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let user = try await app.customer("corrupt@example.com")
            try await app.post("/en/shop/transactions/create", #"{"order_id":"C-1","user_id":\#(user),"order_total":40.00}"#)
            #expect(try await app.services.ledger.invariantViolations(partnerID: nil).isEmpty)
            try await app.services.database.write { db in try await db.raw("UPDATE point_lots SET remaining = remaining - 1").run() }
            #expect(try await app.services.ledger.invariantViolations(partnerID: nil).map(\.kind) == ["lots"])
            try await app.services.database.write { db in try await db.raw("UPDATE point_lots SET remaining = remaining + 1, matures_at = 1").run() }
            #expect(try await app.services.ledger.invariantViolations(partnerID: nil).map(\.kind) == ["pending"])
            try await app.services.database.write { db in try await db.raw("UPDATE loyalty_cards SET pending = balance").run() }
            try await app.services.database.write { db in try await db.raw("UPDATE point_lots SET expired = 5").run() }
            #expect(try await app.services.ledger.invariantViolations(partnerID: nil).map(\.kind) == ["lot"])
        }
    }
}
