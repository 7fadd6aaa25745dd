import LoyaltyModels

/// The programme's JSON document (`GET`/`PUT /{locale}/shop/program`, `loyalty program`):
/// decoding validates every field and names each problem by its path.
extension ProgramConfig {
    public struct Invalid: Error, Sendable {
        /// (field path such as `rules.0.multiplier`, problem).
        public var problems: [(String, String)]
    }

    /// Decodes a programme document; absent fields take their defaults.
    public static func decode(_ json: JSON) throws(Invalid) -> ProgramConfig {
        var d = ProgramFieldReader()
        let config = d.program(json)
        if !d.problems.isEmpty { throw Invalid(problems: d.problems) }
        return config
    }

    public func encoded() -> JSON {
        .object([
            ("min_order_amount", .money(minOrderMinor)),
            ("rules", .array(rules.map { $0.encoded() })),
            ("activities", .array(activities.map { $0.encoded() })),
            ("tiers", tiers.encoded()),
            ("expiry", .object([("policy", .string(expiry.name))] + (expiry.daysValue.map { [("days", JSON.int($0))] } ?? []))),
            ("pending_days", .int(pendingDays)),
            ("allow_negative_balance", .bool(allowNegativeBalance)),
            ("refund_when_spent", .string(refundWhenSpent.rawValue)),
            ("timezone", .string(timeZone)),
        ])
    }
}

extension ExpiryPolicy {
    var daysValue: Int64? { if case let .days(n) = self { n } else { nil } }
}

extension BonusRule {
    func encoded() -> JSON {
        var m: [(String, JSON)] = [
            ("id", .string(id)), ("name", .string(name)), ("enabled", .bool(enabled)),
            ("multiplier", .double(Double(multiplierPercent) / 100)), ("bonus_points", .int(bonusPoints)),
            ("skus", .array(skus.map(JSON.string))), ("categories", .array(categories.map(JSON.string))),
            ("days_of_week", .array(daysOfWeek.map { .int(Int64($0)) })), ("tiers", .array(tiers.map(JSON.string))),
        ]
        func hhmm(_ v: Int) -> JSON { .string("\(v / 60 < 10 ? "0" : "")\(v / 60):\(v % 60 < 10 ? "0" : "")\(v % 60)") }
        m.append(("time_from", timeFrom.map(hhmm) ?? .null))
        m.append(("time_to", timeTo.map(hhmm) ?? .null))
        m.append(("starts_at", .optional(startsAt)))
        m.append(("ends_at", .optional(endsAt)))
        return .object(m)
    }
}

extension Activity {
    func encoded() -> JSON {
        .object([
            ("key", .string(key)), ("name", .string(name)), ("points", .int(points)), ("referee_points", .int(refereePoints)),
            ("cap", .object([("count", .int(capCount)), ("period", .string(capPeriod.rawValue))])),
        ])
    }
}

extension TierPolicy {
    func encoded() -> JSON {
        let downgradeJSON: JSON =
            switch downgrade {
            case .never: .object([("mode", .string("never"))])
            case let .evaluation(p, g): .object([("mode", .string("evaluation")), ("period_days", .int(p)), ("grace_days", .int(g))])
            }
        return .object([
            ("enabled", .bool(enabled)), ("basis", .string(basis.rawValue)), ("window_days", .int(windowDays)),
            (
                "levels",
                .array(
                    tiers.map {
                        .object([
                            ("name", .string($0.name)), ("threshold", .int($0.threshold)),
                            ("multiplier", .double(Double($0.multiplierPercent) / 100)),
                        ])
                    }
                )
            ),
            ("downgrade", downgradeJSON),
        ])
    }
}

/// Reads a programme document, collecting every problem instead of stopping at the first.
struct ProgramFieldReader {
    var problems: [(String, String)] = []

    mutating func fail(_ path: String, _ message: String) { problems.append((path, message)) }

    mutating func object(_ json: JSON?, _ path: String) -> JSON? {
        guard let json, !json.isNull else { return nil }
        guard case .object = json else {
            fail(path, "must be an object")
            return nil
        }
        return json
    }

    mutating func int(_ json: JSON?, _ path: String, min: Int64 = 0, max: Int64 = 1_000_000_000) -> Int64? {
        guard let json, !json.isNull else { return nil }
        let v: Int64? =
            switch json {
            case let .int(i): i
            case let .double(d) where d == d.rounded() && abs(d) < 9e15: Int64(d)
            default: nil
            }
        guard let v else {
            fail(path, "must be a whole number")
            return nil
        }
        guard v >= min, v <= max else {
            fail(path, "must be between \(min) and \(max)")
            return nil
        }
        return v
    }

