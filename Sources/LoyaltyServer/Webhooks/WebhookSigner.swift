import Crypto
import LoyaltyModels

/// Signs delivery bodies with an endpoint's secret (the UTF-8 bytes of the secret
/// string are the HMAC key, as Node's `crypto.createHmac('sha256', secret)` uses it).
///
/// - `X-Loyalty-Signature: sha256=<hex>`: HMAC-SHA256 of the raw body, the real
///   platform's header, checked by the seed FAQ's `verifyWebhook`.
/// - `X-Loyalty-Timestamped-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 of
///   `"<t>.<body>"`, so a receiver can also refuse a replayed old delivery.
enum WebhookSigner {
    static let signatureHeader = "X-Loyalty-Signature"
    static let timestampedHeader = "X-Loyalty-Timestamped-Signature"

    static func signature(body: [UInt8], secret: String) -> String {
        "sha256=" + Hex.encode(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8))))
    }

    static func timestamped(body: [UInt8], secret: String, unixSeconds: Int64) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
        hmac.update(data: Array("\(unixSeconds).".utf8))
        hmac.update(data: body)
        return "t=\(unixSeconds),v1=" + Hex.encode(hmac.finalize())
    }
}
