/// A value that a statement guarantees was missing: an `INSERT ... RETURNING` that
/// returned nothing, a card that was just locked. It means a defect in the store, and is
/// reported as an error (a 500 with the details in the log), never a crash.
public struct MissingValueError: Error, CustomStringConvertible {
    public var description: String
}

extension Optional {
    /// The value, or ``MissingValueError`` naming `what` was expected.
    func required(_ what: @autoclosure () -> String) throws -> Wrapped {
        guard let self else { throw MissingValueError(description: "missing \(what())") }
        return self
    }
}
