import Testing

/// The set-up every database suite shares: the throw-away PostgreSQL cluster and the
/// migrated template databases of both backends (``TestDatabases``), made once per
/// test process before the suite's first test, so that no suite repeats it and a
/// cluster that cannot start fails the suite at once with its reason.
///
/// `@Suite(..., .databases)`; a test then gets a fresh copy with `makeDatabase(_:)` or
/// `TestApp.with(_:)`.
public struct DatabaseSetupTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        try await TestDatabases.shared.prepare()
        try await function()
    }
}

extension Trait where Self == DatabaseSetupTrait {
    /// See ``DatabaseSetupTrait``.
    public static var databases: Self { Self() }
}
