import LoyaltyCore
import SQLKit
import Synchronization

/// The games each partner's purchases drive (stamp cards and collections with a
/// purchase rule, challenges), loaded once per offers version (games bump it too), so
/// a purchase costs no extra query unless a game changed, and the PostgreSQL fast path
/// knows without a query when it must leave a purchase to the general path.
public final class PurchaseGameCache: Sendable {
    private let entries = Mutex<[Int64: (version: Int64, games: [Game])]>([:])

    public init() {}

    func cached(partnerID: Int64, version: Int64?) -> [Game]? {
        guard let v = version, v != 0 else { return [] }
        guard let hit = entries.withLock({ $0[partnerID] }), hit.version == v else { return nil }
        return hit.games
    }

    func games(_ db: any SQLDatabase, partnerID: Int64, version: Int64?) async throws -> [Game] {
        if let hit = cached(partnerID: partnerID, version: version) { return hit }
        let v = version ?? 0
        let games = try await db.raw(
            """
            SELECT \(unsafeRaw: GameRows.columns) FROM games WHERE partner_id = \(bind: partnerID) AND deleted_at IS NULL AND is_active = \(bind: true)
              AND game_type IN ('stamps', 'collection', 'challenge')
            """
        ).all().map(GameRows.game).filter(\.isPurchaseDriven)
        entries.withLock { current in
            if (current[partnerID]?.version ?? -1) <= v { current[partnerID] = (v, games) }
        }
        return games
    }
}

extension Game {
    /// Purchases move it: a stamp card or collection with a purchase rule, or a challenge.
    var isPurchaseDriven: Bool {
        switch type {
        case .stamps, .collection: settings.purchaseRule != nil
        case .challenge: settings.goal != nil
        default: false
        }
    }
}
