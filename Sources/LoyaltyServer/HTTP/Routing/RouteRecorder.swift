import Synchronization

/// Collects every registered route as `METHOD /path/{param}`, so a test can hold the
/// router and `openapi.yaml` to the same list.
public final class RouteRecorder: Sendable {
    private let routes = Mutex<[String]>([])
    private let accessByRoute = Mutex<[String: RouteAccess]>([:])

    public init() {}

    func record(_ method: String, _ path: String, access: RouteAccess? = nil) {
        let openAPIPath = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        let route = "\(method) /\(openAPIPath)"
        routes.withLock { $0.append(route) }
        if let access { accessByRoute.withLock { $0[route] = access } }
    }

    public var all: [String] { routes.withLock { $0 } }

    /// Who may call each Partner API route (``RouteAccess``), by `METHOD /path`.
    public var access: [String: RouteAccess] { accessByRoute.withLock { $0 } }

    /// The methods served at `path` (`{param}` segments match any one segment). Like the
    /// router's trie, a literal segment wins over a parameter at the same position, with
    /// no falling back: `offers/coupons` is served by `offers/coupons` alone, never by
    /// `offers/{id}`.
    func methods(matching path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        // Each match with its shape: true where the pattern has a parameter.
        var matches: [(method: String, shape: [Bool])] = []
        for route in all {
            let pieces = route.split(separator: " ", maxSplits: 1)
            guard pieces.count == 2 else { continue }
            let pattern = pieces[1].split(separator: "/", omittingEmptySubsequences: true)
            guard pattern.count == parts.count, zip(pattern, parts).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) else { continue }
            matches.append((String(pieces[0]), pattern.map { $0.hasPrefix("{") }))
        }
        let literalFirst: (Bool, Bool) -> Bool = { !$0 && $1 }
        guard let best = matches.map(\.shape).min(by: { $0.lexicographicallyPrecedes($1, by: literalFirst) }) else { return [] }
        var out: [String] = []
        for m in matches where m.shape == best && !out.contains(m.method) { out.append(m.method) }
        return out
    }
}
