import LoyaltyStore
import Testing

@Suite("Game commitment (commit-reveal)")
struct GameCommitmentTests {
    @Test func theRevealVerifiesAndNothingElseDoes() {
        let c = GameCommitment(outcome: "prize:3")
        #expect(c.salt.count == 64 && c.commitment.count == 64)
        #expect(GameCommitment.verify(commitment: c.commitment, outcome: "prize:3", salt: c.salt))
        #expect(GameCommitment.verify(commitment: c.commitment.uppercased(), outcome: "prize:3", salt: c.salt))
        #expect(!GameCommitment.verify(commitment: c.commitment, outcome: "prize:1", salt: c.salt), "another outcome")
        #expect(!GameCommitment.verify(commitment: c.commitment, outcome: "prize:3", salt: String(repeating: "0", count: 64)))
        #expect(GameCommitment(outcome: "prize:3", salt: c.salt) == c, "recomputed from what is stored")
        #expect(GameCommitment(outcome: "prize:3").salt != c.salt, "a fresh salt per session")
    }

    /// A fixed vector, so the hash is the documented one: SHA-256 of `outcome:salt`, hex
    /// (`printf 'prize:3:abc' | sha256sum`).
    @Test func theHashIsSHA256OfOutcomeColonSalt() {
        #expect(GameCommitment(outcome: "prize:3", salt: "abc").commitment == "21d0b2a783467819717bf2c59e010eab61bdf9ca91247f1d7d25647d8925474b")
    }
}
