import Crypto
import Foundation

/// The dynamic card QR payload: `LT1.` + base64url(kid | nonce | ciphertext | tag).
///
/// The plaintext (card id, partner id, issue and expiry times) is sealed with
/// ChaCha20-Poly1305; the `LT1` prefix and the key id are authenticated as associated
/// data, so neither can be swapped. Flipping any bit makes ``open(_:key:)`` fail.
/// 54 bytes, 76 characters: a version 4 symbol at level M.
struct CardToken: Equatable {
    var cardID: Int64
    var partnerID: Int64
    /// Unix seconds.
    var issuedAt: UInt32
    var expiresAt: UInt32

    static let prefix = "LT1."

    enum Failure: Error, Equatable {
        /// Not a card token at all, or truncated.
        case format
        /// Sealed with a key this server does not hold (retired or foreign).
        case unknownKey
        /// Altered, or sealed with another key of the same id.
        case authentication
    }

    /// Seals the claims with `key` (32 bytes).
    func seal(keyID: UInt32, key: [UInt8]) throws -> String {
        var plain: [UInt8] = []
        plain += Self.bytes(UInt64(bitPattern: cardID))
        plain += Self.bytes(UInt64(bitPattern: partnerID))
        plain += Self.bytes(issuedAt)
        plain += Self.bytes(expiresAt)
        let header = Self.header(keyID)
        let box = try ChaChaPoly.seal(plain, using: SymmetricKey(data: key), authenticating: header)
        let body = Self.bytes(keyID) + Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
        return Self.prefix + Self.base64url(body)
    }

    /// The key id a token names, without opening it.
    static func keyID(of token: String) throws(Failure) -> UInt32 {
        let body = try raw(token)
        return UInt32(body[0]) << 24 | UInt32(body[1]) << 16 | UInt32(body[2]) << 8 | UInt32(body[3])
    }

    /// Opens a token sealed with `key`.
    static func open(_ token: String, key: [UInt8]) throws(Failure) -> CardToken {
        let body = try raw(token)
        let keyID = try Self.keyID(of: token)
        let plain: Data
        do {
            let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: body[4..<16]), ciphertext: body[16..<40], tag: body[40..<56])
            plain = try ChaChaPoly.open(box, using: SymmetricKey(data: key), authenticating: header(keyID))
        } catch {
            throw .authentication
        }
        let p = Array(plain)
        func u64(_ o: Int) -> UInt64 { p[o..<(o + 8)].reduce(0) { $0 << 8 | UInt64($1) } }
        func u32(_ o: Int) -> UInt32 { p[o..<(o + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
        return CardToken(cardID: Int64(bitPattern: u64(0)), partnerID: Int64(bitPattern: u64(8)), issuedAt: u32(16), expiresAt: u32(20))
    }

    static func isToken(_ text: String) -> Bool { text.hasPrefix(prefix) }

    private static func raw(_ token: String) throws(Failure) -> [UInt8] {
        guard token.hasPrefix(prefix), let body = base64urlDecode(String(token.dropFirst(prefix.count))), body.count == 56 else { throw .format }
        return body
    }

    private static func header(_ keyID: UInt32) -> [UInt8] { Array("LT1".utf8) + bytes(keyID) }

    static func bytes(_ v: UInt64) -> [UInt8] { (0..<8).reversed().map { UInt8((v >> (UInt64($0) * 8)) & 0xFF) } }
    static func bytes(_ v: UInt32) -> [UInt8] { (0..<4).reversed().map { UInt8((v >> (UInt32($0) * 8)) & 0xFF) } }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=",
            with: ""
        )
    }

    static func base64urlDecode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 }) else {
            return nil
        }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map(Array.init)
    }
}
