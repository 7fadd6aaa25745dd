import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decides whether a webhook URL may be called (server-side request forgery guard).
///
/// Production: `https` only, and every address the host resolves to must be public:
/// loopback, private (RFC 1918, unique-local), carrier-grade NAT, link-local (which
/// holds the cloud metadata address 169.254.169.254), multicast, reserved and
/// documentation ranges are refused. With ``allowLoopback`` (development and tests)
/// `http` and loopback targets are accepted too; the other ranges stay refused.
///
/// The check runs when an endpoint is saved and again before every attempt (results
/// cached for a minute). The HTTP client resolves the name once more when it
/// connects, so a DNS answer that changes in between (rebinding) is not caught; a
/// deployment that must rule that out routes deliveries through an egress proxy.
struct WebhookTargetPolicy: Sendable {
    enum Problem: Error, Equatable, CustomStringConvertible {
        case invalid
        case scheme
        case blocked(String)
        case unresolvable

        var description: String {
            switch self {
            case .invalid: "not a valid absolute URL"
            case .scheme: "https is required"
            case let .blocked(address): "address \(address) is not public"
            case .unresolvable: "host cannot be resolved"
            }
        }
    }

    let allowLoopback: Bool
    private let cache = ResolutionCache()

    init(allowLoopback: Bool) {
        self.allowLoopback = allowLoopback
    }

    /// `nil` when `url` may be called.
    func check(_ url: String) async -> Problem? {
        guard url.utf8.count <= 2048, let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
            var host = parts.host, !host.isEmpty, parts.user == nil, parts.password == nil,
            scheme == "https" || scheme == "http"
        else { return .invalid }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let addresses: [IPAddress]
        if let literal = IPAddress(host) {
            addresses = [literal]
        } else if let cached = cache.get(host) {
            addresses = cached
        } else {
            addresses = await Self.resolve(host)
            cache.put(host, addresses)
        }
        guard !addresses.isEmpty else { return .unresolvable }
        for a in addresses {
            if a.isLoopback && allowLoopback { continue }
            if !a.isPublic { return .blocked(a.description) }
        }
        if scheme == "http" && !(allowLoopback && addresses.allSatisfy(\.isLoopback)) { return .scheme }
        return nil
    }

    /// getaddrinfo on NIO's blocking pool.
    static func resolve(_ host: String) async -> [IPAddress] {
        (try? await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [IPAddress]() }
            defer { freeaddrinfo(first) }
            var out: [IPAddress] = []
            var p: UnsafeMutablePointer<addrinfo>? = first
            while let info = p {
                if let sa = info.pointee.ai_addr {
                    if info.pointee.ai_family == AF_INET {
                        sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                            out.append(.v4(UInt32(bigEndian: sin.pointee.sin_addr.s_addr)))
                        }
                    } else if info.pointee.ai_family == AF_INET6 {
                        sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                            out.append(.v6(withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) }))
                        }
                    }
                }
                p = info.pointee.ai_next
            }
            return out
        }) ?? []
    }
}

/// Resolved addresses per host for one minute.
private final class ResolutionCache: Sendable {
    private let entries = Mutex<[String: (at: UInt64, addresses: [IPAddress])]>([:])

    func get(_ host: String) -> [IPAddress]? {
        let now = DispatchTime.now().uptimeNanoseconds
        return entries.withLock { e in
            guard let hit = e[host], now - hit.at < 60_000_000_000 else { return nil }
            return hit.addresses
        }
    }

    func put(_ host: String, _ addresses: [IPAddress]) {
        let now = DispatchTime.now().uptimeNanoseconds
        entries.withLock { e in
            if e.count > 10_000 { e.removeAll() }
            e[host] = (now, addresses)
        }
    }
}

/// An IPv4 or IPv6 address with the ranges the SSRF guard needs.
enum IPAddress: Sendable, Equatable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self = .v6(withUnsafeBytes(of: v6) { Array($0) })
        } else {
            return nil
        }
    }

    var description: String {
        switch self {
        case let .v4(a): return "\(a >> 24).\((a >> 16) & 255).\((a >> 8) & 255).\(a & 255)"
        case let .v6(b):
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]), radix: 16) }.joined(separator: ":")
        }
    }

    /// The IPv4 address an IPv6 one embeds (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::`, compatible `::a.b.c.d`).
    var embeddedV4: UInt32? {
        guard case let .v6(b) = self else { return nil }
        let tail = UInt32(b[12]) << 24 | UInt32(b[13]) << 16 | UInt32(b[14]) << 8 | UInt32(b[15])
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return tail }
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..<12].allSatisfy({ $0 == 0 }) { return tail }
        if b[0..<12].allSatisfy({ $0 == 0 }) && tail > 1 { return tail }
        return nil
    }

    var isLoopback: Bool {
        switch self {
        case let .v4(a): return a >> 24 == 127
        case let .v6(b): return b[0..<15].allSatisfy { $0 == 0 } && b[15] == 1 || embeddedV4.map { $0 >> 24 == 127 } == true
        }
    }

    var isPublic: Bool {
        switch self {
        case let .v4(a): return Self.publicV4(a)
        case let .v6(b):
            if let v4 = embeddedV4 { return Self.publicV4(v4) }
            if b.allSatisfy({ $0 == 0 }) { return false }  // ::
            if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return false }  // ::1
            if b[0] & 0xfe == 0xfc { return false }  // fc00::/7 unique local
            if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return false }  // fe80::/10 link-local
            if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return false }  // fec0::/10 site-local
            if b[0] == 0xff { return false }  // multicast
            if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return false }  // 2001:db8::/32 documentation
            if b[0] == 0x01 && b[1] == 0x00 && b[2..<8].allSatisfy({ $0 == 0 }) { return false }  // 100::/64 discard
            return true
        }
    }

    static func publicV4(_ a: UInt32) -> Bool {
        let blocked: [(UInt32, Int)] = [
            (0x0000_0000, 8), (0x0A00_0000, 8), (0x6440_0000, 10), (0x7F00_0000, 8), (0xA9FE_0000, 16),
            (0xAC10_0000, 12), (0xC000_0000, 24), (0xC000_0200, 24), (0xC058_6300, 24), (0xC0A8_0000, 16),
            (0xC612_0000, 15), (0xC633_6400, 24), (0xCB00_7100, 24), (0xE000_0000, 4), (0xF000_0000, 4),
        ]
        return !blocked.contains { base, bits in a >> UInt32(32 - bits) == base >> UInt32(32 - bits) }
    }
}
