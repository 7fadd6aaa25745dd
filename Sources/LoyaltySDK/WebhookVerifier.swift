import Crypto
import Foundation
import LoyaltyModels

/// Checks that a webhook delivery came from the platform, for a shop's Swift receiver.
///
/// Two headers sign every delivery with the endpoint's secret (its UTF-8 bytes are the
/// HMAC-SHA256 key):
/// - `X-Loyalty-Signature: sha256=<hex>` over the raw body (the Loyalty.lt header);
/// - `X-Loyalty-Timestamped-Signature: t=<unix seconds>,v1=<hex>` over `"<t>.<body>"`.
///
/// ``verify(body:timestampedSignature:now:)`` is the one to use: it also refuses a
/// delivery signed longer ago than ``tolerance`` (a replay). ``verify(body:signature:)``
/// checks the body-only header, for code ported from the real platform. Comparisons
/// are constant-time. Verify the raw bytes received, before any JSON parsing.
///
/// ```swift
/// let verifier = WebhookVerifier(secret: "whsec_...")
/// try verifier.verify(body: requestBody, timestampedSignature: request.headers["X-Loyalty-Timestamped-Signature"])
/// ```
public struct WebhookVerifier: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        /// The header is absent or not in the documented form.
        case malformedHeader
        /// No signature in the header matches the body.
        case signatureMismatch
        /// Signed longer ago (or further ahead) than the tolerance allows.
        case timestampOutOfTolerance
    }

    public static let signatureHeader = "X-Loyalty-Signature"
    public static let timestampedSignatureHeader = "X-Loyalty-Timestamped-Signature"

    private let key: SymmetricKey
    /// How far a timestamp may be from `now`, in seconds (default five minutes).
    public let tolerance: TimeInterval

    public init(secret: String, tolerance: TimeInterval = 300) {
        self.key = SymmetricKey(data: Array(secret.utf8))
        self.tolerance = tolerance
    }

    /// Checks `X-Loyalty-Signature` (`sha256=<hex>`).
    public func verify(body: some DataProtocol, signature header: String?) throws(Failure) {
        guard let header, header.hasPrefix("sha256="), let mac = Self.bytes(hex: header.dropFirst(7)) else { throw .malformedHeader }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array(body), using: key) else { throw .signatureMismatch }
    }

    /// Checks `X-Loyalty-Timestamped-Signature` (`t=<unix>,v1=<hex>[,v1=<hex>...]`):
    /// some `v1` must match and `t` must be within ``tolerance`` of `now`.
    public func verify(body: some DataProtocol, timestampedSignature header: String?, now: Date = Date()) throws(Failure) {
        guard let header else { throw .malformedHeader }
        var timestamp: Int64?
        var macs: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { throw .malformedHeader }
            let value = kv[1].trimmingCharacters(in: .whitespaces)
            switch kv[0].trimmingCharacters(in: .whitespaces) {
            case "t": timestamp = Int64(value)
            case "v1": if let mac = Self.bytes(hex: Substring(value)) { macs.append(mac) }
            default: continue
            }
        }
        guard let timestamp, !macs.isEmpty else { throw .malformedHeader }
        var signed = Array("\(timestamp).".utf8)
        signed.append(contentsOf: body)
        guard macs.contains(where: { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: key) }) else {
            throw .signatureMismatch
        }
        guard abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance else { throw .timestampOutOfTolerance }
    }

    /// Lower- or upper-case hex of a 32-byte MAC; `nil` otherwise.
    static func bytes(hex: Substring) -> [UInt8]? {
        guard hex.utf8.count == 64 else { return nil }
        return Hex.decode(hex)
    }
}
