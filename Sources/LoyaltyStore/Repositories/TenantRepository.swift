import LoyaltyCore
import SQLKit

/// Partners, their shops, card templates and API credentials.
public protocol TenantRepository: Sendable {
    /// Whether the database has no partner yet (a fresh install).
    func isEmpty() async throws -> Bool
    func createPartner(name: String) async throws -> Partner
    func partner(id: Int64) async throws -> Partner?
    func createShop(partnerID: Int64, name: String, address: String?, city: String?, isVirtual: Bool) async throws -> Shop
    /// A new shop of `partnerID` from `patch` (`name` is required by the caller).
    func createShop(partnerID: Int64, _ patch: ShopPatch) async throws -> Shop
    /// Applies `patch` to a shop of `partnerID`; `nil` when it has no such shop.
    func updateShop(partnerID: Int64, id: Int64, _ patch: ShopPatch) async throws -> Shop?
    /// A shop of `partnerID`, or `nil` (also when it belongs to another partner).
    func shop(partnerID: Int64, id: Int64) async throws -> Shop?
    func shops(partnerID: Int64, filter: ShopFilter, page: PageRequest) async throws -> Page<Shop>
    /// Creates the partner's default card template (1 point per EUR 1, 100 points = EUR 1).
    func createDefaultTemplate(partnerID: Int64, title: String) async throws -> CardTemplate
    func template(partnerID: Int64, id: Int64) async throws -> CardTemplate?
    func templates(partnerID: Int64, filter: TemplateFilter, page: PageRequest) async throws -> Page<CardTemplate>
    /// Creates a credential and returns it with its secret, which is not stored and never shown again.
    func createCredential(
        partnerID: Int64,
        shopID: Int64?,
        environment: DeploymentEnvironment,
        name: String?,
        expiresAt: Int64?
    ) async throws -> (ApiCredential, secret: String)
    func credential(key: String) async throws -> ApiCredential?
    func credentials(partnerID: Int64?) async throws -> [ApiCredential]
    /// Revokes by key; returns `false` when no such key exists.
    func revokeCredential(key: String) async throws -> Bool
}

public struct ShopFilter: Sendable {
    public var search: String?
    public var isActive: Bool?
    public var isVirtual: Bool?

    public init(search: String? = nil, isActive: Bool? = true, isVirtual: Bool? = nil) {
        self.search = search
        self.isActive = isActive
        self.isVirtual = isVirtual
    }
}

public struct TemplateFilter: Sendable {
    public var isActive: Bool?
    public var shopID: Int64?
    public var cardType: String?
    public var search: String?

    public init(isActive: Bool? = true, shopID: Int64? = nil, cardType: String? = nil, search: String? = nil) {
        self.isActive = isActive
        self.shopID = shopID
        self.cardType = cardType
        self.search = search
    }
}

