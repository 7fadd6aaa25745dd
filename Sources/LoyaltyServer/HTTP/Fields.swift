import Foundation
import LoyaltyCore
import LoyaltyModels

/// Reads typed fields from a JSON body or query string and collects every problem,
/// Laravel-style (`errors: {field: [messages]}`), before anything is written.
///
/// Numbers may arrive as JSON numbers or as numeric strings (query strings are always
/// strings, and several SDKs send ids as strings). Unknown fields are ignored.
struct Fields {
    let values: [String: JSON]
    /// The body as sent (an empty object for query strings).
    let raw: JSON
    let locale: APILocale
    private(set) var errors: [(String, [String])] = []

    init(_ json: JSON, locale: APILocale) {
        raw = json
        if case let .object(members) = json {
            var dict: [String: JSON] = [:]
            for (k, v) in members where dict[k] == nil { dict[k] = v }
            values = dict
        } else {
            values = [:]
        }
        self.locale = locale
    }

    init(query: [String: String], locale: APILocale) {
        values = query.mapValues(JSON.string)
        raw = .object([])
        self.locale = locale
    }

    mutating func fail(_ field: String, _ key: String, _ args: [String: String] = [:]) {
        var a = args
        a["field"] = field
        let message = Messages.text(key, locale, a)
        if let i = errors.firstIndex(where: { $0.0 == field }) { errors[i].1.append(message) } else { errors.append((field, [message])) }
    }

    /// Records an already localised message (from a nested object's own ``Fields``).
    mutating func failMessage(_ field: String, _ message: String) {
        if let i = errors.firstIndex(where: { $0.0 == field }) { errors[i].1.append(message) } else { errors.append((field, [message])) }
    }

    func has(_ field: String) -> Bool {
        guard let v = values[field] else { return false }
        if case let .string(s) = v, s.isEmpty { return false }
        return !v.isNull
    }

    func throwIfInvalid() throws {
        if !errors.isEmpty { throw APIError.validation(errors) }
    }

    /// The value of a field that validation has made required. After
    /// ``throwIfInvalid()`` it is always there; were it not, the answer is a 422 naming
    /// the field, never a crash.
    func required<T>(_ value: T?, _ field: String) throws -> T {
        guard let value else { throw APIError.validation([(field, [Messages.text("v_required", locale, ["field": field])])]) }
        return value
    }

    mutating func string(_ field: String, required: Bool = false, maxLength: Int = 255) -> String? {
        guard has(field), let value = values[field] else {
            if required { fail(field, "v_required") }
            return nil
        }
        let s: String
        switch value {
        case let .string(v): s = v
        case let .int(i): s = String(i)
        default:
            fail(field, "v_string")
            return nil
        }
        if s.count > maxLength {
            fail(field, "v_max_length", ["max": String(maxLength)])
            return nil
        }
        // NUL cannot be stored by PostgreSQL, and other control characters in names and
        // ids are only ever mistakes or attacks; tab and line breaks stay allowed.
        if s.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D || $0 == 0x7F }) {
            fail(field, "v_control_chars")
            return nil
        }
        return s
    }

    mutating func int(_ field: String, required: Bool = false, min: Int64 = 0, max: Int64 = 1_000_000_000_000) -> Int64? {
        guard has(field), let value = values[field] else {
            if required { fail(field, "v_required") }
            return nil
        }
        let n: Int64?
        switch value {
        case let .int(i): n = i
        case let .double(d) where d == d.rounded() && abs(d) < 9e15: n = Int64(d)
        case let .string(s): n = Int64(s.asciiTrimmed)
        default: n = nil
        }
        guard let n else {
            fail(field, "v_integer")
            return nil
        }
        if n < min {
            fail(field, "v_min", ["min": String(min)])
            return nil
        }
        if n > max {
            fail(field, "v_max", ["max": String(max)])
            return nil
        }
        return n
    }

    /// A money amount in minor units (two decimals at most, 0...10^12).
    mutating func money(_ field: String, required: Bool = false) -> Int64? {
        guard has(field), let value = values[field] else {
            if required { fail(field, "v_required") }
            return nil
        }
        let d: Double?
        switch value {
        case let .int(i): d = Double(i)
        case let .double(v): d = v
        case let .string(s): d = Double(s.asciiTrimmed)
        default: d = nil
        }
        guard let d, let minor = Money.minorUnits(fromDecimal: d), minor >= 0 else {
            fail(field, "v_money")
            return nil
        }
        return minor
    }

    mutating func bool(_ field: String) -> Bool? {
        guard has(field), let value = values[field] else { return nil }
        switch value {
        case let .bool(b): return b
        case let .int(i) where i == 0 || i == 1: return i == 1
        case let .string(s):
            switch s.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: break
            }
        default: break
        }
        fail(field, "v_boolean")
        return nil
    }

    mutating func oneOf(_ field: String, _ allowed: [String], required: Bool = false) -> String? {
        guard let s = string(field, required: required) else { return nil }
        guard allowed.contains(s) else {
            fail(field, "v_in", ["values": allowed.joined(separator: ", ")])
            return nil
        }
        return s
    }

    mutating func email(_ field: String, required: Bool = false) -> String? {
        guard let s = string(field, required: required) else { return nil }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !s.contains(" ") else {
            fail(field, "v_email")
            return nil
        }
        return s.lowercased()
    }

    mutating func currency(_ field: String) -> String? {
        guard let s = string(field, maxLength: 3) else { return nil }
        guard let code = CurrencyCode.normalized(s) else {
            fail(field, "v_currency")
            return nil
        }
        return code
    }

    mutating func object(_ field: String) -> JSON? {
        guard has(field), let value = values[field] else { return nil }
        guard case .object = value else {
            fail(field, "v_object")
            return nil
        }
        return value
    }

    mutating func array(_ field: String, required: Bool = false, maxItems: Int) -> [JSON]? {
        guard has(field), let value = values[field] else {
            if required { fail(field, "v_required") }
            return nil
        }
        guard case let .array(items) = value else {
            fail(field, "v_array")
            return nil
        }
        if items.count > maxItems {
            fail(field, "v_max_items", ["max": String(maxItems)])
            return nil
        }
        return items
    }

    /// A `YYYY-MM-DD` date as epoch milliseconds at 00:00 UTC.
    mutating func date(_ field: String) -> Int64? {
        guard let s = string(field, maxLength: 10) else { return nil }
        let parts = s.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]), (1970...9999).contains(parts[0]) else {
            fail(field, "v_date")
            return nil
        }
        return Timestamp.epochMillis(year: parts[0], month: parts[1], day: parts[2])
    }

    /// An ISO 8601 date-time (`2027-01-31T12:00:00Z`, offsets and fractions allowed) or a
    /// `YYYY-MM-DD` date (00:00 UTC), as epoch milliseconds.
    mutating func dateTime(_ field: String) -> Int64? {
        guard let s = string(field, maxLength: 40) else { return nil }
        if s.count == 10 { return date(field) }
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
            let f = ISO8601DateFormatter()
            f.formatOptions = options
            if let d = f.date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        }
        fail(field, "v_datetime")
        return nil
    }

    /// `page` and `per_page` with the endpoint's maximum page size.
    mutating func page(maxPerPage: Int) -> PageRequest {
        let page = int("page", min: 1, max: 1_000_000) ?? 1
        let perPage = int("per_page", min: 1, max: Int64(maxPerPage)) ?? 15
        return PageRequest(page: Int(page), perPage: Int(perPage))
    }
}
