import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import MultipartKit
import NIOCore

/// Categories and products (S28, S30, S31) and the XML product import (S48-S55).
extension ShopAPI {
    func registerCatalog(_ routes: APIRoutes) {
        routes.get("categories", categoryTree)
        routes.get("products/categories", productCategories)
        routes.get("products/sync-status", productSyncStatus)
        routes.post("xml-import/from-url", importFromURL)
        routes.upload("xml-import/from-file", limit: services.config.xmlMaxBytes + 65_536, reported: services.config.xmlMaxBytes, importFromFile)
        routes.post("xml-import/validate", validateFeed)
        routes.get("xml-import/field-mappings", feedFieldMappings)
        routes.get("xml-import/stats", importStats)
        routes.get("xml-import/history", importHistory)
        routes.get("xml-import", importDashboard)
        routes.delete("xml-import/:id", deleteImport)
    }

    var importer: FeedImporter {
        FeedImporter(catalog: services.catalog, targets: services.webhookTargets, maxBytes: services.config.xmlMaxBytes, clock: services.clock)
    }

    // MARK: Categories and products

    func tree(_ all: [Category], locale: APILocale, localized: Bool) -> [JSON] {
        let children = Dictionary(grouping: all, by: \.parentID)
        func node(_ c: Category, depth: Int) -> JSON {
            let name: JSON =
                localized ? .object([("lt", .optional(c.name.lt)), ("en", .optional(c.name.en))]) : .optional(c.name.text(locale.rawValue))
            let kids = depth < 20 ? (children[c.id] ?? []).map { node($0, depth: depth + 1) } : []
            return .object([
                ("id", .int(c.id)), ("name", name), ("slug", .string(c.slug)), ("parent_id", .optional(c.parentID)), ("children", .array(kids)),
            ])
        }
        let ids = Set(all.map(\.id))
        return all.filter { $0.parentID.map { !ids.contains($0) } ?? true }.map { node($0, depth: 0) }
    }

    /// S28: `[{id, name{lt,en}, slug, parent_id, children[]}]`.
    @Sendable func categoryTree(_ call: APICall) async throws -> APIResult {
        APIResult(data: .array(tree(try await services.catalog.categories(partnerID: call.partnerID), locale: call.locale, localized: true)))
    }

    /// S30: the nested tree, a flat list with `-- ` per level, and the total.
    @Sendable func productCategories(_ call: APICall) async throws -> APIResult {
        let all = try await services.catalog.categories(partnerID: call.partnerID)
        var flat: [JSON] = []
        let children = Dictionary(grouping: all, by: \.parentID)
        func walk(_ c: Category, level: Int) {
            let name = c.name.text(call.locale.rawValue) ?? c.slug
            flat.append(
                .object([("id", .int(c.id)), ("name", .string(String(repeating: "-- ", count: level) + name)), ("level", .int(Int64(level)))])
            )
            if level < 20 { for k in children[c.id] ?? [] { walk(k, level: level + 1) } }
        }
        let ids = Set(all.map(\.id))
        for root in all where root.parentID.map({ !ids.contains($0) }) ?? true { walk(root, level: 0) }
        return APIResult(
            data: .object([
                ("categories", .array(tree(all, locale: call.locale, localized: false))), ("flat_list", .array(flat)),
                ("total", .int(Int64(all.count))),
            ])
        )
    }

    /// S31.
    @Sendable func productSyncStatus(_ call: APICall) async throws -> APIResult {
        let s = try await services.catalog.stats(partnerID: call.partnerID)
        return APIResult(
            data: .object([
                ("total_products", .int(s.totalProducts)), ("active_products", .int(s.activeProducts)),
                ("inactive_products", .int(s.totalProducts - s.activeProducts)), ("products_with_discount", .int(s.withDiscount)),
                ("products_in_stock", .int(s.inStock)), ("last_sync", Present.time(s.lastChange)), ("categories_used", .int(s.categoriesUsed)),
            ])
        )
    }

    // MARK: XML import

    /// Maps an importer failure to the spec's codes: 1700 (import) or 1701 (validate)
    /// for an unreadable feed or a refused URL, 1706 for a feed over the limit.
    func feedError(_ error: any Error, validating: Bool, call: APICall) -> any Error {
        guard let failure = error as? FeedImporter.Failure else { return error }
        switch failure {
        case let .url(detail):
            return APIError(
                status: .unprocessableContent,
                code: 1100,
                stringCode: .urlNotAllowed,
                messageKey: "xml_url_refused",
                args: ["detail": detail],
                fieldErrors: [("url", [Messages.text("xml_url_refused", call.locale, ["detail": detail])])]
            )
        case let .unreadable(detail):
            return APIError(
                status: .badRequest,
                code: validating ? 1701 : 1700,
                stringCode: validating ? .xmlValidationError : .xmlImportFailed,
                messageKey: "xml_import_failed",
                args: ["detail": detail]
            )
        case .tooLarge:
            return APIError(
                status: .contentTooLarge,
                code: 1706,
                stringCode: .xmlFileTooLarge,
                messageKey: "xml_too_large",
                args: ["limit": String(services.config.xmlMaxBytes)]
            )
        }
    }

