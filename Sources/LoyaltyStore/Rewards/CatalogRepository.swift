import Foundation
import LoyaltyCore
import LoyaltyModels
import SQLKit

/// The partner's product catalogue and categories (filled by XML imports) and the
/// import history.
public protocol CatalogRepository: Sendable {
    /// Inserts or updates products by their key, with their categories (created by
    /// name as needed), in one transaction. Returns how many were created and updated.
    func upsert(partnerID: Int64, items: [CatalogItem], importID: Int64?) async throws -> (created: Int, updated: Int)
    func products(partnerID: Int64, ids: [Int64]) async throws -> [ProductView]
    func categories(partnerID: Int64) async throws -> [Category]
    func stats(partnerID: Int64) async throws -> CatalogStats
    func recordImport(_ record: ImportRecord) async throws -> ImportRecord
    func updateImport(_ record: ImportRecord) async throws
    func imports(partnerID: Int64, limit: Int) async throws -> [ImportRecord]
    func deleteImport(partnerID: Int64, id: Int64) async throws -> Bool
}

/// A product to store and the names of its categories.
public struct CatalogItem: Sendable {
    public var product: Product
    public var categories: [String]

    public init(product: Product, categories: [String]) {
        self.product = product
        self.categories = categories
    }
}

public struct ProductView: Sendable {
    public var product: Product
    public var categories: [Category]
}

public struct CatalogStats: Sendable {
    public var totalProducts: Int64
    public var activeProducts: Int64
    public var withImages: Int64
    public var withDiscount: Int64
    public var inStock: Int64
    public var categoriesUsed: Int64
    public var lastChange: Int64?
    public var lastImport: ImportRecord?
}

public struct SQLCatalogRepository: CatalogRepository {
    let database: any DatabaseClient
    let clock: any WallClock

