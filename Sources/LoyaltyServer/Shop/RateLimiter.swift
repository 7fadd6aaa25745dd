import Foundation
import Synchronization

/// A token bucket per credential: `perMinute` requests, refilled continuously.
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

    let perMinute: Int
    private let buckets = Mutex<[Int64: (tokens: Double, updated: Double)]>([:])

    init(perMinute: Int) { self.perMinute = perMinute }

    var enabled: Bool { perMinute > 0 }

    func take(_ id: Int64, now: Double = Date().timeIntervalSince1970) -> Decision {
        let capacity = Double(perMinute)
        let rate = capacity / 60
        return buckets.withLock { b in
            var bucket = b[id] ?? (capacity, now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            b[id] = bucket
            let reset = Int((now + (capacity - bucket.tokens) / rate).rounded(.up))
            let retry = allowed ? 0 : max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            return Decision(allowed: allowed, limit: perMinute, remaining: max(0, Int(bucket.tokens)), resetAt: reset, retryAfter: retry)
        }
    }
}
