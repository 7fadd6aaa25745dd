import HTTPTypes

/// Header names of the wire, validated once instead of on every request.
enum HeaderName {
    static let apiKey = HTTPField.Name("X-API-Key")!
    static let apiSecret = HTTPField.Name("X-API-Secret")!
    static let shopID = HTTPField.Name("Shop-ID")!
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let qrVersion = HTTPField.Name("X-QR-Version")!
    static let qrMask = HTTPField.Name("X-QR-Mask")!
    static let qrErrorCorrection = HTTPField.Name("X-QR-Error-Correction")!
}
