import Foundation
import Synchronization

/// The current time, as the server records it: UTC epoch milliseconds.
///
/// One instance is built by the composition root and handed to every repository and
/// service that reads the time, so that a test can pin or move it
/// (``ManualWallClock``).
public protocol WallClock: Sendable {
    func nowMillis() -> Int64
}

/// The operating system's clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}

/// A clock that stands still until a test moves it.
public final class ManualWallClock: WallClock {
    private let now: Mutex<Int64>

    public init(_ millis: Int64) { now = Mutex(millis) }

    public func nowMillis() -> Int64 { now.withLock { $0 } }

    public func set(_ millis: Int64) { now.withLock { $0 = millis } }

    public func advance(byMillis delta: Int64) { now.withLock { $0 += delta } }
}
