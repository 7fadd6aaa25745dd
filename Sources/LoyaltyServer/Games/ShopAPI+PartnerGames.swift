import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore

/// The Partner API's game management (P11-P20), on the partner's API credentials
/// until partner login exists (as the webhook routes are).
extension ShopAPI {
    func registerPartnerGames(_ routes: APIRoutes) {
        routes.get("games", partnerGames)
        routes.post("games", createGame)
        routes.get("games/:id", partnerGame)
        routes.put("games/:id", updateGame)
        routes.delete("games/:id", deleteGame)
        routes.put("games/:id/toggle-status", toggleGame)
        routes.get("games/:id/statistics", gameStatistics)
        let limit = services.config.gameImageMaxBytes
        routes.upload("games/:id/upload-stamp-image", limit: limit * 4 / 3 + 65_536, reported: limit, file: .image, uploadStampImage)
        routes.get("games/:id/stamp-image", stampImage)
        routes.get("games/:id/collection-items", collectionItems)
        routes.get("games/:id/stamps", stampSettingsOf)
    }

    func presentPartnerGame(_ g: Game, call: APICall) async throws -> JSON {
        let activity = try await services.games.activity(partnerID: call.partnerID, gameIDs: [g.id])[g.id] ?? GameActivity()
        return Present.game(
            g,
            partner: try await tenants.partner(id: call.partnerID),
            locale: call.locale,
            imageURL: stampImageURL(g, call: call),
            activity: activity
        )
    }

    /// P11: `active_only` / `active`, `game_type`, paged; `data{games, pagination}`.
    @Sendable func partnerGames(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        var filter = GameFilter()
        filter.isActive = f.bool("active_only") == true ? true : f.bool("active")
        if let t = f.string("game_type", maxLength: 40) {
            if let type = GameType(parsing: t) { filter.type = type } else { f.fail("game_type", "game_invalid_type") }
        }
        filter.search = f.string("search", maxLength: 100)
        try f.throwIfInvalid()
        let result = try await services.games.games(partnerID: call.partnerID, filter: filter, page: page)
        let activity = try await services.games.activity(partnerID: call.partnerID, gameIDs: result.items.map(\.id))
        let p = try await tenants.partner(id: call.partnerID)
        let games = result.items.map {
            Present.game($0, partner: p, locale: call.locale, imageURL: stampImageURL($0, call: call), activity: activity[$0.id] ?? GameActivity())
        }
        return APIResult(
            messageKey: "games_listed",
            data: .object([
                ("games", .array(games)),
                (
                    "pagination",
                    .object([
                        ("current_page", .int(Int64(result.request.page))), ("per_page", .int(Int64(result.request.perPage))),
                        ("total", .int(Int64(result.total))),
                        ("last_page", .int(Int64(result.lastPage))),
                    ])
                ),
            ]),
            meta: Envelope.meta(result)
        )
    }

    /// P12.
    @Sendable func createGame(_ call: APICall) async throws -> APIResult {
        let blank = Game(id: 0, partnerID: call.partnerID, type: .stamps, name: LocalizedText(lt: nil, en: nil))
        let draft = try GameRequest.apply(call.fields, to: blank, creating: true)
        try await checkGameTargets(draft, call: call)
        let g = try await services.games.create(draft)
        return APIResult(status: .created, messageKey: "game_created", data: try await presentPartnerGame(g, call: call))
    }

    /// P13.
    @Sendable func partnerGame(_ call: APICall) async throws -> APIResult {
        APIResult(messageKey: "game_retrieved", data: try await presentPartnerGame(try await loadGame(call), call: call))
    }

    /// P14: any P12 field.
    @Sendable func updateGame(_ call: APICall) async throws -> APIResult {
        let current = try await loadGame(call)
        let changed = try GameRequest.apply(call.fields, to: current, creating: false)
        try await checkGameTargets(changed, call: call)
        let g = try await services.games.update(changed)
        return APIResult(messageKey: "game_updated", data: try await presentPartnerGame(g, call: call))
    }

    /// Shops named by a game must be the partner's own.
    func checkGameTargets(_ g: Game, call: APICall) async throws {
        for (i, id) in g.shopIDs.enumerated() where try await tenants.shop(partnerID: call.partnerID, id: id) == nil {
            throw APIError.validation([("shop_ids.\(i)", [Messages.text("shop_not_found", call.locale)])])
        }
    }

    /// P15.
    @Sendable func deleteGame(_ call: APICall) async throws -> APIResult {
        guard try await services.games.delete(partnerID: call.partnerID, id: try gameID(call)) else { throw GameError.gameNotFound }
        return APIResult(messageKey: "game_deleted", data: .null)
    }

    /// P16.
    @Sendable func toggleGame(_ call: APICall) async throws -> APIResult {
        var g = try await loadGame(call)
        g.isActive.toggle()
        let saved = try await services.games.update(g)
        return APIResult(messageKey: "game_toggled", data: .object([("id", .int(saved.id)), ("is_active", .bool(saved.isActive))]))
    }

