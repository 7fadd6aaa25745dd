import LoyaltyModels

/// A game session's key as the platform spells it: `game_session_` and 32 lower-case hex
/// digits (128 bits from the system CSPRNG), the member's handle on the session in
/// J31-J33.
public enum GameSessionKey {
    static let prefix = "game_session_"

    public static func generate() -> String {
        prefix + Hex.random(bytes: 16)
    }

    /// Whether `text` can be a key (checked before any lookup).
    public static func isWellFormed(_ text: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let rest = text.dropFirst(prefix.count)
        return rest.count == 32 && rest.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }
}
