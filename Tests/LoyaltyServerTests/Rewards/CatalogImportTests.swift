import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import NIOCore
import Testing

/// The XML product import through the real router: aliases, upserts, categories,
/// stats and history; and every hostile feed refused with nothing written.
@Suite("XML product import", .databases)
struct CatalogImportTests {
    static let feed = """
        <?xml version="1.0" encoding="UTF-8"?>
        <catalog><products>
          <product><id>A1</id><title>Coffee mug</title><price>9,99</price><sale_price>7.50</sale_price><category>Kitchen</category>
            <image>https://cdn.example.com/mug.png</image><in_stock>yes</in_stock><stock>12</stock></product>
          <product><sku>B2</sku><name><![CDATA[Tea & biscuits]]></name><price>4.20 EUR</price>
            <categories><category>Drinks</category><category>Kitchen</category></categories>
            <specifications><specification name="weight">100g</specification></specifications><availability>out_of_stock</availability></product>
          <product><sku>C3</sku><name>No price</name></product>
        </products></catalog>
        """

    /// Posts `xml` as a multipart upload under `field`.
    static func upload(_ app: TestApp, _ xml: String, field: String = "xml_file", extra: String = "") async throws -> TestApp.Reply {
        let boundary = "----loyalty\(UUID().uuidString)"
        var body =
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"feed.xml\"\r\nContent-Type: application/xml\r\n\r\n"
        body += xml + "\r\n"
        if !extra.isEmpty { body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"validate_only\"\r\n\r\n\(extra)\r\n" }
        body += "--\(boundary)--\r\n"
        return try await app.call(
            .post,
            "/en/shop/xml-import/from-file",
            json: body,
            headers: .of(["Content-Type": "multipart/form-data; boundary=\(boundary)"])
        )
    }