public struct SQLTenantRepository: TenantRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    public func isEmpty() async throws -> Bool {
        try await database.read { db in try await db.raw("SELECT id FROM partners LIMIT 1").first() == nil }
    }

    public func createPartner(name: String) async throws -> Partner {
        let now = clock.nowMillis()
        return try await database.write { db in
            let row = try await db.raw(
                "INSERT INTO partners (name, created_at, updated_at) VALUES (\(bind: name), \(bind: now), \(bind: now)) RETURNING id"
            ).first()
            return Partner(id: try row.required("the returned row").decode(column: "id", as: Int64.self), name: name, createdAt: now)
        }
    }

    public func partner(id: Int64) async throws -> Partner? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Rows.partnerColumns) FROM partners WHERE id = \(bind: id)").first().map(Rows.partner)
        }
    }

    public func createShop(partnerID: Int64, name: String, address: String?, city: String?, isVirtual: Bool) async throws -> Shop {
        let now = clock.nowMillis()
        return try await database.write { db in
            let row = try await db.raw(
                """
                INSERT INTO shops (partner_id, name, address, city, is_active, is_virtual, created_at, updated_at)
                VALUES (\(bind: partnerID), \(bind: name), \(bind: address), \(bind: city), \(bind: true), \(bind: isVirtual), \(bind: now),
                  \(bind: now))
                RETURNING \(unsafeRaw: Rows.shopColumns)
                """
            ).first()
            return try Rows.shop(try row.required("the returned row"))
        }
    }

    public func createShop(partnerID: Int64, _ p: ShopPatch) async throws -> Shop {
        let now = clock.nowMillis()
        return try await database.write { db in
            let row = try await db.raw(
                """
                INSERT INTO shops (partner_id, name, address, city, phone, email, website, description, opening_hours, latitude, longitude,
                  is_active, is_virtual, created_at, updated_at)
                VALUES (\(bind: partnerID), \(bind: p.name ?? ""), \(bind: p.address.nonEmpty), \(bind: p.city.nonEmpty), \(bind: p.phone.nonEmpty),
                  \(bind: p.email.nonEmpty), \(bind: p.website.nonEmpty), \(bind: p.description.nonEmpty), \(bind: p.openingHours.nonEmpty),
                  \(bind: p.latitude), \(bind: p.longitude), \(bind: p.isActive ?? true), \(bind: p.isVirtual ?? false), \(bind: now), \(bind: now))
                RETURNING \(unsafeRaw: Rows.shopColumns)
                """
            ).first()
            return try Rows.shop(try row.required("the returned row"))
        }
    }

    public func updateShop(partnerID: Int64, id: Int64, _ p: ShopPatch) async throws -> Shop? {
        var sets: SQLQueryString = "updated_at = \(bind: clock.nowMillis())"
        let texts: [(String, String?)] = [
            ("address", p.address), ("city", p.city), ("phone", p.phone), ("email", p.email), ("website", p.website),
            ("description", p.description), ("opening_hours", p.openingHours),
        ]
        if let v = p.name { sets += ", name = \(bind: v)" }
        for (column, value) in texts where value != nil { sets += ", \(unsafeRaw: column) = \(bind: value.nonEmpty)" }
        if p.clearLocation {
            sets += ", latitude = NULL, longitude = NULL"
        } else if let lat = p.latitude, let lon = p.longitude {
            sets += ", latitude = \(bind: lat), longitude = \(bind: lon)"
        }
        if let v = p.isActive { sets += ", is_active = \(bind: v)" }
        if let v = p.isVirtual { sets += ", is_virtual = \(bind: v)" }
        let finalSets = sets
        return try await database.write { db in
            try await db.raw(
                """
                UPDATE shops SET \(finalSets) WHERE partner_id = \(bind: partnerID) AND id = \(bind: id) RETURNING \(unsafeRaw: Rows.shopColumns)
                """
            ).first().map(Rows.shop)
        }
    }

    public func shop(partnerID: Int64, id: Int64) async throws -> Shop? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Rows.shopColumns) FROM shops WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)").first()
                .map(Rows.shop)
        }
    }

    public func shops(partnerID: Int64, filter: ShopFilter, page: PageRequest) async throws -> Page<Shop> {
        var condition: SQLQueryString = "partner_id = \(bind: partnerID)"
        if let active = filter.isActive { condition += " AND is_active = \(bind: active)" }
        if let virtual = filter.isVirtual { condition += " AND is_virtual = \(bind: virtual)" }
        if let search = filter.search, !search.isEmpty {
            let like = "%\(search.lowercased())%"
            condition +=
                """
                 AND (LOWER(name) LIKE \(bind: like) OR LOWER(COALESCE(address, '')) LIKE \(bind: like) OR LOWER(COALESCE(city, '')) LIKE
                   \(bind: like))
                """
        }
        let finalCondition = condition
        return try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM shops WHERE \(finalCondition)").first())
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.shopColumns) FROM shops WHERE \(finalCondition) ORDER BY id LIMIT \(literal: page.perPage) OFFSET
                  \(literal: page.offset)
                """
            ).all()
            return Page(items: try rows.map(Rows.shop), request: page, total: total)
        }
    }

    public func createDefaultTemplate(partnerID: Int64, title: String) async throws -> CardTemplate {
        let now = clock.nowMillis()
        let code = "CARD-\(partnerID)-\(ApiKeyFormat.newSecret().prefix(6).uppercased())"
        return try await database.write { db in
            let row = try await db.raw(
                """
                INSERT INTO card_templates (partner_id, title_lt, title_en, description_lt, description_en, code, created_at, updated_at)
                VALUES (\(bind: partnerID), \(bind: title), \(bind: title), \(bind: "Lojalumo kortelė"), \(bind: "Loyalty card"), \(bind: code),
                  \(bind: now), \(bind: now))
                RETURNING \(unsafeRaw: Rows.templateColumns)
                """
            ).first()
            return try Rows.template(try row.required("the returned row"))
        }
    }

    /// Applies the patch to every card template of the partner, inside the caller's
    /// transaction (the programme `PUT` writes it together with the programme document);
    /// returns how many templates changed.
    static func applyTemplateRules(_ db: any SQLDatabase, partnerID: Int64, patch p: TemplateRulesPatch, now: Int64) async throws -> Int {
        guard !p.isEmpty else { return 0 }
        return try await db.raw(
            """
            UPDATE card_templates SET
              points_enabled = COALESCE(\(bind: p.earningEnabled), points_enabled),
              points_per_currency = COALESCE(\(bind: p.pointsPerCurrency), points_per_currency),
              currency_amount_minor = COALESCE(\(bind: p.currencyAmountMinor), currency_amount_minor),
              round_points_up = COALESCE(\(bind: p.roundUp), round_points_up),
              points_per_visit = COALESCE(\(bind: p.pointsPerVisit), points_per_visit),
              min_points_per_purchase = COALESCE(\(bind: p.minPointsPerPurchase), min_points_per_purchase),
              max_points_per_purchase = COALESCE(\(bind: p.maxPointsPerPurchase), max_points_per_purchase),
              redemption_enabled = COALESCE(\(bind: p.redemptionEnabled), redemption_enabled),
              redemption_points_per_currency = COALESCE(\(bind: p.redemptionPointsPerCurrency), redemption_points_per_currency),
              redemption_currency_amount_minor = COALESCE(\(bind: p.redemptionCurrencyAmountMinor), redemption_currency_amount_minor),
              min_points_for_redemption = COALESCE(\(bind: p.minPointsForRedemption), min_points_for_redemption),
              max_points_per_redemption = COALESCE(\(bind: p.maxPointsPerRedemption), max_points_per_redemption),
              updated_at = \(bind: now)
            WHERE partner_id = \(bind: partnerID) RETURNING id
            """
        ).all().count
    }

    public func template(partnerID: Int64, id: Int64) async throws -> CardTemplate? {
        try await database.read { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Rows.templateColumns) FROM card_templates WHERE partner_id = \(bind: partnerID) AND id = \(bind: id)"
            ).first().map { try Rows.template($0) }
        }
    }

    public func templates(partnerID: Int64, filter: TemplateFilter, page: PageRequest) async throws -> Page<CardTemplate> {
        var condition: SQLQueryString = "partner_id = \(bind: partnerID) AND deleted_at IS NULL"
        if let active = filter.isActive { condition += " AND is_active = \(bind: active)" }
        if let type = filter.cardType { condition += " AND card_type = \(bind: type)" }
        if let search = filter.search, !search.isEmpty {
            let like = "%\(search.lowercased())%"
            condition += " AND (LOWER(title_lt) LIKE \(bind: like) OR LOWER(title_en) LIKE \(bind: like))"
        }
        if let shopID = filter.shopID {
            // shop_ids is a comma list; an empty list means "every shop".
            condition += " AND (shop_ids = '' OR (',' || shop_ids || ',') LIKE \(bind: "%,\(shopID),%"))"
        }
        let finalCondition = condition
        return try await database.read { db in
            let total = try Rows.count(try await db.raw("SELECT COUNT(*) AS n FROM card_templates WHERE \(finalCondition)").first())
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.templateColumns) FROM card_templates WHERE \(finalCondition) ORDER BY id LIMIT \(literal: page.perPage)
                  OFFSET \(literal: page.offset)
                """
            ).all()
            return Page(items: try rows.map { try Rows.template($0) }, request: page, total: total)
        }
    }

    public func createCredential(
        partnerID: Int64,
        shopID: Int64?,
        environment: DeploymentEnvironment,
        name: String?,
        expiresAt: Int64?
    ) async throws -> (ApiCredential, secret: String) {
        let key = ApiKeyFormat.newKey()
        let secret = ApiKeyFormat.newSecret()
        let hash = SecretHasher.hash(secret)
        let now = clock.nowMillis()
        let credential = try await database.write { db in
            let row = try await db.raw(
                """
                INSERT INTO api_credentials (partner_id, shop_id, api_key, secret_hash, environment, name, created_at, expires_at)
                VALUES (\(bind: partnerID), \(bind: shopID), \(bind: key), \(bind: hash), \(bind: environment.rawValue), \(bind: name),
                  \(bind: now), \(bind: expiresAt))
                RETURNING \(unsafeRaw: Rows.credentialColumns)
                """
            ).first()
            return try Rows.credential(try row.required("the returned row"))
        }
        return (credential, secret)
    }

    public func credential(key: String) async throws -> ApiCredential? {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.credentialColumns), (SELECT is_active FROM partners WHERE partners.id = api_credentials.partner_id)
                  AS partner_active FROM api_credentials WHERE api_key = \(bind: key)
                """
            ).first().map(Rows.credential)
        }
    }

    public func credentials(partnerID: Int64?) async throws -> [ApiCredential] {
        try await database.read { db in
            let rows: [any SQLRow]
            if let partnerID {
                rows = try await db.raw(
                    "SELECT \(unsafeRaw: Rows.credentialColumns) FROM api_credentials WHERE partner_id = \(bind: partnerID) ORDER BY id"
                ).all()
            } else {
                rows = try await db.raw("SELECT \(unsafeRaw: Rows.credentialColumns) FROM api_credentials ORDER BY id").all()
            }
            return try rows.map(Rows.credential)
        }
    }

    public func revokeCredential(key: String) async throws -> Bool {
        let now = clock.nowMillis()
        return try await database.write { db in
            let row = try await db.raw(
                "UPDATE api_credentials SET revoked_at = COALESCE(revoked_at, \(bind: now)) WHERE api_key = \(bind: key) RETURNING id"
            ).first()
            return row != nil
        }
    }
}
