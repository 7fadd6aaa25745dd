import Foundation
import HTTPTypes
import Hummingbird
import LoyaltyModels
import QRCode

/// Renders payloads as QR images for `GET /qr` and the per-card endpoint.
enum QRImage {
    struct Options {
        var format: String
        var size: Int
        var level: QRCode.ErrorCorrection
        var border: Int
    }

    /// Reads `format` (png|svg, default png), `size` (32-2000 px, default 250), `ec`
    /// (L|M|Q|H, default M) and `border` (0-16 modules, default 4). `nil` when invalid
    /// (the errors are in `f`).
    static func options(_ f: inout Fields) -> Options? {
        let format = f.oneOf("format", ["png", "svg"]) ?? "png"
        let size = f.int("size", min: 32, max: 2000) ?? 250
        let level = f.oneOf("ec", ["L", "M", "Q", "H", "l", "m", "q", "h"]).flatMap { QRCode.ErrorCorrection(rawValue: $0.uppercased()) } ?? .medium
        let border = f.int("border", min: 0, max: 16) ?? 4
        return f.errors.isEmpty ? Options(format: format, size: Int(size), level: level, border: Int(border)) : nil
    }

    /// The image, with `X-QR-Version`, `X-QR-Mask` and `X-QR-Error-Correction` headers.
    /// Data too long for the level is a 422 naming `data`.
    static func render(_ data: String, options o: Options, locale: APILocale) throws -> APIResult {
        let code: QRCode
        do {
            code = try QRCode(text: data, errorCorrection: o.level)
        } catch let QRCodeError.dataTooLong(bytes, capacity) {
            let message = Messages.text("qr_too_long", locale, ["level": o.level.rawValue, "bytes": String(bytes), "capacity": String(capacity)])
            throw APIError.validation([("data", [message])])
        }
        var headers: HTTPFields = [:]
        headers[HeaderName.qrVersion] = String(code.version)
        headers[HeaderName.qrMask] = String(code.mask)
        headers[HeaderName.qrErrorCorrection] = code.errorCorrection.rawValue
        if o.format == "svg" {
            return APIResult(contentType: "image/svg+xml", body: Array(code.svg(size: o.size, border: o.border).utf8), headers: headers)
        }
        return APIResult(contentType: "image/png", body: code.png(size: o.size, border: o.border), headers: headers)
    }

    /// `scheme://host` of the request (the `X-Forwarded-Proto` scheme when behind a proxy).
    static func baseURL(_ call: APICall) -> String {
        let scheme = call.forwardedScheme == "https" ? "https" : "http"
        return "\(scheme)://\(call.host ?? "127.0.0.1")"
    }

    static func url(base: String, data: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return "\(base)/qr?data=\(data.addingPercentEncoding(withAllowedCharacters: allowed) ?? data)&size=250"
    }
}

/// `GET /qr?data=...&size=&ec=&format=&border=` (the helper the SDK docs name): any
/// payload up to the symbol's capacity, no credentials. The image depends only on the
/// query, so it may be cached.
struct QRImageEndpoint: Sendable {
    @Sendable func handle(_ request: Request, _ context: LoyaltyRequestContext) async throws -> Response {
        var query: [String: String] = [:]
        for (k, v) in request.uri.queryParameters where query[String(k)] == nil { query[String(k)] = String(v) }
        var f = Fields(query: query, locale: context.locale)
        let data = f.string("data", required: true, maxLength: 4096)
        let options = QRImage.options(&f)
        try f.throwIfInvalid()
        let result = try QRImage.render(try f.required(data, "data"), options: try f.required(options, "size"), locale: context.locale)
        guard let raw = result.raw else { throw APIError.unexpected }
        var headers = raw.headers
        headers[.contentType] = raw.contentType
        headers[.cacheControl] = "public, max-age=86400"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: raw.body)))
    }
}
