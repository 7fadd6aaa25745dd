import Crypto
import Foundation
import LoyaltyModels

/// Names the public events a published outbox fact stands for, without storing them.
///
/// A fact numbered `seq` expands into at most ``perFact`` events; event `sub` of it
/// has the feed cursor `seq * perFact + sub` and an id derived from the database's
/// random salt, the fact and the position (SHA-256, laid out as a version-8 UUID). The
/// feed and every webhook delivery of an event therefore carry the same id, and ids do
/// not repeat across databases.
enum EventIdentity {
    static let perFact: Int64 = 8

    static func cursor(seq: Int64, sub: Int) -> Int64 { seq * perFact + Int64(sub) }

    static func split(_ cursor: Int64) -> (seq: Int64, sub: Int) { (cursor / perFact, Int(cursor % perFact)) }

    static func id(salt: String, seq: Int64, sub: Int) -> String {
        var b = Array(SHA256.hash(data: Array("\(salt):\(seq):\(sub)".utf8)).prefix(16))
        b[6] = (b[6] & 0x0f) | 0x80
        b[8] = (b[8] & 0x3f) | 0x80
        let hex = Hex.encode(b)
        let h = Array(hex)
        return "\(String(h[0..<8]))-\(String(h[8..<12]))-\(String(h[12..<16]))-\(String(h[16..<20]))-\(String(h[20..<32]))"
    }
}