    @Test(arguments: Backend.allCases)
    func aFeedIsImportedByItsAliasesAndReimportedAsUpdates(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let first = try await Self.upload(app, Self.feed)
            #expect(first.status == .ok, "\(first.json.serializedString())")
            #expect(first.int("data", "products_created") == 2 && first.int("data", "products_updated") == 0)
            #expect(first.int("data", "products_skipped") == 1)
            #expect(first.json["data"]?["errors"]?.arrayFirst?["error"]?.string == "missing price")
            let again = try await Self.upload(app, Self.feed, field: "file")
            #expect(again.int("data", "products_created") == 0 && again.int("data", "products_updated") == 2)
            let stats = try await app.get("/en/shop/xml-import/stats")
            #expect(stats.int("data", "total_products") == 2 && stats.int("data", "products_with_images") == 1)
            #expect(stats.int("data", "products_with_discount") == 1 && stats.int("data", "products_in_stock") == 1)
            #expect(stats.int("data", "categories_used") == 2)
            let tree = try await app.get("/en/shop/products/categories")
            #expect(tree.int("data", "total") == 2)
            let history = try await app.get("/en/shop/xml-import/history?limit=5")
            guard case let .array(runs)? = history.json["data"] else {
                Issue.record("no history")
                return
            }
            #expect(runs.count == 2)
            let runID = try #require(runs.first?["id"]?.int)
            #expect(try await app.call(.delete, "/en/shop/xml-import/\(runID)").status == .ok)
            #expect(try await app.call(.delete, "/en/shop/xml-import/\(runID)").status == .notFound)
            // A free-item offer lists the imported products for its coupon.
            let products = try await app.services.catalog.products(partnerID: app.partnerID, ids: [1, 2])
            let ids = products.map(\.product.id)
            let names = Set(products.map(\.product.name))
            #expect(names == ["Coffee mug", "Tea & biscuits"])
            #expect(products.first { $0.product.name == "Coffee mug" }?.product.priceMinor == 999)
            let offer = try await app.offer(
                #"{"title":"Free","type":"free_item","product_ids":[\#(ids.map(String.init).joined(separator: ","))]}"#
            )
            let member = try await app.member("free@example.com", points: 0)
            let coupon = try #require(try await app.claim(offer, for: member).int("data", "coupon_id"))
            let choice = try await app.get("/en/shop/coupons/products?coupon_id=\(coupon)")
            #expect(choice.int("data", "total_count") == 2 && choice.json["data"]?["selection_required"] == .bool(true))
            let shop = app.shop.shop.id
            let unchosen = try await app.post("/en/shop/coupons/redeem", #"{"coupon_id":\#(coupon),"shop_id":\#(shop)}"#)
            #expect(unchosen.status == .unprocessableContent && unchosen.json["error"]?["code"]?.string == "PRODUCT_SELECTION_REQUIRED")
            let wrong = try await app.post("/en/shop/coupons/redeem", #"{"coupon_id":\#(coupon),"shop_id":\#(shop),"selected_product_id":999}"#)
            #expect(wrong.status == .unprocessableContent)
            let chosen = try await app.post(
                "/en/shop/coupons/redeem",
                #"{"coupon_id":\#(coupon),"shop_id":\#(shop),"selected_product_id":\#(ids[0])}"#
            )
            #expect(chosen.status == .ok && chosen.int("data", "selected_product_id") == ids[0])
        }
    }

    /// libxml2 refuses a document over 10,000,000 bytes handed over in one piece; the
    /// parser streams it, so the limit is ours (`LOYALTY_XML_MAX_BYTES`), not libxml2's.
    @Test func aFeedOverTenMillionBytesIsReadWhole() async throws {
        try await TestApp.with(.sqlite, configure: { $0.xmlMaxBytes = 32 << 20 }) { app in
            let description = String(repeating: "A sturdy mug for hot drinks. ", count: 16)
            var xml = "<products>"
            for i in 1...20_000 {
                xml +=
                    "<product><sku>M\(i)</sku><name>Mug \(i)</name><description>\(description)</description><price>\(i % 90 + 1).50</price></product>"
            }
            xml += "</products>"
            #expect(xml.utf8.count > 10_000_000)
            let r = try await Self.upload(app, xml)
            #expect(r.status == .ok && r.int("data", "products_created") == 20_000, "\(r.json.serializedString().prefix(300))")
        }
    }

    @Test func validateOnlyWritesNoProducts() async throws {
        try await TestApp.with(.sqlite) { app in
            let r = try await Self.upload(app, Self.feed, extra: "true")
            #expect(r.status == .ok)
            #expect(r.json["data"]?["is_valid"] == .bool(true) && r.int("data", "product_count") == 3)
            #expect(r.string("data", "structure", "detected_path") == "products/product")
            #expect(try await app.get("/en/shop/products/sync-status").int("data", "total_products") == 0)
            let mappings = try await app.get("/en/shop/xml-import/field-mappings")
            #expect(mappings.json["data"]?["product_fields"]?["name"] != nil)
        }
    }

    @Test(arguments: [
        (
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
                + "<products><product><name>&lol2;</name><price>1</price></product></products>", 400
        ),
        (
            "<?xml version=\"1.0\"?><!DOCTYPE x SYSTEM \"file:///etc/passwd\"><products><product><name>x</name><price>1</price></product></products>",
            400
        ),
        ("<products><product><name>cut short</name><price>1</price>", 400),
        ("<products><product><name>bad</name><price>1</price></product></wrong>", 400),
        ("not xml at all", 400),
        ("<rss><channel><title>no products</title></channel></rss>", 400),
    ])
    func hostileOrBrokenFeedsAreRefusedAndNothingIsWritten(_ xml: String, _ status: Int) async throws {
        try await TestApp.with(.sqlite) { app in
            let r = try await Self.upload(app, xml)
            #expect(Int(r.status.code) == status, "\(r.json.serializedString())")
            #expect(r.json["error"]?["code"]?.string == "XML_IMPORT_FAILED")
            #expect(try await app.get("/en/shop/products/sync-status").int("data", "total_products") == 0)
        }
    }

    @Test func aFeedOverTheLimitIsRefusedBeforeItIsRead() async throws {
        try await TestApp.with(.sqlite) { app in
            let big = "<products>" + String(repeating: "<product><name>n</name><price>1</price></product>", count: 1_100_000) + "</products>"
            #expect(big.utf8.count > 50_000_000)
            let r = try await Self.upload(app, big)
            #expect(r.status == .contentTooLarge && r.json["error"]?["code"]?.string == "XML_FILE_TOO_LARGE", "\(r.status)")
            #expect(try await app.get("/en/shop/products/sync-status").int("data", "total_products") == 0)
            let missing = try await app.call(
                .post,
                "/en/shop/xml-import/from-file",
                json: "",
                headers: .of(["Content-Type": "multipart/form-data; boundary=x"])
            )
            #expect(missing.status.code >= 400 && missing.status.code < 500)
        }
    }

    @Test(arguments: [
        "http://169.254.169.254/latest/meta-data", "http://10.0.0.1/feed.xml", "http://127.0.0.1:9/feed.xml", "ftp://example.com/feed.xml",
        "https://user:pw@example.com/feed.xml", "not a url",
    ])
    func feedURLsGoThroughTheSSRFPolicy(_ url: String) async throws {
        try await TestApp.with(.sqlite) { app in
            for path in ["/en/shop/xml-import/from-url", "/en/shop/xml-import/validate"] {
                let r = try await app.post(path, #"{"url":"\#(url)"}"#)
                #expect(r.status == .unprocessableContent, "\(path) \(url): \(r.json.serializedString())")
                #expect(r.json["error"]?["code"]?.string == "URL_NOT_ALLOWED")
            }
            #expect(try await app.get("/en/shop/xml-import/history").json["data"] == .array([]), "nothing recorded")
        }
    }
}
