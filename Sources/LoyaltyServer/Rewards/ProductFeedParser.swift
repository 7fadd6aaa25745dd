import Foundation
import LoyaltyCore
import LoyaltyModels

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads a product feed (spec 4.15) with Foundation's event-driven `XMLParser`: no
/// document tree is built, and records are handed on in batches as they end.
///
/// - The record element is the first `product`, `item` or `offer` element met; every
///   later element of that name and depth is a record (`structure.detected_path`).
/// - Fields take the spec's aliases, the first present winning; a record without a
///   name or a valid price is skipped and listed in `errors` (at most 100 kept).
/// - Documents with a DTD are refused before parsing: a feed has no use for entities,
///   and refusing them rules out entity-expansion bombs and external entities.
final class ProductFeedParser: NSObject, XMLParserDelegate {
    /// One record's leaf values by tag, plus its categories, specifications and features.
    struct Record {
        var fields: [String: String] = [:]
        var categories: [String] = []
        var specifications: [(String, String)] = []
        var features: [String] = []
    }

    struct FeedError: Sendable {
        var index: Int
        var key: String?
        var message: String

        var json: JSON { .object([("index", .int(Int64(index))), ("sku", .optional(key)), ("error", .string(message))]) }
    }

    struct Summary: Sendable {
        var productCount = 0
        var validCount = 0
        var detectedPath: String?
        var sampleFields: [(name: String, value: String, hasChildren: Bool)] = []
        var errors: [FeedError] = []
        var errorCount = 0
    }

    /// A document the parser cannot read (malformed, or with a DTD).
    struct Unreadable: Error, Sendable {
        var detail: String
    }

    static let recordNames: Set<String> = ["product", "item", "offer"]

    private let partnerID: Int64
    private let batchSize: Int
    private let onBatch: ([CatalogItemDraft]) -> Void
    private var stack: [String] = []
    private var recordDepth: Int?
    private var recordName: String?
    private var current = Record()
    private var text = ""
    private var childHasChildren: [String: Bool] = [:]
    private var pendingSpecName: String?
    private var batch: [CatalogItemDraft] = []
    private(set) var summary = Summary()

    init(partnerID: Int64, batchSize: Int = 1000, onBatch: @escaping ([CatalogItemDraft]) -> Void) {
        self.partnerID = partnerID
        self.batchSize = batchSize
        self.onBatch = onBatch
    }

    /// Parses `data`, calling `onBatch` with valid records as they accumulate.
    func parse(_ data: Data) throws(Unreadable) -> Summary {
        try Self.refuseDTD(data)
        // Fed from a stream, libxml2 reads the document in chunks; handed the whole buffer
        // at once it refuses documents over 10,000,000 bytes (its lookup limit).
        let parser = XMLParser(stream: InputStream(data: data))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = self
        let parsed = parser.parse()
        // libxml2 may report a document cut short as parsed: an element still open says otherwise.
        if let open = stack.last { throw Unreadable(detail: "unexpected end of document: <\(open)> is not closed") }
        if !parsed || parser.parserError != nil {
            let e = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "unreadable XML"
            throw Unreadable(detail: "\(e) at line \(parser.lineNumber), column \(parser.columnNumber)")
        }
        if !batch.isEmpty { onBatch(batch) }
        batch = []
        if summary.detectedPath == nil { throw Unreadable(detail: "no product, item or offer elements found") }
        return summary
    }

