import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit
import Synchronization

/// The partners' programme configuration (``ProgramConfig``), versioned.
public protocol ProgramRepository: Sendable {
    /// The current programme and its version (0 and the defaults when never set).
    func program(partnerID: Int64) async throws -> (version: Int64, config: ProgramConfig)
    /// Replaces the programme and applies `templateRules` to the partner's card
    /// templates, atomically; returns the new version. Rules already applied to past
    /// transactions are recorded with them and do not change.
    func setProgram(partnerID: Int64, config: ProgramConfig, templateRules: TemplateRulesPatch, actor: String?) async throws -> Int64
}

public struct SQLProgramRepository: ProgramRepository {
    let database: any DatabaseClient
    let clock: any WallClock
    let cache: ProgramCache

    public init(database: any DatabaseClient, cache: ProgramCache, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
        self.cache = cache
    }

    public func program(partnerID: Int64) async throws -> (version: Int64, config: ProgramConfig) {
        try await database.read { db in try await ProgramCache.load(db, partnerID: partnerID) }
    }

    public func setProgram(partnerID: Int64, config: ProgramConfig, templateRules: TemplateRulesPatch, actor: String?) async throws -> Int64 {
        let text = config.encoded().serializedString()
        return try await database.write { db in
            let now = clock.nowMillis()
            _ = try await SQLTenantRepository.applyTemplateRules(db, partnerID: partnerID, patch: templateRules, now: now)
            let row = try await db.raw(
                """
                INSERT INTO programs (partner_id, version, config, updated_by, updated_at) VALUES (\(bind: partnerID), 1, \(bind: text),
                  \(bind: actor), \(bind: now))
                ON CONFLICT (partner_id) DO UPDATE SET version = programs.version + 1, config = excluded.config, updated_by = excluded.updated_by,
                  updated_at = excluded.updated_at
                RETURNING version
                """
            ).first()
            return try row.required("the returned row").decode(column: "version", as: Int64.self)
        }
    }
}

/// Parsed programmes by partner and version, so the hot path reads only the version
/// (in the same query as the card) and parses a document once per change per node.
public final class ProgramCache: Sendable {
    private let entries = Mutex<[Int64: (version: Int64, config: ProgramConfig)]>([:])
    /// The partners' running earning offers, cached the same way (by offers version).
    let earningOffers = EarningOfferCache()
    let purchaseGames = PurchaseGameCache()
    let pointSharing = PointSharingCache()

    public init() {}

    /// The programme at `version` when this node has it parsed already (always for a
    /// partner without a programme), without touching the database.
    func cached(partnerID: Int64, version: Int64?) -> ProgramConfig? {
        let v = version ?? 0
        if v == 0 { return .standard }
        guard let hit = entries.withLock({ $0[partnerID] }), hit.version == v else { return nil }
        return hit.config
    }

    /// The programme at `version` (as the caller's query saw it), loading it on a miss.
    func config(_ db: any SQLDatabase, partnerID: Int64, version: Int64?) async throws -> ProgramConfig {
        let v = version ?? 0
        if v == 0 { return .standard }
        if let hit = entries.withLock({ $0[partnerID] }), hit.version == v { return hit.config }
        let loaded = try await Self.load(db, partnerID: partnerID)
        entries.withLock { current in
            if (current[partnerID]?.version ?? -1) < loaded.version { current[partnerID] = loaded }
        }
        return loaded.config
    }

    /// The programme in force now, for writes that did not read the version with the card.
    func current(_ db: any SQLDatabase, partnerID: Int64) async throws -> ProgramConfig {
        let row = try await db.raw("SELECT version FROM programs WHERE partner_id = \(bind: partnerID)").first()
        return try await config(db, partnerID: partnerID, version: try row?.decode(column: "version", as: Int64.self))
    }

    /// The programme as stored now (a document that no longer parses falls back to the
    /// defaults rather than stopping every award; `PUT` never stores one).
    static func load(_ db: any SQLDatabase, partnerID: Int64) async throws -> (version: Int64, config: ProgramConfig) {
        guard let row = try await db.raw("SELECT version, config FROM programs WHERE partner_id = \(bind: partnerID)").first() else {
            return (0, .standard)
        }
        let version = try row.decode(column: "version", as: Int64.self)
        let text = try row.decode(column: "config", as: String.self)
        let json = (try? JSONDecoder().decode(JSON.self, from: Data(text.utf8))) ?? .object([])
        return (version, (try? ProgramConfig.decode(json)) ?? .standard)
    }
}