    public init(database: any DatabaseClient, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    static let productColumns = """
        id, partner_id, product_key, sku, xml_id, name, description, brand, model, ean, image_url, external_url, price_minor, \
        discounted_price_minor, currency, availability, stock_quantity, is_active, attributes, created_at, updated_at
        """

    static func product(_ r: any SQLRow) throws -> Product {
        Product(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            key: try r.decode(column: "product_key", as: String.self),
            sku: try r.decode(column: "sku", as: String?.self),
            xmlID: try r.decode(column: "xml_id", as: String?.self),
            name: try r.decode(column: "name", as: String.self),
            description: try r.decode(column: "description", as: String?.self),
            brand: try r.decode(column: "brand", as: String?.self),
            model: try r.decode(column: "model", as: String?.self),
            ean: try r.decode(column: "ean", as: String?.self),
            imageURL: try r.decode(column: "image_url", as: String?.self),
            externalURL: try r.decode(column: "external_url", as: String?.self),
            priceMinor: try r.decode(column: "price_minor", as: Int64.self),
            discountedPriceMinor: try r.decode(column: "discounted_price_minor", as: Int64?.self),
            currency: try r.decode(column: "currency", as: String.self),
            availability: try r.decode(column: "availability", as: String.self),
            stockQuantity: try r.decode(column: "stock_quantity", as: Int64?.self),
            isActive: try r.decode(column: "is_active", as: Bool.self),
            attributesJSON: try r.decode(column: "attributes", as: String?.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self),
            updatedAt: try r.decode(column: "updated_at", as: Int64.self)
        )
    }

    static func category(_ r: any SQLRow) throws -> Category {
        Category(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            name: LocalizedText(lt: try r.decode(column: "name_lt", as: String?.self), en: try r.decode(column: "name_en", as: String?.self)),
            slug: try r.decode(column: "slug", as: String.self),
            parentID: try r.decode(column: "parent_id", as: Int64?.self)
        )
    }

    public func upsert(partnerID: Int64, items: [CatalogItem], importID: Int64?) async throws -> (created: Int, updated: Int) {
        guard !items.isEmpty else { return (0, 0) }
        // The last occurrence of a key in one batch wins (as it would across batches).
        var byKey: [String: CatalogItem] = [:]
        var order: [String] = []
        for item in items {
            if byKey[item.product.key] == nil { order.append(item.product.key) }
            byKey[item.product.key] = item
        }
        let unique = order.compactMap { byKey[$0] }
        return try await database.write { db in
            let now = clock.nowMillis()
            var existing = Set<String>()
            for chunk in Self.chunks(unique.map(\.product.key), 500) {
                var sql: SQLQueryString = "SELECT product_key FROM products WHERE partner_id = \(bind: partnerID) AND product_key IN ("
                for (i, key) in chunk.enumerated() { sql += i == 0 ? "\(bind: key)" : ", \(bind: key)" }
                sql += ")"
                for r in try await db.raw(sql).all() { existing.insert(try r.decode(column: "product_key", as: String.self)) }
            }
            var ids: [String: Int64] = [:]
            for chunk in Self.chunks(unique, 200) {
                var sql: SQLQueryString = """
                    INSERT INTO products (partner_id, product_key, sku, xml_id, name, description, brand, model, ean, image_url, external_url,
                      price_minor, discounted_price_minor, currency, availability, stock_quantity, is_active, attributes, import_id, created_at,
                      updated_at) VALUES
                    """
                for (i, item) in chunk.enumerated() {
                    let p = item.product
                    sql += i == 0 ? " " : ", "
                    sql += """
                        (\(bind: partnerID), \(bind: p.key), \(bind: p.sku), \(bind: p.xmlID), \(bind: p.name), \(bind: p.description),
                          \(bind: p.brand), \(bind: p.model), \(bind: p.ean), \(bind: p.imageURL), \(bind: p.externalURL), \(bind: p.priceMinor),
                          \(bind: p.discountedPriceMinor), \(bind: p.currency), \(bind: p.availability), \(bind: p.stockQuantity),
                          \(bind: p.isActive), \(bind: p.attributesJSON), \(bind: importID), \(bind: now), \(bind: now))
                        """
                }
                sql += """
                     ON CONFLICT (partner_id, product_key) DO UPDATE SET sku = excluded.sku, xml_id = excluded.xml_id, name = excluded.name,
                      description = excluded.description, brand = excluded.brand, model = excluded.model, ean = excluded.ean,
                      image_url = excluded.image_url, external_url = excluded.external_url, price_minor = excluded.price_minor,
                      discounted_price_minor = excluded.discounted_price_minor, currency = excluded.currency, availability = excluded.availability,
                      stock_quantity = excluded.stock_quantity, is_active = excluded.is_active, attributes = excluded.attributes,
                      import_id = excluded.import_id, updated_at = excluded.updated_at
                    RETURNING id, product_key
                    """
                for r in try await db.raw(sql).all() {
                    ids[try r.decode(column: "product_key", as: String.self)] = try r.decode(column: "id", as: Int64.self)
                }
            }
            // Categories by slug, created as needed; then each product's links replaced.
            var categoryIDs: [String: Int64] = [:]
            for r in try await db.raw("SELECT id, slug FROM categories WHERE partner_id = \(bind: partnerID)").all() {
                categoryIDs[try r.decode(column: "slug", as: String.self)] = try r.decode(column: "id", as: Int64.self)
            }
            var links: [(Int64, Int64)] = []
            for item in unique {
                guard let productID = ids[item.product.key] else { continue }
                for name in item.categories {
                    let slug = Category.slug(name)
                    if categoryIDs[slug] == nil {
                        let row = try await db.raw(
                            """
                            INSERT INTO categories (partner_id, name_lt, name_en, slug, parent_id, created_at)
                            VALUES (\(bind: partnerID), \(bind: name), \(bind: name), \(bind: slug), NULL, \(bind: now)) RETURNING id
                            """
                        ).first()
                        categoryIDs[slug] = try row.required("the new category").decode(column: "id", as: Int64.self)
                    }
                    if let c = categoryIDs[slug], !links.contains(where: { $0 == (productID, c) }) { links.append((productID, c)) }
                }
            }
            for chunk in Self.chunks(Array(ids.values), 500) {
                try await db.raw("DELETE FROM product_categories WHERE product_id IN (\(unsafeRaw: chunk.map(String.init).joined(separator: ", ")))")
                    .run()
            }
            for chunk in Self.chunks(links, 400) {
                var sql: SQLQueryString = "INSERT INTO product_categories (product_id, category_id) VALUES "
                for (i, l) in chunk.enumerated() { sql += i == 0 ? "(\(bind: l.0), \(bind: l.1))" : ", (\(bind: l.0), \(bind: l.1))" }
                sql += " ON CONFLICT DO NOTHING"
                try await db.raw(sql).run()
            }
            let updated = unique.filter { existing.contains($0.product.key) }.count
            return (unique.count - updated, updated)
        }
    }

    static func chunks<T>(_ items: [T], _ size: Int) -> [[T]] {
        stride(from: 0, to: items.count, by: size).map { Array(items[$0..<min($0 + size, items.count)]) }
    }

    public func products(partnerID: Int64, ids: [Int64]) async throws -> [ProductView] {
        guard !ids.isEmpty else { return [] }
        let list = ids.prefix(1000).map(String.init).joined(separator: ", ")
        return try await database.read { db in
            let products = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.productColumns) FROM products WHERE partner_id = \(bind: partnerID) AND id IN (\(unsafeRaw: list)) ORDER BY id
                """
            ).all().map(Self.product)
            var cats: [Int64: [Category]] = [:]
            for r in try await db.raw(
                """
                SELECT pc.product_id AS product_id, c.id AS id, c.partner_id AS partner_id, c.name_lt AS name_lt, c.name_en AS name_en, c.slug AS slug,
                  c.parent_id AS parent_id
                FROM product_categories pc JOIN categories c ON c.id = pc.category_id AND c.partner_id = \(bind: partnerID)
                WHERE pc.product_id IN (\(unsafeRaw: list))
                """
            ).all() {
                cats[try r.decode(column: "product_id", as: Int64.self), default: []].append(try Self.category(r))
            }
            return products.map { ProductView(product: $0, categories: cats[$0.id] ?? []) }
        }
    }

    public func categories(partnerID: Int64) async throws -> [Category] {
        try await database.read { db in
            try await db.raw(
                "SELECT id, partner_id, name_lt, name_en, slug, parent_id FROM categories WHERE partner_id = \(bind: partnerID) ORDER BY id LIMIT 5000"
            ).all().map(Self.category)
        }
    }

    public func stats(partnerID: Int64) async throws -> CatalogStats {
        let last = try await imports(partnerID: partnerID, limit: 1).first
        return try await database.read { db in
            let r = try await db.raw(
                """
                SELECT COUNT(*) AS total,
                  COALESCE(SUM(CASE WHEN is_active = \(bind: true) THEN 1 ELSE 0 END), 0) AS active,
                  COALESCE(SUM(CASE WHEN image_url IS NOT NULL THEN 1 ELSE 0 END), 0) AS images,
                  COALESCE(SUM(CASE WHEN discounted_price_minor IS NOT NULL AND discounted_price_minor < price_minor THEN 1 ELSE 0 END), 0) AS discounted,
                  COALESCE(SUM(CASE WHEN availability <> 'out_of_stock' THEN 1 ELSE 0 END), 0) AS in_stock,
                  MAX(updated_at) AS last_change
                FROM products WHERE partner_id = \(bind: partnerID)
                """
            ).first().required("a stats row")
            let used = try Rows.count(
                try await db.raw(
                    """
                    SELECT COUNT(DISTINCT pc.category_id) AS n FROM product_categories pc JOIN products p ON p.id = pc.product_id
                    WHERE p.partner_id = \(bind: partnerID)
                    """
                ).first()
            )
            func n(_ c: String) throws -> Int64 { try r.decode(column: c, as: Int64.self) }
            return CatalogStats(
                totalProducts: try n("total"),
                activeProducts: try n("active"),
                withImages: try n("images"),
                withDiscount: try n("discounted"),
                inStock: try n("in_stock"),
                categoriesUsed: Int64(used),
                lastChange: try r.decode(column: "last_change", as: Int64?.self),
                lastImport: last
            )
        }
    }

    static let importColumns =
        "id, partner_id, source, url, file_name, status, validate_only, product_count, products_created, products_updated, errors, bytes, duration_ms, created_at"

    static func importRecord(_ r: any SQLRow) throws -> ImportRecord {
        ImportRecord(
            id: try r.decode(column: "id", as: Int64.self),
            partnerID: try r.decode(column: "partner_id", as: Int64.self),
            source: try r.decode(column: "source", as: String.self),
            url: try r.decode(column: "url", as: String?.self),
            fileName: try r.decode(column: "file_name", as: String?.self),
            status: try r.decode(column: "status", as: String.self),
            validateOnly: try r.decode(column: "validate_only", as: Bool.self),
            productCount: try r.decode(column: "product_count", as: Int64.self),
            created: try r.decode(column: "products_created", as: Int64.self),
            updated: try r.decode(column: "products_updated", as: Int64.self),
            errorsJSON: try r.decode(column: "errors", as: String.self),
            bytes: try r.decode(column: "bytes", as: Int64.self),
            durationMillis: try r.decode(column: "duration_ms", as: Int64.self),
            createdAt: try r.decode(column: "created_at", as: Int64.self)
        )
    }

    public func recordImport(_ i: ImportRecord) async throws -> ImportRecord {
        try await database.write { db in
            let row = try await db.raw(
                """
                INSERT INTO xml_imports (partner_id, source, url, file_name, status, validate_only, product_count, products_created, products_updated,
                  errors, bytes, duration_ms, created_at)
                VALUES (\(bind: i.partnerID), \(bind: i.source), \(bind: i.url), \(bind: i.fileName), \(bind: i.status), \(bind: i.validateOnly),
                  \(bind: i.productCount), \(bind: i.created), \(bind: i.updated), \(bind: i.errorsJSON), \(bind: i.bytes), \(bind: i.durationMillis),
                  \(bind: clock.nowMillis()))
                RETURNING \(unsafeRaw: Self.importColumns)
                """
            ).first()
            return try Self.importRecord(try row.required("the import record"))
        }
    }

    public func updateImport(_ i: ImportRecord) async throws {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE xml_imports SET status = \(bind: i.status), product_count = \(bind: i.productCount), products_created = \(bind: i.created),
                  products_updated = \(bind: i.updated), errors = \(bind: i.errorsJSON), bytes = \(bind: i.bytes), duration_ms = \(bind: i.durationMillis)
                WHERE partner_id = \(bind: i.partnerID) AND id = \(bind: i.id)
                """
            ).run()
        }
    }

    public func imports(partnerID: Int64, limit: Int) async throws -> [ImportRecord] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.importColumns) FROM xml_imports WHERE partner_id = \(bind: partnerID) ORDER BY id DESC LIMIT \(literal: limit)
                """
            ).all().map(Self.importRecord)
        }
    }

    public func deleteImport(partnerID: Int64, id: Int64) async throws -> Bool {
        try await database.write { db in
            try await db.raw("DELETE FROM xml_imports WHERE partner_id = \(bind: partnerID) AND id = \(bind: id) RETURNING id").first() != nil
        }
    }
}
