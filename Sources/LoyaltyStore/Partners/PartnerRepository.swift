import LoyaltyCore
import SQLKit

/// Partner profiles (P02-P06): the platform's list of partners and each one's contact
/// details and active flag. ``TenantRepository/partner(id:)`` reads one.
public protocol PartnerRepository: Sendable {
    /// Partners by id, optionally those whose name or contact email contains `search`.
    func partners(search: String?, page: PageRequest) async throws -> Page<Partner>
    /// A new partner from `profile` (`name` is required by the caller).
    func create(_ profile: PartnerProfilePatch) async throws -> Partner
    /// Applies `patch`; `nil` when no such partner.
    func update(id: Int64, _ patch: PartnerProfilePatch) async throws -> Partner?
}

public struct SQLPartnerRepository: PartnerRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    public func partners(search: String?, page: PageRequest) async throws -> Page<Partner> {
        var condition: SQLQueryString = "1 = 1"
        if let search, !search.isEmpty {
            let like = "%\(search.lowercased())%"
            condition += " AND (LOWER(name) LIKE \(bind: like) OR LOWER(COALESCE(contact_email, '')) LIKE \(bind: like))"
        }
        let finalCondition = condition
        return try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM partners WHERE \(finalCondition)").first())
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.partnerColumns) FROM partners WHERE \(finalCondition) ORDER BY id LIMIT \(literal: page.perPage)
                  OFFSET \(literal: page.offset)
                """
            ).all()
            return Page(items: try rows.map(Rows.partner), request: page, total: total)
        }
    }

    public func create(_ profile: PartnerProfilePatch) async throws -> Partner {
        let now = clock.nowMillis()
        return try await database.write { db in
            let row = try await db.raw(
                """
                INSERT INTO partners (name, description, contact_email, contact_phone, website, logo_url, is_active, created_at, updated_at)
                VALUES (\(bind: profile.name ?? ""), \(bind: profile.description.nonEmpty), \(bind: profile.contactEmail.nonEmpty),
                  \(bind: profile.contactPhone.nonEmpty), \(bind: profile.website.nonEmpty), \(bind: profile.logoURL.nonEmpty),
                  \(bind: profile.isActive ?? true), \(bind: now), \(bind: now))
                RETURNING \(unsafeRaw: Rows.partnerColumns)
                """
            ).first()
            return try Rows.partner(try row.required("the returned row"))
        }
    }

    public func update(id: Int64, _ patch: PartnerProfilePatch) async throws -> Partner? {
        let now = clock.nowMillis()
        var sets: SQLQueryString = "updated_at = \(bind: now)"
        if let v = patch.name { sets += ", name = \(bind: v)" }
        if let v = patch.description { sets += ", description = \(bind: Optional(v).nonEmpty)" }
        if let v = patch.contactEmail { sets += ", contact_email = \(bind: Optional(v).nonEmpty)" }
        if let v = patch.contactPhone { sets += ", contact_phone = \(bind: Optional(v).nonEmpty)" }
        if let v = patch.website { sets += ", website = \(bind: Optional(v).nonEmpty)" }
        if let v = patch.logoURL { sets += ", logo_url = \(bind: Optional(v).nonEmpty)" }
        if let v = patch.isActive { sets += ", is_active = \(bind: v)" }
        let finalSets = sets
        return try await database.write { db in
            try await db.raw("UPDATE partners SET \(finalSets) WHERE id = \(bind: id) RETURNING \(unsafeRaw: Rows.partnerColumns)").first()
                .map(Rows.partner)
        }
    }
}

extension Optional where Wrapped == String {
    /// `nil` for an absent or empty string: an empty field clears an optional column.
    var nonEmpty: String? {
        guard let s = self, !s.isEmpty else { return nil }
        return s
    }
}
