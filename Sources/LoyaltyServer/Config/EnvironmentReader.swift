import Foundation

/// Reads typed values from environment variables, each at most once, and collects
/// every value it cannot use instead of replacing it by a default.
///
/// An unset or empty variable gives the default; a set one must parse and lie in its
/// range, else a ``ConfigurationError/Problem`` naming the variable and the accepted
/// form is recorded and the default is returned so that parsing can go on and report
/// every problem at once (``finish()``).
struct EnvironmentReader {
    let environment: [String: String]
    private(set) var problems: [ConfigurationError.Problem] = []
    private(set) var read: Set<String> = []

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// The raw value, or `nil` when unset or empty.
    mutating func string(_ name: String) -> String? {
        read.insert(name)
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// A value turned into `T` by `parse`; `expected` describes the accepted form.
    /// `shown` is what a problem report may repeat of the value (e.g. without a password).
    mutating func value<T>(
        _ name: String,
        default fallback: T,
        expected: String,
        shown: (String) -> String = { $0 },
        _ parse: (String) -> T?
    ) -> T {
        guard let text = string(name) else { return fallback }
        guard let parsed = parse(text) else {
            problems.append(.init(variable: name, value: shown(text), expected: expected))
            return fallback
        }
        return parsed
    }

    mutating func integer<T: FixedWidthInteger>(_ name: String, default fallback: T, in range: ClosedRange<T>) -> T {
        value(name, default: fallback, expected: "an integer from \(range.lowerBound) to \(range.upperBound)") {
            T($0.trimmingCharacters(in: .whitespaces)).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    mutating func number(_ name: String, default fallback: Double, in range: ClosedRange<Double>) -> Double {
        value(name, default: fallback, expected: "a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))") {
            Double($0.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite && range.contains($0) ? $0 : nil }
        }
    }

    mutating func flag(_ name: String, default fallback: Bool) -> Bool {
        value(name, default: fallback, expected: "one of 1, true, yes, on, 0, false, no, off") {
            switch $0.lowercased() {
            case "1", "true", "yes", "on": true
            case "0", "false", "no", "off": false
            default: nil
            }
        }
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ name: String, default fallback: T) -> T where T.RawValue == String {
        value(name, default: fallback, expected: "one of " + T.allCases.map(\.rawValue).joined(separator: ", ")) { T(rawValue: $0) }
    }

    /// Variables that start with `prefix` and that nothing read: most likely typos.
    func unread(prefix: String, ignoring: [String] = []) -> [String] {
        environment.keys.filter { name in
            name.hasPrefix(prefix) && !read.contains(name) && !ignoring.contains(where: { name.hasPrefix($0) })
        }.sorted()
    }

    /// Throws every recorded problem at once.
    func finish() throws {
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
