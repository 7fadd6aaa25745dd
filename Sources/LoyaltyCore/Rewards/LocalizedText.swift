/// A text in the platform's two languages; either may be missing.
public struct LocalizedText: Sendable, Hashable, Codable {
    public var lt: String?
    public var en: String?

    public init(lt: String?, en: String?) {
        self.lt = lt
        self.en = en
    }

    /// The text in `locale` (`lt` | `en`), falling back to the other language.
    public func text(_ locale: String) -> String? {
        locale == "lt" ? (lt ?? en) : (en ?? lt)
    }
}
