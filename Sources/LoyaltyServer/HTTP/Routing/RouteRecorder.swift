import Synchronization

/// Collects every registered route as `METHOD /path/{param}`, so a test can hold the
/// router and `openapi.yaml` to the same list.
public final class RouteRecorder: Sendable {
    private let routes = Mutex<[String]>([])

    public init() {}

    func record(_ method: String, _ path: String) {
        let openAPIPath = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        routes.withLock { $0.append("\(method) /\(openAPIPath)") }
    }

    public var all: [String] { routes.withLock { $0 } }

    /// The methods served at `path` (`{param}` segments match any one segment).
    func methods(matching path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var out: [String] = []
        for route in all {
            let pieces = route.split(separator: " ", maxSplits: 1)
            guard pieces.count == 2 else { continue }
            let pattern = pieces[1].split(separator: "/", omittingEmptySubsequences: true)
            guard pattern.count == parts.count else { continue }
            if zip(pattern, parts).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }), !out.contains(String(pieces[0])) { out.append(String(pieces[0])) }
        }
        return out
    }
}
