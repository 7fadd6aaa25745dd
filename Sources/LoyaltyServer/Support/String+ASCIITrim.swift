extension String {
    /// The string without leading and trailing ASCII spaces and tabs. Foundation's
    /// `trimmingCharacters(in:)` bridges through NSString and measured ~3.5% of a
    /// balance read; header values and query numbers only ever need this.
    var asciiTrimmed: String {
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { $0 != 32 && $0 != 9 }), let last = utf8.lastIndex(where: { $0 != 32 && $0 != 9 }) else {
            return ""
        }
        return String(decoding: utf8[first...last], as: UTF8.self)
    }
}
