import Foundation
import LoyaltyCore
import Synchronization

/// A token bucket per key: `limit` requests per `windowSeconds`, refilled continuously.
///
/// Buckets live in the node's memory. With N nodes behind a load balancer, configure
/// each with limit / N (documented in README); a shared PostgreSQL bucket would cost a
/// write on every request.
final class RateLimiter: Sendable {
    struct Decision {
        var allowed: Bool
        var limit: Int
        var remaining: Int
        /// Unix seconds when the bucket is full again.
        var resetAt: Int
        /// Seconds until one request is allowed (when refused).
        var retryAfter: Int
    }

    let limit: Int
    let windowSeconds: Double
    private let buckets = Mutex<[Int64: (tokens: Double, updated: Double)]>([:])

    init(limit: Int, windowSeconds: Double) {
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    convenience init(perMinute: Int) { self.init(limit: perMinute, windowSeconds: 60) }

    var enabled: Bool { limit > 0 }

    func take(_ id: Int64, now: Double = Date().timeIntervalSince1970) -> Decision {
        let capacity = Double(limit)
        let rate = capacity / windowSeconds
        return buckets.withLock { b in
            if b.count > 200_000 { b.removeAll() }
            var bucket = b[id] ?? (capacity, now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            b[id] = bucket
            let reset = Int((now + (capacity - bucket.tokens) / rate).rounded(.up))
            let retry = allowed ? 0 : max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            return Decision(allowed: allowed, limit: limit, remaining: max(0, Int(bucket.tokens)), resetAt: reset, retryAfter: retry)
        }
    }
}

/// The limits of each API family and whose bucket a request draws from:
/// - Shop API: per API credential (`LOYALTY_RATE_LIMIT_SHOP` per minute; the real
///   platform's newest figure is 300/min per key);
/// - Partner API: per partner, whether the caller is one of its users or its API
///   credentials (`LOYALTY_RATE_LIMIT_PARTNER` per hour; the seed FAQ's 5,000/h);
///   operators each have their own bucket;
/// - member routes (customer tokens): per customer (`LOYALTY_RATE_LIMIT_MEMBER` per minute).
struct RateLimits: Sendable {
    enum Family: Sendable { case shop, partner }

    let shop: RateLimiter
    let partner: RateLimiter
    let member: RateLimiter

    /// The limiter and bucket for `principal` on a route of `family`.
    func bucket(for principal: Principal, family: Family) -> (RateLimiter, Int64) {
        switch principal.kind {
        case .customer: return (member, principal.rateLimitBucket)
        case .partnerUser:
            if principal.user?.isOperator == true { return (partner, principal.rateLimitBucket) }
            return (partner, principal.partnerID)
        case .credential, .anonymous:
            return family == .partner ? (partner, principal.partnerID) : (shop, principal.rateLimitBucket)
        }
    }
}