    static func refuseDTD(_ data: Data) throws(Unreadable) {
        // Only the prolog may hold a DTD; looking at the first 64 KiB is enough.
        let head = data.prefix(65_536)
        let upper = Array(String(decoding: head, as: UTF8.self).uppercased().utf8)
        for needle in ["<!DOCTYPE", "<!ENTITY"] where upper.firstRange(of: Array(needle.utf8)) != nil {
            throw Unreadable(detail: "documents with a DTD or entities are not accepted")
        }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:])
    {
        let tag = name.lowercased()
        stack.append(tag)
        text = ""
        if recordDepth == nil, Self.recordNames.contains(tag) {
            recordDepth = stack.count
            recordName = tag
            summary.detectedPath = stack.suffix(2).joined(separator: "/")
        }
        guard let depth = recordDepth else { return }
        if stack.count == depth, tag == recordName {
            current = Record()
            childHasChildren = [:]
        } else if stack.count == depth + 2, let parent = stack.dropLast().last {
            childHasChildren[parent] = true
            if tag == "specification" { pendingSpecName = attributes["name"] }
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if text.utf8.count < 100_000 { text += string }
    }

    func parser(_ parser: XMLParser, foundCDATA block: Data) {
        if text.utf8.count < 100_000 { text += String(decoding: block, as: UTF8.self) }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        defer {
            stack.removeLast()
            text = ""
        }
        guard let depth = recordDepth else { return }
        let tag = name.lowercased()
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if stack.count == depth, tag == recordName {
            finishRecord()
        } else if stack.count == depth + 1 {
            if tag == "category", !value.isEmpty { current.categories.append(value) }
            if current.fields[tag] == nil, childHasChildren[tag] != true { current.fields[tag] = value }
            if summary.productCount == 0, summary.sampleFields.count < 50, !summary.sampleFields.contains(where: { $0.name == tag }) {
                summary.sampleFields.append((tag, String(value.prefix(100)), childHasChildren[tag] ?? false))
            }
        } else if stack.count == depth + 2, let parent = stack.dropLast().last, !value.isEmpty {
            switch (parent, tag) {
            case ("categories", "category"): current.categories.append(value)
            case ("specifications", "specification"): current.specifications.append((pendingSpecName ?? "", value))
            case ("features", "feature"): current.features.append(value)
            default: break
            }
        }
    }

    private func finishRecord() {
        let index = summary.productCount
        summary.productCount += 1
        switch ProductFeedMapping.item(current, partnerID: partnerID) {
        case let .success(item):
            summary.validCount += 1
            batch.append(item)
            if batch.count >= batchSize {
                onBatch(batch)
                batch = []
            }
        case let .failure(problem):
            summary.errorCount += 1
            if summary.errors.count < 100 { summary.errors.append(FeedError(index: index, key: problem.key, message: problem.message)) }
        }
    }
}

/// A product read from a feed, before it is stored.
struct CatalogItemDraft: Sendable {
    var product: Product
    var categories: [String]
}

/// The spec's tag aliases (4.15) and value rules.
enum ProductFeedMapping {
    struct Problem: Error {
        var key: String?
        var message: String
    }

    static let productAliases: [(String, [String])] = [
        ("name", ["name", "title", "product_name"]), ("description", ["description", "desc"]), ("brand", ["brand", "manufacturer"]),
        ("model", ["model"]), ("ean", ["ean", "ean13", "barcode"]), ("sku", ["sku", "code", "id"]), ("xml_id", ["id", "xml_id", "external_id"]),
        ("image_url", ["image", "image_url", "picture"]), ("external_url", ["url", "link", "product_url"]), ("weight", ["weight"]),
        ("color", ["color"]), ("size", ["size"]),
    ]
    static let offerAliases: [(String, [String])] = [
        ("price", ["price", "regular_price"]), ("discounted_price", ["discounted_price", "sale_price", "loyalty_program_item_price"]),
        ("currency", ["currency"]), ("availability", ["availability", "in_stock"]), ("stock_quantity", ["stock", "quantity"]),
        ("delivery_info", ["delivery", "shipping"]), ("warranty_info", ["warranty"]), ("external_id", ["id", "external_id"]),
        ("featured", ["featured"]),
    ]
    static let categoryAliases: [(String, [String])] = [("categories", ["categories/category", "category"])]

    static func pick(_ r: ProductFeedParser.Record, _ aliases: [String]) -> String? {
        for a in aliases { if let v = r.fields[a], !v.isEmpty { return v } }
        return nil
    }

