import Foundation

/// Wall-clock time as the store records it: UTC epoch milliseconds.
public enum Clock {
    public static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