    /// P17: `period` day|week|month|year (default month).
    @Sendable func gameStatistics(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let period = f.oneOf("period", ["day", "week", "month", "year"]).flatMap(Activity.Period.init(rawValue:)) ?? .month
        try f.throwIfInvalid()
        let g = try await loadGame(call)
        let s = try await services.games.statistics(partnerID: call.partnerID, gameID: g.id, period: period)
        let budget: JSON =
            g.budget.map { b in
                .object([
                    ("period", .string(b.period.rawValue)), ("period_start", Present.time(s.budgetPeriodStart)),
                    ("points_limit", .optional(b.points)), ("points_used", .int(s.budgetPointsUsed)),
                    ("coupons_limit", .optional(b.coupons)), ("coupons_used", .int(s.budgetCouponsUsed)),
                ])
            } ?? .null
        return APIResult(
            data: .object([
                ("game_id", .int(g.id)), ("period", .string(period.rawValue)), ("since", Present.time(s.since)), ("plays", .int(s.plays)),
                ("players", .int(s.players)), ("completions", .int(s.completions)), ("stamps_added", .int(s.stampsAdded)),
                ("points_spent", .int(s.pointsSpent)),
                ("prizes_given", .object([("points", .int(s.pointsGiven)), ("coupons", .int(s.couponsIssued))])), ("budget", budget),
            ])
        )
    }

    /// P18: a PNG, JPEG, GIF or WebP image, as a multipart `image` part, a raw body, or
    /// `image_base64` in JSON; checked by its bytes, not its name.
    @Sendable func uploadStampImage(_ call: APICall) async throws -> APIResult {
        let g = try await loadGame(call)
        let limit = services.config.gameImageMaxBytes
        var bytes: [UInt8]
        if let upload = call.upload {
            if upload.contentType.lowercased().hasPrefix("multipart/form-data") {
                let parts = try MultipartForm.parse(upload.bytes, contentType: upload.contentType)
                guard let part = parts.first(where: { $0.name == "image" }) ?? parts.first(where: { $0.fileName != nil }) else {
                    throw APIError.validation([("image", [Messages.text("v_required", call.locale, ["field": "image"])])])
                }
                bytes = part.bytes
            } else {
                bytes = upload.bytes
            }
        } else {
            var f = call.fields
            var text = f.string("image_base64", required: true, maxLength: limit * 4 / 3 + 1024) ?? ""
            try f.throwIfInvalid()
            if let comma = text.firstIndex(of: ","), text.hasPrefix("data:") { text = String(text[text.index(after: comma)...]) }
            guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
                throw APIError.validation([("image_base64", [Messages.text("image_type", call.locale)])])
            }
            bytes = [UInt8](data)
        }
        guard bytes.count <= limit else { throw APIRoutes.UploadFile.image.tooLarge(reported: limit) }
        guard let type = ImageSniffer.contentType(bytes) else {
            throw APIError(
                status: .unprocessableContent,
                code: 1100,
                stringCode: .imageInvalid,
                messageKey: "image_type",
                fieldErrors: [("image", [Messages.text("image_type", call.locale)])]
            )
        }
        let image = try await services.games.setStampImage(partnerID: call.partnerID, gameID: g.id, contentType: type, bytes: bytes)
        return APIResult(
            messageKey: "game_image_uploaded",
            data: .object([
                ("game_id", .int(g.id)), ("content_type", .string(image.contentType)), ("size", .int(image.bytes)), ("sha256", .string(image.sha256)),
                ("stamp_image_url", .string("/\(call.locale.rawValue)/partners/games/\(g.id)/stamp-image")),
                ("stamp_icon_type", .string("custom")),
            ])
        )
    }

    /// The uploaded stamp image itself.
    @Sendable func stampImage(_ call: APICall) async throws -> APIResult {
        guard let (image, bytes) = try await services.games.stampImage(partnerID: call.partnerID, gameID: try gameID(call)) else {
            throw GameError.gameNotFound
        }
        var headers = HTTPFields()
        headers[.eTag] = "\"\(image.sha256)\""
        headers[.cacheControl] = "private, max-age=300"
        return APIResult(contentType: image.contentType, body: bytes, headers: headers)
    }

    /// P19: a collection's items.
    @Sendable func collectionItems(_ call: APICall) async throws -> APIResult {
        let g = try await loadGame(call)
        return APIResult(data: Present.items(g, locale: call.locale))
    }

    /// P20: a stamp game's settings.
    @Sendable func stampSettingsOf(_ call: APICall) async throws -> APIResult {
        let g = try await loadGame(call)
        return APIResult(data: Present.stampSettings(g, imageURL: stampImageURL(g, call: call)))
    }
}

/// Tells an image's type by its first bytes (a name or a declared type proves nothing).
enum ImageSniffer {
    static func contentType(_ b: [UInt8]) -> String? {
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if b.starts(with: Array("GIF87a".utf8)) || b.starts(with: Array("GIF89a".utf8)) { return "image/gif" }
        if b.count >= 12, b.starts(with: Array("RIFF".utf8)), Array(b[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return nil
    }
}
