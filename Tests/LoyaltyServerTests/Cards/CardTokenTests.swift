import Foundation
import LoyaltyCore
import LoyaltyStore
import LoyaltyTestSupport
import Testing

@testable import LoyaltyServer

@Suite("Card QR tokens", .databases)
struct CardTokenTests {
    let key = [UInt8](repeating: 7, count: 32)
    let claims = CardToken(cardID: 123_456, partnerID: 42, issuedAt: 1_800_000_000, expiresAt: 1_800_003_600)

    @Test func sealedTokenOpensWithItsKeyOnly() throws {
        let token = try claims.seal(keyID: 3, key: key)
        #expect(token.hasPrefix("LT1.") && token.count == 79)
        #expect(try CardToken.keyID(of: token) == 3)
        #expect(try CardToken.open(token, key: key) == claims)
        #expect(throws: CardToken.Failure.authentication) { try CardToken.open(token, key: [UInt8](repeating: 8, count: 32)) }
        // Same claims, fresh nonce: tokens never repeat.
        #expect(try claims.seal(keyID: 3, key: key) != token)
    }

    /// Every one of the 448 bits, flipped alone, makes the token unreadable.
    @Test func everyFlippedBitIsRefused() throws {
        let token = try claims.seal(keyID: 3, key: key)
        let body = try #require(CardToken.base64urlDecode(String(token.dropFirst(4))))
        var refused = 0
        for bit in 0..<(body.count * 8) {
            var tampered = body
            tampered[bit / 8] ^= UInt8(1 << (bit % 8))
            let text = "LT1." + CardToken.base64url(tampered)
            do {
                _ = try CardToken.open(text, key: key)
                Issue.record("bit \(bit) flipped and the token still opened")
            } catch {
                refused += 1
            }
        }
        #expect(refused == 448)
        #expect(throws: CardToken.Failure.format) { try CardToken.open("LT1.AAAA", key: key) }
        #expect(throws: CardToken.Failure.format) { try CardToken.open("LT2." + token.dropFirst(4), key: key) }
        #expect(throws: CardToken.Failure.format) { try CardToken.open(token + "A", key: key) }
    }

    @Test(arguments: Backend.allCases)
    func rotationKeepsOutstandingTokensAndRetirementEndsThem(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let tokens = app.services.cardTokens
            let userID = try await app.customer("rot@example.com")
            let card = try #require(try await app.services.customers.primaryCard(partnerID: app.partnerID, customerID: userID))
            let now = SystemWallClock().nowMillis()
            let (old, _) = try await tokens.issue(card: card, now: now)
            let first = try await tokens.keys.current()
            let second = try await tokens.keys.rotate()
            #expect(second.id != first.id)
            let (new, _) = try await tokens.issue(card: card, now: now)
            #expect(try CardToken.keyID(of: new) == UInt32(second.id))
            // Both verify after the rotation.
            #expect(try await tokens.read(old, now: now) == .token(CardToken.open(old, key: first.material)))
            guard case .token = try await tokens.read(new, now: now) else {
                Issue.record("new token not read")
                return
            }
            // A retired key's tokens stop working.
            #expect(try await app.services.signingKeys.retire(id: first.id))
            try await tokens.keys.reload()
            await #expect(throws: LoyaltyError.qrInvalid(reason: "unknown_key")) { try await tokens.read(old, now: now) }
            // Expiry.
            let (short, _) = try await tokens.issue(card: card, ttlSeconds: 30, now: now)
            await #expect(throws: LoyaltyError.qrExpired) { try await tokens.read(short, now: now + 31_000) }
        }
    }
}
