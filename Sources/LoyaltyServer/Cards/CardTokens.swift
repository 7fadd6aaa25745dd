import Foundation
import LoyaltyCore
import LoyaltyStore

/// Issues and checks the dynamic card QR tokens (``CardToken``) with the `card_token`
/// key ring; also recognises the static card codes a scanner may read.
struct CardTokens: Sendable {
    let keys: KeyRing
    let defaultTTLSeconds: Int64

    /// What a scanned QR payload names.
    enum Scanned: Equatable {
        /// A verified token: the card id and partner it was sealed for.
        case token(CardToken)
        /// The card's static QR UUID, its number, or `loyalty:card:{number}`.
        case staticCode(String)
    }

    func issue(card: LoyaltyCard, ttlSeconds: Int64? = nil, now: Int64) async throws -> (token: String, claims: CardToken) {
        let key = try await keys.current()
        let issued = UInt32(clamping: now / 1000)
        let claims = CardToken(
            cardID: card.id,
            partnerID: card.partnerID,
            issuedAt: issued,
            expiresAt: UInt32(clamping: Int64(issued) + (ttlSeconds ?? defaultTTLSeconds))
        )
        return (try claims.seal(keyID: UInt32(key.id), key: key.material), claims)
    }

    /// Classifies and, for a token, verifies a scanned payload. Throws
    /// ``LoyaltyError/qrInvalid(reason:)`` (`format`, `unknown_key`, `signature`) or
    /// ``LoyaltyError/qrExpired``.
    func read(_ payload: String, now: Int64) async throws -> Scanned {
        let text = payload.trimmingCharacters(in: .whitespacesAndNewlines)
        guard CardToken.isToken(text) else {
            let code = text.hasPrefix("loyalty:card:") ? String(text.dropFirst("loyalty:card:".count)) : text
            guard !code.isEmpty, code.count <= 64, code.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
                throw LoyaltyError.qrInvalid(reason: "format")
            }
            return .staticCode(code)
        }
        let keyID: UInt32
        do { keyID = try CardToken.keyID(of: text) } catch { throw LoyaltyError.qrInvalid(reason: "format") }
        guard let key = try await keys.key(id: Int64(keyID)) else { throw LoyaltyError.qrInvalid(reason: "unknown_key") }
        let claims: CardToken
        do {
            claims = try CardToken.open(text, key: key.material)
        } catch .format {
            throw LoyaltyError.qrInvalid(reason: "format")
        } catch {
            throw LoyaltyError.qrInvalid(reason: "signature")
        }
        guard Int64(claims.expiresAt) * 1000 > now else { throw LoyaltyError.qrExpired }
        return .token(claims)
    }
}
