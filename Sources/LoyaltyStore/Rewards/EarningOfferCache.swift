import LoyaltyCore
import SQLKit
import Synchronization

/// The `points_multiplier` and `cashback` offers of each partner, loaded once per
/// offers version (``offer_versions``, read in the same query as the card), so a
/// purchase on the hot path costs no extra query unless an offer changed.
public final class EarningOfferCache: Sendable {
    private let entries = Mutex<[Int64: (version: Int64, offers: [Offer])]>([:])

    public init() {}

    /// The partner's earning offers at `version` without touching the database, when known.
    func cached(partnerID: Int64, version: Int64?) -> [Offer]? {
        guard let v = version, v != 0 else { return [] }
        guard let hit = entries.withLock({ $0[partnerID] }), hit.version == v else { return nil }
        return hit.offers
    }

    func offers(_ db: any SQLDatabase, partnerID: Int64, version: Int64?) async throws -> [Offer] {
        if let hit = cached(partnerID: partnerID, version: version) { return hit }
        let v = version ?? 0
        let offers = try await db.raw(
            """
            SELECT \(unsafeRaw: OfferRows.columns) FROM offers WHERE partner_id = \(bind: partnerID) AND deleted_at IS NULL AND is_active = \(bind: true)
              AND type IN ('points_multiplier', 'cashback')
            """
        ).all().map(OfferRows.offer)
        entries.withLock { current in
            if (current[partnerID]?.version ?? -1) <= v { current[partnerID] = (v, offers) }
        }
        return offers
    }
}