    func importResult(_ o: FeedImporter.Outcome, validateOnly: Bool) -> APIResult {
        if validateOnly { return APIResult(data: validation(o)) }
        return APIResult(
            messageKey: "xml_imported",
            data: .object([
                ("import_id", .optional(o.record?.id)), ("product_count", .int(Int64(o.summary.productCount))),
                ("products_created", .int(Int64(o.created))), ("products_updated", .int(Int64(o.updated))),
                ("products_skipped", .int(Int64(o.summary.errorCount))), ("offers_created", .int(0)), ("offers_updated", .int(0)),
                ("errors", .array(o.summary.errors.map { $0.json })), ("duration_ms", .optional(o.record?.durationMillis)),
            ])
        )
    }

    /// The S50 shape.
    func validation(_ o: FeedImporter.Outcome) -> JSON {
        .object([
            ("is_valid", .bool(o.summary.validCount > 0)), ("product_count", .int(Int64(o.summary.productCount))),
            ("valid_products", .int(Int64(o.summary.validCount))),
            (
                "structure",
                .object([
                    ("detected_path", .optional(o.summary.detectedPath)),
                    (
                        "sample_fields",
                        .array(
                            o.summary.sampleFields.map {
                                .object([("name", .string($0.name)), ("value", .string($0.value)), ("has_children", .bool($0.hasChildren))])
                            }
                        )
                    ),
                ])
            ),
            ("errors", .array(o.summary.errors.map { $0.json })),
        ])
    }

    /// The feed URL under `xml_url` (the SDKs send `url`).
    func feedURL(_ f: inout Fields) -> (String?, String) {
        let field = f.has("xml_url") ? "xml_url" : "url"
        return (f.string(field, required: true, maxLength: 2048), field)
    }

    /// S48: `xml_url` or `url`, `validate_only?`; other options (`auto_publish`) are accepted and ignored.
    @Sendable func importFromURL(_ call: APICall) async throws -> APIResult {
        try await importURL(call, validating: false)
    }

    /// S50: as S48 with `validate_only`, answering the validation shape.
    @Sendable func validateFeed(_ call: APICall) async throws -> APIResult {
        try await importURL(call, validating: true)
    }

    func importURL(_ call: APICall, validating: Bool) async throws -> APIResult {
        var f = call.fields
        let (url, _) = feedURL(&f)
        let validateOnly = validating || (f.bool("validate_only") ?? false)
        try f.throwIfInvalid()
        let source = try f.required(url, "url")
        return try await runImport(call, validateOnly: validateOnly, source: "url", url: source, fileName: nil) {
            try await importer.fetch(source)
        }
    }

    /// Reads the feed, runs the import and maps its failures to the spec's codes.
    func runImport(
        _ call: APICall,
        validateOnly: Bool,
        source: String,
        url: String?,
        fileName: String?,
        feed: () async throws -> [UInt8]
    ) async throws -> APIResult {
        do {
            let o = try await importer.run(
                partnerID: call.partnerID,
                bytes: try await feed(),
                source: source,
                url: url,
                fileName: fileName,
                validateOnly: validateOnly
            )
            return importResult(o, validateOnly: validateOnly)
        } catch {
            throw feedError(error, validating: validateOnly, call: call)
        }
    }

    /// S49: multipart with the file under `xml_file` (the JS SDK sends `file`) and an
    /// optional `validate_only` part; or the XML itself as the body (`Content-Type:
    /// application/xml`).
    @Sendable func importFromFile(_ call: APICall) async throws -> APIResult {
        guard let upload = call.upload else {
            throw APIError.validation([("xml_file", [Messages.text("v_required", call.locale, ["field": "xml_file"])])])
        }
        var file: [UInt8]?
        var fileName: String?
        var validateOnly = call.fields.values["validate_only"].map { $0 == .bool(true) || $0 == .string("1") || $0 == .string("true") } ?? false
        let type = upload.contentType.lowercased()
        if type.hasPrefix("multipart/form-data") {
            let parts = try MultipartForm.parse(upload.bytes, contentType: upload.contentType)
            if let part = parts.first(where: { $0.name == "xml_file" }) ?? parts.first(where: { $0.name == "file" }) {
                file = part.bytes
                fileName = part.fileName
            }
            if let v = parts.first(where: { $0.name == "validate_only" }) {
                validateOnly = ["1", "true", "yes"].contains(String(decoding: v.bytes, as: UTF8.self).lowercased())
            }
        } else if type.contains("xml") {
            file = upload.bytes
        }
        guard let file, !file.isEmpty else {
            throw APIError.validation([("xml_file", [Messages.text("v_required", call.locale, ["field": "xml_file"])])])
        }
        return try await runImport(call, validateOnly: validateOnly, source: "file", url: nil, fileName: fileName) { file }
    }

