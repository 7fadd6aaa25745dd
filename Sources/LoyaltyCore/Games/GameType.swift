/// The kinds of game the engine runs.
///
/// The real platform speaks two vocabularies (spec D31): the shop and partner pages say
/// `stamps`, `wheel`, `scratch`, `collection`, `quiz`, `memory`; the SDK models and the
/// member API say `wheel_of_fortune`, `scratch_card`, `slot_machine`, `quiz`, `memory`,
/// `puzzle`. Both are accepted on input; each shape answers in its own vocabulary.
public enum GameType: String, Sendable, CaseIterable {
    case stamps
    case wheel
    case scratch
    case slot
    case quiz
    case collection
    case challenge
    case memory
    case puzzle

    /// Parses either vocabulary (case-insensitive); nil for anything else.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "stamps", "stamp", "stamp_card": self = .stamps
        case "wheel", "wheel_of_fortune": self = .wheel
        case "scratch", "scratch_card": self = .scratch
        case "slot", "slot_machine": self = .slot
        case "quiz": self = .quiz
        case "collection", "collect": self = .collection
        case "challenge": self = .challenge
        case "memory": self = .memory
        case "puzzle": self = .puzzle
        default: return nil
        }
    }

    /// The shop/partner vocabulary (`game_type`).
    public var shopName: String { rawValue }

    /// The SDK/member vocabulary (`type`).
    public var sdkName: String {
        switch self {
        case .wheel: "wheel_of_fortune"
        case .scratch: "scratch_card"
        case .slot: "slot_machine"
        default: rawValue
        }
    }

    /// Chance games decide their outcome from a prize table when a session starts.
    public var isChance: Bool { self == .wheel || self == .scratch || self == .slot }
}