    mutating func bool(_ json: JSON?, _ path: String) -> Bool? {
        guard let json, !json.isNull else { return nil }
        guard case let .bool(b) = json else {
            fail(path, "must be true or false")
            return nil
        }
        return b
    }

    mutating func string(_ json: JSON?, _ path: String, maxLength: Int = 191) -> String? {
        guard let json, !json.isNull else { return nil }
        guard case let .string(s) = json, !s.isEmpty, s.count <= maxLength else {
            fail(path, "must be a non-empty string of at most \(maxLength) characters")
            return nil
        }
        return s
    }

    mutating func oneOf(_ json: JSON?, _ path: String, _ values: [String]) -> String? {
        guard let s = string(json, path) else { return nil }
        guard values.contains(s) else {
            fail(path, "must be one of: \(values.joined(separator: ", "))")
            return nil
        }
        return s
    }

    mutating func strings(_ json: JSON?, _ path: String) -> [String] {
        guard let json, !json.isNull else { return [] }
        guard case let .array(items) = json, items.count <= 1000 else {
            fail(path, "must be an array of at most 1000 strings")
            return []
        }
        return items.enumerated().compactMap { string($0.element, "\(path).\($0.offset)") }
    }

    mutating func array(_ json: JSON?, _ path: String, max: Int = 200) -> [JSON] {
        guard let json, !json.isNull else { return [] }
        guard case let .array(items) = json, items.count <= max else {
            fail(path, "must be an array of at most \(max) items")
            return []
        }
        return items
    }

    /// A multiplier such as 2 or 1.25, as percent (200, 125).
    mutating func multiplier(_ json: JSON?, _ path: String) -> Int64? {
        guard let json, !json.isNull else { return nil }
        let d: Double? =
            switch json {
            case let .int(i): Double(i)
            case let .double(d): d
            default: nil
            }
        guard let d, d.isFinite, d >= 0, d <= 100 else {
            fail(path, "must be a number from 0 to 100")
            return nil
        }
        let percent = (d * 100).rounded()
        guard abs(percent - d * 100) < 1e-6 else {
            fail(path, "must have at most two decimals")
            return nil
        }
        return Int64(percent)
    }

    mutating func money(_ json: JSON?, _ path: String) -> Int64? {
        guard let json, !json.isNull else { return nil }
        let d: Double? =
            switch json {
            case let .int(i): Double(i)
            case let .double(d): d
            case let .money(m): Double(m) / 100
            default: nil
            }
        guard let d, d >= 0, let minor = Money.minorUnits(fromDecimal: d), minor <= Money.maximumMinor else {
            fail(path, "must be a non-negative amount with at most two decimals")
            return nil
        }
        return minor
    }

    /// "HH:MM" as minutes after midnight.
    mutating func clock(_ json: JSON?, _ path: String) -> Int? {
        guard let s = string(json, path, maxLength: 5) else { return nil }
        let parts = s.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 1440 else {
            fail(path, "must be a time of day HH:MM")
            return nil
        }
        return h * 60 + m
    }

    /// Epoch milliseconds, or "YYYY-MM-DD" / "YYYY-MM-DDTHH:MM[:SS][Z]" in UTC.
    mutating func instant(_ json: JSON?, _ path: String) -> Int64? {
        guard let json, !json.isNull else { return nil }
        if case let .int(ms) = json, ms >= 0 { return ms }
        guard case let .string(s) = json, let v = Self.parseInstant(s) else {
            fail(path, "must be a date YYYY-MM-DD or date-time YYYY-MM-DDTHH:MM:SSZ (UTC)")
            return nil
        }
        return v
    }

