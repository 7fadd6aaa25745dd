import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit
import Synchronization

/// A partner's point-sharing settings (``PointSharing``) and its members' home shops.
public protocol PointSharingRepository: Sendable {
    func settings(partnerID: Int64) async throws -> PointSharing
    /// Stores the settings and bumps the partner's offers version, so every node's
    /// purchase path (and the PostgreSQL fast path's decision) sees them at once.
    func setSettings(partnerID: Int64, _ settings: PointSharing) async throws
    /// Sets a customer's home shop; `false` when the partner has no such customer.
    func setHomeShop(partnerID: Int64, customerID: Int64, shopID: Int64?) async throws -> Bool
    func homeShop(partnerID: Int64, customerID: Int64) async throws -> Int64?
}

public struct SQLPointSharingRepository: PointSharingRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    public func settings(partnerID: Int64) async throws -> PointSharing {
        try await database.read { db in try await PointSharingCache.load(db, partnerID: partnerID) }
    }

    public func setSettings(partnerID: Int64, _ s: PointSharing) async throws {
        let now = clock.nowMillis()
        let rates = JSON.object(s.shopRates.sorted { $0.key < $1.key }.map { (String($0.key), .int($0.value)) }).serializedString()
        try await database.write { db in
            try await db.raw(
                """
                INSERT INTO partner_settings (partner_id, multi_store_points, point_sharing, unified_tiers, shop_rates, updated_at)
                VALUES (\(bind: partnerID), \(bind: s.multiStore), \(bind: s.mode.rawValue), \(bind: s.unifiedTiers), \(bind: rates), \(bind: now))
                ON CONFLICT (partner_id) DO UPDATE SET multi_store_points = excluded.multi_store_points, point_sharing = excluded.point_sharing,
                  unified_tiers = excluded.unified_tiers, shop_rates = excluded.shop_rates, updated_at = excluded.updated_at
                """
            ).run()
            try await SQLOfferRepository.bumpVersion(db, partnerID: partnerID)
        }
    }

    public func setHomeShop(partnerID: Int64, customerID: Int64, shopID: Int64?) async throws -> Bool {
        let now = clock.nowMillis()
        return try await database.write { db in
            try await db.raw(
                """
                UPDATE customers SET home_shop_id = \(bind: shopID), updated_at = \(bind: now)
                WHERE partner_id = \(bind: partnerID) AND id = \(bind: customerID) RETURNING id
                """
            ).first() != nil
        }
    }

    public func homeShop(partnerID: Int64, customerID: Int64) async throws -> Int64? {
        try await database.read { db in
            try await db.raw("SELECT home_shop_id FROM customers WHERE partner_id = \(bind: partnerID) AND id = \(bind: customerID)").first()?
                .decode(column: "home_shop_id", as: Int64?.self)
        }
    }
}

/// Each partner's ``PointSharing``, loaded once per offers version (settings changes
/// bump it), so a purchase of a partner with the standard settings costs no query.
public final class PointSharingCache: Sendable {
    private let entries = Mutex<[Int64: (version: Int64, settings: PointSharing)]>([:])

    public init() {}

    func cached(partnerID: Int64, version: Int64?) -> PointSharing? {
        guard let v = version, v != 0 else { return .standard }
        guard let hit = entries.withLock({ $0[partnerID] }), hit.version == v else { return nil }
        return hit.settings
    }

    func settings(_ db: any SQLDatabase, partnerID: Int64, version: Int64?) async throws -> PointSharing {
        if let hit = cached(partnerID: partnerID, version: version) { return hit }
        let loaded = try await Self.load(db, partnerID: partnerID)
        let v = version ?? 0
        entries.withLock { current in
            if (current[partnerID]?.version ?? -1) <= v { current[partnerID] = (v, loaded) }
        }
        return loaded
    }

    static func load(_ db: any SQLDatabase, partnerID: Int64) async throws -> PointSharing {
        guard
            let r = try await db.raw(
                "SELECT multi_store_points, point_sharing, unified_tiers, shop_rates FROM partner_settings WHERE partner_id = \(bind: partnerID)"
            ).first()
        else { return .standard }
        var rates: [Int64: Int64] = [:]
        let text = try r.decode(column: "shop_rates", as: String.self)
        if case let .object(members)? = try? JSONDecoder().decode(JSON.self, from: Data(text.utf8)) {
            for (k, v) in members { if let id = Int64(k), case let .int(p) = v { rates[id] = p } }
        }
        return PointSharing(
            multiStore: try r.decode(column: "multi_store_points", as: Bool.self),
            mode: PointSharing.Mode(rawValue: try r.decode(column: "point_sharing", as: String.self)) ?? .full,
            unifiedTiers: try r.decode(column: "unified_tiers", as: Bool.self),
            shopRates: rates
        )
    }

    /// The member's home shop inside a purchase: the stored one, or `shopID` (set now)
    /// when none is stored yet.
    static func homeShop(_ db: any SQLDatabase, partnerID: Int64, customerID: Int64, shopID: Int64?) async throws -> Int64? {
        let stored = try await db.raw("SELECT home_shop_id FROM customers WHERE partner_id = \(bind: partnerID) AND id = \(bind: customerID)")
            .first()?.decode(column: "home_shop_id", as: Int64?.self)
        if let stored { return stored }
        guard let shopID else { return nil }
        try await db.raw(
            "UPDATE customers SET home_shop_id = \(bind: shopID) WHERE partner_id = \(bind: partnerID) AND id = \(bind: customerID) AND home_shop_id IS NULL"
        ).run()
        return shopID
    }
}