    /// S51.
    @Sendable func feedFieldMappings(_ call: APICall) async throws -> APIResult {
        APIResult(data: ProductFeedMapping.fieldMappings)
    }

    func importJSON(_ r: ImportRecord) -> JSON {
        let errors = (try? JSONDecoder().decode(JSON.self, from: Data(r.errorsJSON.utf8))) ?? .array([])
        return .object([
            ("id", .int(r.id)), ("source", .string(r.source)), ("url", .optional(r.url)), ("file_name", .optional(r.fileName)),
            ("status", .string(r.status)), ("validate_only", .bool(r.validateOnly)), ("product_count", .int(r.productCount)),
            ("products_created", .int(r.created)), ("products_updated", .int(r.updated)), ("errors", errors), ("bytes", .int(r.bytes)),
            ("duration_ms", .int(r.durationMillis)), ("created_at", Present.time(r.createdAt)),
        ])
    }

    /// S52.
    @Sendable func importStats(_ call: APICall) async throws -> APIResult {
        let s = try await services.catalog.stats(partnerID: call.partnerID)
        let offers = try await services.offers.counts(partnerID: call.partnerID)
        return APIResult(
            data: .object([
                ("total_products", .int(s.totalProducts)), ("total_offers", .int(Int64(offers.total))), ("products_with_images", .int(s.withImages)),
                ("products_with_discount", .int(s.withDiscount)), ("products_in_stock", .int(s.inStock)), ("categories_used", .int(s.categoriesUsed)),
                ("last_import", s.lastImport.map(importJSON) ?? .null),
            ])
        )
    }

    /// S53: `limit` (20).
    @Sendable func importHistory(_ call: APICall) async throws -> APIResult {
        var f = call.fields
        let limit = f.int("limit", min: 1, max: 100) ?? 20
        try f.throwIfInvalid()
        return APIResult(data: .array(try await services.catalog.imports(partnerID: call.partnerID, limit: Int(limit)).map(importJSON)))
    }

    /// S54.
    @Sendable func importDashboard(_ call: APICall) async throws -> APIResult {
        let stats = try await importStats(call)
        let recent = try await services.catalog.imports(partnerID: call.partnerID, limit: 5)
        return APIResult(
            data: .object([
                ("stats", stats.data), ("recent_imports", .array(recent.map(importJSON))), ("field_mappings", ProductFeedMapping.fieldMappings),
            ])
        )
    }

    /// S55.
    @Sendable func deleteImport(_ call: APICall) async throws -> APIResult {
        guard let id = call.parameters["id"].flatMap(Int64.init), try await services.catalog.deleteImport(partnerID: call.partnerID, id: id) else {
            throw RewardError.importNotFound
        }
        return APIResult(
            messageKey: "import_deleted",
            data: .object([("success", .bool(true)), ("message", .string(Messages.text("import_deleted", call.locale)))])
        )
    }
}

/// The parts of a `multipart/form-data` body, read with MultipartKit's streaming parser.
enum MultipartForm {
    struct Part {
        var name: String?
        var fileName: String?
        var bytes: [UInt8]
    }

    static func parse(_ body: [UInt8], contentType: String) throws -> [Part] {
        guard
            let boundary = contentType.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
                .first(where: { $0.lowercased().hasPrefix("boundary=") }).map({
                    String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }),
            !boundary.isEmpty
        else { throw APIError.badRequest("malformed_json", stringCode: .badRequest, args: ["detail": "multipart boundary missing"]) }
        let parser = MultipartParser(boundary: boundary)
        var parts: [Part] = []
        var current = Part(bytes: [])
        parser.onHeader = { name, value in
            guard name.lowercased() == "content-disposition" else { return }
            for item in value.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                if item.hasPrefix("name=") { current.name = String(item.dropFirst(5)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                if item.hasPrefix("filename=") {
                    current.fileName = String(item.dropFirst(9)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
        }
        parser.onBody = { buffer in current.bytes += buffer.readableBytesView }
        parser.onPartComplete = {
            parts.append(current)
            current = Part(bytes: [])
        }
        do {
            try parser.execute(body)
        } catch {
            throw APIError.badRequest("malformed_json", stringCode: .badRequest, args: ["detail": "unreadable multipart body"])
        }
        return parts
    }
}
