import HTTPTypes
import Hummingbird
import LoyaltyCore
import LoyaltyModels
import NIOCore

/// Renders the response envelopes.
///
/// Success: `{"success": true, "code": <status>, "request_id", "message", "data", "meta"?}`.
/// Error: the real API's top level (`success: false, code, message, request_id, errors?`)
/// plus the seed FAQ's `error: {code, message, details}` in the same body, so clients
/// written against either shape read it.
enum Envelope {
    static func success(
        status: HTTPResponse.Status,
        requestID: String,
        message: String,
        data: JSON,
        meta: JSON? = nil,
        extra: [(String, JSON)] = []
    ) -> [UInt8] {
        var members: [(String, JSON)] = [
            ("success", .bool(true)), ("code", .int(Int64(status.code))), ("request_id", .string(requestID)), ("message", .string(message)),
        ]
        members += extra
        members.append(("data", data))
        if let meta { members.append(("meta", meta)) }
        return JSON.object(members).serialized()
    }

    static func error(_ error: APIError, requestID: String, locale: APILocale) -> [UInt8] {
        let message = error.message(locale)
        var members: [(String, JSON)] = [
            ("success", .bool(false)), ("code", .int(Int64(error.code))), ("message", .string(message)), ("request_id", .string(requestID)),
        ]
        if !error.fieldErrors.isEmpty {
            members.append(("errors", .object(error.fieldErrors.map { ($0.0, .array($0.1.map(JSON.string))) })))
        }
        var details = error.details
        if !error.fieldErrors.isEmpty { details.append(("fields", .array(error.fieldErrors.map { .string($0.0) }))) }
        members.append(
            ("error", .object([("code", .string(error.stringCode.rawValue)), ("message", .string(message)), ("details", .object(details))]))
        )
        return JSON.object(members).serialized()
    }

    static func response(status: HTTPResponse.Status, body: [UInt8], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `meta` for a page: `{current_page, last_page, per_page, total, from, to}`.
    static func meta<T>(_ page: Page<T>, extra: [(String, JSON)] = []) -> JSON {
        .object(
            [
                ("current_page", .int(Int64(page.request.page))), ("last_page", .int(Int64(page.lastPage))),
                ("per_page", .int(Int64(page.request.perPage))), ("total", .int(Int64(page.total))),
                ("from", page.from.map { JSON.int(Int64($0)) } ?? .null), ("to", page.to.map { JSON.int(Int64($0)) } ?? .null),
            ] + extra
        )
    }
}
