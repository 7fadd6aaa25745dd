import Crypto
import Foundation
import LoyaltyCore

/// The coupon QR payload: `LTC1.{key id}.{code}.{mac}`, where `mac` is the first 12
/// bytes of HMAC-SHA256 over the partner and code, base64url, under the `coupon_qr`
/// key ring (rotated and retired like the card token keys). A till that scans it
/// knows the server issued it; the code inside is what a person would type.
struct CouponQR: Sendable {
    let keys: KeyRing
    static let prefix = "LTC1."

    func payload(for coupon: Coupon) async throws -> String {
        let key = try await keys.current()
        return Self.prefix + "\(key.id).\(coupon.code).\(Self.mac(key.material, partnerID: coupon.partnerID, code: coupon.code))"
    }

    /// The code inside a coupon QR payload sealed for `partnerID`, or nil when `text` is
    /// not one. Throws ``LoyaltyError/qrInvalid(reason:)`` for a forged or foreign payload.
    func code(in text: String, partnerID: Int64) async throws -> String? {
        guard text.hasPrefix(Self.prefix) else { return nil }
        let parts = text.dropFirst(Self.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let keyID = Int64(parts[0]), let code = CouponCode.normalize(String(parts[1])) else {
            throw LoyaltyError.qrInvalid(reason: "format")
        }
        guard let key = try await keys.key(id: keyID) else { throw LoyaltyError.qrInvalid(reason: "unknown_key") }
        let expected = Array(Self.mac(key.material, partnerID: partnerID, code: code).utf8)
        let given = Array(parts[2].utf8)
        // Constant time: a till must not learn the MAC byte by byte.
        guard expected.count == given.count, zip(expected, given).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw LoyaltyError.qrInvalid(reason: "signature")
        }
        return code
    }

    static func mac(_ key: [UInt8], partnerID: Int64, code: String) -> String {
        let tag = HMAC<SHA256>.authenticationCode(for: Array("LTC1|\(partnerID)|\(code)".utf8), using: SymmetricKey(data: key))
        return CardToken.base64url(Array(Array(tag).prefix(12)))
    }
}
