/// The two languages of the wire: every path starts with `/lt/` or `/en/`.
public enum APILocale: String, Sendable {
    case lt
    case en
}