    static func item(_ r: ProductFeedParser.Record, partnerID: Int64) -> Result<CatalogItemDraft, Problem> {
        func field(_ name: String) -> String? {
            guard let aliases = (productAliases + offerAliases).first(where: { $0.0 == name })?.1 else { return nil }
            return pick(r, aliases)
        }
        let sku = field("sku").map { String($0.prefix(191)) }
        let xmlID = field("xml_id").map { String($0.prefix(191)) }
        guard let name = field("name") else { return .failure(Problem(key: sku ?? xmlID, message: "missing name")) }
        guard let priceText = field("price") else { return .failure(Problem(key: sku ?? xmlID, message: "missing price")) }
        guard let price = Self.money(priceText) else {
            return .failure(Problem(key: sku ?? xmlID, message: "invalid price \"\(priceText.prefix(40))\""))
        }
        let discounted = field("discounted_price").flatMap(Self.money)
        let currency = field("currency").flatMap(CurrencyCode.normalized) ?? "EUR"
        var attributes: [(String, JSON)] = []
        for key in ["weight", "color", "size", "delivery_info", "warranty_info", "featured"] {
            if let v = field(key) { attributes.append((key, .string(String(v.prefix(500))))) }
        }
        if !r.specifications.isEmpty {
            attributes.append(("specifications", .array(r.specifications.map { .object([("name", .string($0.0)), ("value", .string($0.1))]) })))
        }
        if !r.features.isEmpty { attributes.append(("features", .array(r.features.map(JSON.string)))) }
        let product = Product(
            partnerID: partnerID,
            key: sku ?? xmlID ?? "name:" + String(name.prefix(180)),
            sku: sku,
            xmlID: xmlID,
            name: String(name.prefix(500)),
            description: field("description").map { String($0.prefix(20_000)) },
            brand: field("brand").map { String($0.prefix(255)) },
            model: field("model").map { String($0.prefix(255)) },
            ean: field("ean").map { String($0.prefix(64)) },
            imageURL: field("image_url").map { String($0.prefix(2048)) },
            externalURL: field("external_url").map { String($0.prefix(2048)) },
            priceMinor: price,
            discountedPriceMinor: discounted,
            currency: currency,
            availability: Self.availability(field("availability")),
            stockQuantity: field("stock_quantity").flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }.map { max(0, $0) },
            attributesJSON: attributes.isEmpty ? nil : JSON.object(attributes).serializedString()
        )
        let categories = Array(r.categories.map { String($0.prefix(255)) }.prefix(20))
        return .success(CatalogItemDraft(product: product, categories: categories))
    }

    /// `12.99`, `12,99`, `12.99 EUR`, `€12.99` -> minor units; nil when not a non-negative amount.
    static func money(_ text: String) -> Int64? {
        var s = text.trimmingCharacters(in: .whitespaces).filter { $0.isNumber || $0 == "." || $0 == "," || $0 == "-" }
        if !s.contains("."), s.contains(",") { s = s.replacingOccurrences(of: ",", with: ".") } else { s = s.replacingOccurrences(of: ",", with: "") }
        guard let d = Double(s), d.isFinite, d >= 0, d < 1e12 else { return nil }
        return Int64((d * 100).rounded())
    }

    /// true/1/yes/in_stock -> in_stock; false/0/no/out_of_stock -> out_of_stock; limited -> limited_stock.
    static func availability(_ text: String?) -> String {
        switch text?.lowercased().trimmingCharacters(in: .whitespaces) {
        case "false", "0", "no", "out_of_stock", "out of stock": "out_of_stock"
        case "limited", "limited_stock": "limited_stock"
        default: "in_stock"
        }
    }

    /// S51: the accepted aliases.
    static var fieldMappings: JSON {
        func map(_ list: [(String, [String])]) -> JSON { .object(list.map { ($0.0, .array($0.1.map(JSON.string))) }) }
        return .object([("product_fields", map(productAliases)), ("offer_fields", map(offerAliases)), ("category_fields", map(categoryAliases))])
    }
}