    static func parseInstant(_ raw: String) -> Int64? {
        var s = Substring(raw)
        if s.hasSuffix("Z") { s = s.dropLast() }
        let halves = s.split(separator: "T", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        let date = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard date.count == 3, date[0].count == 4, let y = Int64(date[0]), let mo = Int64(date[1]), let d = Int64(date[2]),
            (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var ms = LocalMoment.days(fromCivil: y, mo, d) * 86_400_000
        guard LocalMoment.civil(fromDays: ms / 86_400_000) == (y, mo, d) else { return nil }
        if halves.count == 2 {
            let t = halves[1].split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(t.count), let h = Int64(t[0]), let mi = Int64(t[1]), (0...23).contains(h), (0...59).contains(mi) else {
                return nil
            }
            let sec = t.count == 3 ? Int64(t[2].prefix(2)) : 0
            guard let sec, (0...59).contains(sec) else { return nil }
            ms += (h * 3600 + mi * 60 + sec) * 1000
        }
        return ms
    }

    mutating func program(_ json: JSON) -> ProgramConfig {
        var c = ProgramConfig()
        guard case let .object(members) = json else {
            fail("program", "must be a JSON object")
            return c
        }
        // `earning` and `redemption` belong to the card templates (``TemplateRulesPatch``).
        let known: Set<String> = [
            "min_order_amount", "rules", "activities", "tiers", "expiry", "pending_days", "allow_negative_balance", "refund_when_spent", "timezone",
            "earning", "redemption",
        ]
        for (key, _) in members where !known.contains(key) { fail(key, "is not a programme setting") }
        c.minOrderMinor = money(json["min_order_amount"], "min_order_amount") ?? 0
        var ids = Set<String>()
        c.rules = array(json["rules"], "rules").enumerated().compactMap { i, r in
            let rule = self.rule(r, "rules.\(i)")
            if let id = rule?.id, !ids.insert(id).inserted { fail("rules.\(i).id", "is used by another rule") }
            return rule
        }
        var keys = Set<String>()
        c.activities = array(json["activities"], "activities").enumerated().compactMap { i, a in
            let activity = self.activity(a, "activities.\(i)")
            if let k = activity?.key, !keys.insert(k).inserted { fail("activities.\(i).key", "is used by another activity") }
            return activity
        }
        if let t = object(json["tiers"], "tiers") { c.tiers = tiers(t, "tiers") }
        if let e = object(json["expiry"], "expiry") {
            switch oneOf(e["policy"], "expiry.policy", ["template", "never", "days", "end_of_month", "end_of_year"]) {
            case "never": c.expiry = .never
            case "days":
                if let n = int(e["days"], "expiry.days", min: 1, max: 36_500) {
                    c.expiry = .days(n)
                } else if e["days"] == nil {
                    fail("expiry.days", "is required when the policy is days")
                }
            case "end_of_month": c.expiry = .endOfMonth
            case "end_of_year": c.expiry = .endOfYear
            case "template": c.expiry = .template
            default: if e["policy"] == nil { fail("expiry.policy", "is required") }
            }
        }
        c.pendingDays = int(json["pending_days"], "pending_days", max: 365) ?? 0
        c.allowNegativeBalance = bool(json["allow_negative_balance"], "allow_negative_balance") ?? false
        if let p = oneOf(json["refund_when_spent"], "refund_when_spent", RefundPolicy.allCases.map(\.rawValue)),
            let policy = RefundPolicy(rawValue: p)
        {
            c.refundWhenSpent = policy
        }
        if let tz = string(json["timezone"], "timezone", maxLength: 64) {
            if LocalMoment.isKnownZone(tz) { c.timeZone = tz } else { fail("timezone", "is not a known IANA time zone") }
        }
        return c
    }

    mutating func rule(_ json: JSON, _ p: String) -> BonusRule? {
        guard let json = object(json, p) else {
            fail(p, "must be an object")
            return nil
        }
        guard let id = string(json["id"], "\(p).id", maxLength: 64) else {
            if json["id"] == nil { fail("\(p).id", "is required") }
            return nil
        }
        var r = BonusRule(id: id, name: string(json["name"], "\(p).name"))
        r.enabled = bool(json["enabled"], "\(p).enabled") ?? true
        r.multiplierPercent = multiplier(json["multiplier"], "\(p).multiplier") ?? 100
        r.bonusPoints = int(json["bonus_points"], "\(p).bonus_points", max: 1_000_000) ?? 0
        r.skus = strings(json["skus"], "\(p).skus")
        r.categories = strings(json["categories"], "\(p).categories")
        r.daysOfWeek = array(json["days_of_week"], "\(p).days_of_week", max: 7).enumerated().compactMap { i, d in
            int(d, "\(p).days_of_week.\(i)", min: 1, max: 7).map(Int.init)
        }
        r.timeFrom = clock(json["time_from"], "\(p).time_from")
        r.timeTo = clock(json["time_to"], "\(p).time_to")
        if (r.timeFrom == nil) != (r.timeTo == nil), !problems.contains(where: { $0.0.hasPrefix("\(p).time_") }) {
            fail("\(p).time_to", "time_from and time_to go together")
        }
        r.startsAt = instant(json["starts_at"], "\(p).starts_at")
        r.endsAt = instant(json["ends_at"], "\(p).ends_at")
        if let s = r.startsAt, let e = r.endsAt, e <= s { fail("\(p).ends_at", "must be after starts_at") }
        r.tiers = strings(json["tiers"], "\(p).tiers")
        if r.multiplierPercent == 100 && r.bonusPoints == 0 { fail("\(p).multiplier", "a rule needs a multiplier other than 1 or bonus_points") }
        return r
    }

    mutating func activity(_ json: JSON, _ p: String) -> Activity? {
        guard let json = object(json, p) else {
            fail(p, "must be an object")
            return nil
        }
        let key = string(json["key"], "\(p).key", maxLength: 64)
        if json["key"] == nil { fail("\(p).key", "is required") }
        let points = int(json["points"], "\(p).points", max: 1_000_000)
        if json["points"] == nil { fail("\(p).points", "is required") }
        if let key, !key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
            fail("\(p).key", "may contain only letters, digits, _ and -")
        }
        var a = Activity(key: key ?? "", name: string(json["name"], "\(p).name"), points: points ?? 0)
        a.refereePoints = int(json["referee_points"], "\(p).referee_points", max: 1_000_000) ?? 0
        if let cap = object(json["cap"], "\(p).cap") {
            a.capCount = int(cap["count"], "\(p).cap.count", max: 10_000) ?? 0
            if let period = oneOf(cap["period"], "\(p).cap.period", Activity.Period.allCases.map(\.rawValue)).flatMap(Activity.Period.init(rawValue:))
            {
                a.capPeriod = period
            }
        }
        return key == nil || points == nil ? nil : a
    }

    mutating func tiers(_ json: JSON, _ p: String) -> TierPolicy {
        var t = TierPolicy.standard
        t.enabled = bool(json["enabled"], "\(p).enabled") ?? true
        if let b = oneOf(json["basis"], "\(p).basis", TierPolicy.Basis.allCases.map(\.rawValue)).flatMap(TierPolicy.Basis.init(rawValue:)) {
            t.basis = b
        }
        t.windowDays = int(json["window_days"], "\(p).window_days", min: 1, max: 3650) ?? 365
        if json["levels"] != nil {
            let levels = array(json["levels"], "\(p).levels", max: 20).enumerated().compactMap { i, l -> TierPolicy.Tier? in
                let lp = "\(p).levels.\(i)"
                guard let l = object(l, lp) else {
                    fail(lp, "must be an object")
                    return nil
                }
                guard let name = string(l["name"], "\(lp).name", maxLength: 64) else {
                    if l["name"] == nil { fail("\(lp).name", "is required") }
                    return nil
                }
                let threshold = int(l["threshold"], "\(lp).threshold", max: Int64(Money.maximumMinor)) ?? 0
                return TierPolicy.Tier(name: name, threshold: threshold, multiplierPercent: multiplier(l["multiplier"], "\(lp).multiplier") ?? 100)
            }
            if levels.isEmpty && t.enabled && problems.isEmpty { fail("\(p).levels", "must name at least one tier") }
            for i in levels.indices.dropFirst() where levels[i].threshold <= levels[i - 1].threshold {
                fail("\(p).levels.\(i).threshold", "must be greater than the previous tier's")
            }
            if let first = levels.first, first.threshold != 0 { fail("\(p).levels.0.threshold", "the first tier starts at 0") }
            if Set(levels.map { $0.name.lowercased() }).count != levels.count { fail("\(p).levels", "tier names must differ") }
            t.tiers = levels
        }
        if let d = object(json["downgrade"], "\(p).downgrade") {
            switch oneOf(d["mode"], "\(p).downgrade.mode", ["never", "evaluation"]) {
            case "evaluation":
                t.downgrade = .evaluation(
                    periodDays: int(d["period_days"], "\(p).downgrade.period_days", max: 3650) ?? 365,
                    graceDays: int(d["grace_days"], "\(p).downgrade.grace_days", max: 3650) ?? 0
                )
            default: t.downgrade = .never
            }
        }
        return t
    }
}

extension LocalMoment {
    static func isKnownZone(_ id: String) -> Bool { zone(id) != nil }
}
