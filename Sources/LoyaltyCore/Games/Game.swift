/// A game a partner runs: a stamp card, a chance game (wheel, scratch card, slot
/// machine), a quiz, a collection or a challenge.
///
/// Every type shares the window, the shops, the play limits, the budget and the prize
/// table; what is particular to a type lives in ``settings``. The prize table means:
/// chance games draw from it by weight; a quiz pays the best prize whose `minScore` the
/// score reaches; stamps, collections and challenges pay its first slot on completion.
public struct Game: Sendable, Equatable {
    public var id: Int64
    public var partnerID: Int64
    public var type: GameType
    public var name: LocalizedText
    public var description: LocalizedText
    public var rewardDescription: LocalizedText
    public var imageURL: String?
    public var category: String?
    public var isActive: Bool
    public var isFeatured: Bool
    public var startsAt: Int64?
    public var endsAt: Int64?
    /// Shops where the game runs; empty = every shop of the partner.
    public var shopIDs: [Int64]
    public var productIDs: [Int64]
    /// Points a session costs (0 = free).
    public var pointsCost: Int64
    public var dailyLimit: Int64?
    public var totalLimit: Int64?
    /// How long a started session may be played and claimed.
    public var sessionTTLSeconds: Int64
    public var allowMultipleActiveCoupons: Bool
    /// Validity of coupons the game issues; nil = the offer's own validity.
    public var couponValidityDays: Int64?
    public var budget: PrizeBudget?
    public var prizes: [Prize]
    public var settings: GameSettings
    /// The content type of an uploaded stamp image, if any.
    public var stampImageType: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: Int64, partnerID: Int64, type: GameType, name: LocalizedText) {
        self.id = id
        self.partnerID = partnerID
        self.type = type
        self.name = name
        self.description = LocalizedText(lt: nil, en: nil)
        self.rewardDescription = LocalizedText(lt: nil, en: nil)
        self.isActive = true
        self.isFeatured = false
        self.shopIDs = []
        self.productIDs = []
        self.pointsCost = 0
        self.sessionTTLSeconds = 600
        self.allowMultipleActiveCoupons = true
        self.prizes = []
        self.settings = GameSettings()
        self.createdAt = 0
        self.updatedAt = 0
    }

    public var limits: PlayLimits {
        PlayLimits(isActive: isActive, startsAt: startsAt, endsAt: endsAt, dailyLimit: dailyLimit, totalLimit: totalLimit)
    }

    /// Whether members play it in sessions (J30-J33); stamp cards and challenges are
    /// driven by the shop and by purchases instead.
    public var isSessionGame: Bool { type != .stamps && type != .challenge }

    /// The stamp rules of a `stamps` game (10 stamps when none were set).
    public var stampRules: StampRules {
        let s = settings.stamps ?? StampSettings()
        return StampRules(
            stampsRequired: s.stampsRequired,
            perVisitLimit: s.perVisitLimit,
            perDayLimit: s.perDayLimit,
            resetOnComplete: s.resetOnComplete
        )
    }

    /// The reward of a completion (stamps, collection, challenge): the first slot.
    public var completionPrize: Prize? { prizes.first { $0.kind != .nothing } }

    /// Whether the game runs at `shopID` (nil: no shop named).
    public func runs(atShop shopID: Int64?) -> Bool {
        guard let shopID, !shopIDs.isEmpty else { return true }
        return shopIDs.contains(shopID)
    }
}

/// The type-specific part of a game, stored as one JSON document.
public struct GameSettings: Sendable, Equatable, Codable {
    public var stamps: StampSettings?
    /// Quiz questions with their answers: never serialised to a member.
    public var questions: [QuizQuestion]
    public var items: [CollectionItem]
    public var goal: ChallengeGoal?
    /// Purchases that drive the game by themselves (a stamp or an item per purchase).
    public var purchaseRule: PurchaseRule?

    public init(
        stamps: StampSettings? = nil,
        questions: [QuizQuestion] = [],
        items: [CollectionItem] = [],
        goal: ChallengeGoal? = nil,
        purchaseRule: PurchaseRule? = nil
    ) {
        self.stamps = stamps
        self.questions = questions
        self.items = items
        self.goal = goal
        self.purchaseRule = purchaseRule
    }
}

/// A stamp card's `stamp_settings` (spec 4.10): the rules and how the card looks.
public struct StampSettings: Sendable, Equatable, Codable {
    public var stampsRequired: Int64 = 10
    public var perVisitLimit: Int64?
    public var perDayLimit: Int64?
    public var resetOnComplete: Bool = true
    public var rewardType: String = "free_product"
    public var productName: String?
    public var expirationDays: Int64 = 30
    public var layout: String = "grid"
    public var rows: Int64 = 2
    public var columns: Int64 = 5
    public var backgroundColor: String = "#f0f9ff"
    public var textColor: String = "#0369a1"
    public var stampIcon: String = "coffee"
    public var stampIconType: String = "icon"
    public var punchText: LocalizedText?
    public var rewardText: LocalizedText?

    public init() {}
}

/// One quiz question; `correct` is the index of the right choice.
public struct QuizQuestion: Sendable, Equatable, Codable {
    public var question: LocalizedText
    public var choices: [LocalizedText]
    public var correct: Int
    public var points: Int64

    public init(question: LocalizedText, choices: [LocalizedText], correct: Int, points: Int64 = 1) {
        self.question = question
        self.choices = choices
        self.correct = correct
        self.points = points
    }

    /// The quiz's answer key as committed at a session's start (`quiz:1,0,2`).
    public static func answerKey(_ questions: [QuizQuestion]) -> String {
        "quiz:" + questions.map { String($0.correct) }.joined(separator: ",")
    }
}

/// One item of a collection; the set is complete when the member holds `quantity`
/// of every item.
public struct CollectionItem: Sendable, Equatable, Codable {
    public var key: String
    public var name: LocalizedText
    /// Relative chance of this item in a draw.
    public var weight: Int64
    public var quantity: Int64

    public init(key: String, name: LocalizedText, weight: Int64 = 1, quantity: Int64 = 1) {
        self.key = key
        self.name = name
        self.weight = weight
        self.quantity = quantity
    }

    /// An item drawn with probability weight / total (no modulo bias).
    public static func draw<R: RandomNumberGenerator>(_ items: [CollectionItem], using rng: inout R) -> CollectionItem? {
        let total = items.reduce(Int64(0)) { $0 + max(0, $1.weight) }
        guard total > 0 else { return nil }
        var ticket = Int64(rng.next(upperBound: UInt64(total)))
        for item in items where item.weight > 0 {
            if ticket < item.weight { return item }
            ticket -= item.weight
        }
        return nil
    }

    /// Whether `held` (item key → quantity) completes the set.
    public static func isComplete(_ items: [CollectionItem], held: [String: Int64]) -> Bool {
        !items.isEmpty && items.allSatisfy { (held[$0.key] ?? 0) >= $0.quantity }
    }
}

/// A purchase that drives a game: at least `minOrderMinor` spent adds `stamps` stamps
/// (a stamp card) or draws one item (a collection), in the purchase's own transaction.
public struct PurchaseRule: Sendable, Equatable, Codable {
    public var minOrderMinor: Int64
    public var stamps: Int64

    public init(minOrderMinor: Int64, stamps: Int64 = 1) {
        self.minOrderMinor = minOrderMinor
        self.stamps = stamps
    }

    public func applies(toOrderMinor amount: Int64?) -> Bool { (amount ?? 0) >= minOrderMinor }
}
