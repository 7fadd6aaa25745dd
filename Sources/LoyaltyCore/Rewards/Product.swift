/// A product of the partner's catalogue (from an XML feed), which free-item coupons name.
public struct Product: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    /// The upsert key: `sku`, else `xml_id`, else the name.
    public var key: String
    public var sku: String?
    public var xmlID: String?
    public var name: String
    public var description: String?
    public var brand: String?
    public var model: String?
    public var ean: String?
    public var imageURL: String?
    public var externalURL: String?
    public var priceMinor: Int64
    public var discountedPriceMinor: Int64?
    public var currency: String
    /// `in_stock` | `out_of_stock` | `limited_stock`.
    public var availability: String
    public var stockQuantity: Int64?
    public var isActive: Bool
    /// Other feed fields (weight, color, size, delivery, warranty, specifications, features) as a JSON object.
    public var attributesJSON: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: Int64 = 0,
        partnerID: Int64,
        key: String,
        sku: String? = nil,
        xmlID: String? = nil,
        name: String,
        description: String? = nil,
        brand: String? = nil,
        model: String? = nil,
        ean: String? = nil,
        imageURL: String? = nil,
        externalURL: String? = nil,
        priceMinor: Int64,
        discountedPriceMinor: Int64? = nil,
        currency: String = "EUR",
        availability: String = "in_stock",
        stockQuantity: Int64? = nil,
        isActive: Bool = true,
        attributesJSON: String? = nil,
        createdAt: Int64 = 0,
        updatedAt: Int64 = 0
    ) {
        self.id = id
        self.partnerID = partnerID
        self.key = key
        self.sku = sku
        self.xmlID = xmlID
        self.name = name
        self.description = description
        self.brand = brand
        self.model = model
        self.ean = ean
        self.imageURL = imageURL
        self.externalURL = externalURL
        self.priceMinor = priceMinor
        self.discountedPriceMinor = discountedPriceMinor
        self.currency = currency
        self.availability = availability
        self.stockQuantity = stockQuantity
        self.isActive = isActive
        self.attributesJSON = attributesJSON
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A category of offers and products (a tree by `parentID`).
public struct Category: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    public var name: LocalizedText
    public var slug: String
    public var parentID: Int64?

    public init(id: Int64, partnerID: Int64, name: LocalizedText, slug: String, parentID: Int64?) {
        self.id = id
        self.partnerID = partnerID
        self.name = name
        self.slug = slug
        self.parentID = parentID
    }

    /// A URL-safe slug of a name: lower-case ASCII letters and digits joined by `-`.
    public static func slug(_ name: String) -> String {
        let folded = name.lowercased().map { ch -> Character in
            switch ch {
            case "ą": "a"
            case "č": "c"
            case "ę", "ė": "e"
            case "į": "i"
            case "š": "s"
            case "ų", "ū": "u"
            case "ž": "z"
            default: ch
            }
        }
        var out = ""
        var dash = false
        for ch in folded {
            if ch.isASCII && (ch.isLetter || ch.isNumber) {
                out.append(ch)
                dash = false
            } else if !dash && !out.isEmpty {
                out.append("-")
                dash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "category" : String(out.prefix(120))
    }
}

/// One run of the XML product import.
public struct ImportRecord: Sendable, Hashable {
    public var id: Int64
    public var partnerID: Int64
    /// `url` | `file`.
    public var source: String
    public var url: String?
    public var fileName: String?
    /// `completed` | `failed` | `validated`.
    public var status: String
    public var validateOnly: Bool
    public var productCount: Int64
    public var created: Int64
    public var updated: Int64
    /// `[{"index", "sku", "error"}]`, at most 100.
    public var errorsJSON: String
    public var bytes: Int64
    public var durationMillis: Int64
    public var createdAt: Int64

    public init(
        id: Int64 = 0,
        partnerID: Int64,
        source: String,
        url: String?,
        fileName: String?,
        status: String,
        validateOnly: Bool,
        productCount: Int64,
        created: Int64,
        updated: Int64,
        errorsJSON: String,
        bytes: Int64,
        durationMillis: Int64,
        createdAt: Int64 = 0
    ) {
        self.id = id
        self.partnerID = partnerID
        self.source = source
        self.url = url
        self.fileName = fileName
        self.status = status
        self.validateOnly = validateOnly
        self.productCount = productCount
        self.created = created
        self.updated = updated
        self.errorsJSON = errorsJSON
        self.bytes = bytes
        self.durationMillis = durationMillis
        self.createdAt = createdAt
    }
}
