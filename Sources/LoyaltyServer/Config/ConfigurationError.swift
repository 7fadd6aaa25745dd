/// One or more configuration values could not be used; start-up stops with this.
///
/// Each problem names the variable (or flag), the value given, and the form that is
/// accepted, so the message alone says how to fix it.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Problem: Sendable, Equatable {
        public var variable: String
        public var value: String
        public var expected: String
    }

    public var problems: [Problem]

    public var description: String {
        problems.map { "\($0.variable)=\"\($0.value)\" is not valid: expected \($0.expected)" }
            .joined(separator: "\n")
    }
}
