import Foundation
import Hummingbird
import LoyaltyModels
import LoyaltyStore
import NIOCore

/// Reads a request body within a size limit and a deadline, and parses it as a JSON
/// object.
///
/// - A body larger than `limit` is 413; one that does not arrive within `timeoutSeconds`
///   (a slow-body attack) is 408 with `Connection: close`.
/// - An empty or all-whitespace body is an empty object; anything else must be a JSON
///   object (400 `MALFORMED_JSON` naming what is wrong).
struct RequestBody {
    var bytes: [UInt8]
    var json: JSON

    static func read(_ request: Request, limit: Int, timeoutSeconds: Double) async throws -> RequestBody {
        let bytes = try await collect(request, limit: limit, timeoutSeconds: timeoutSeconds)
        guard !bytes.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) else { return RequestBody(bytes: bytes, json: .object([])) }
        return RequestBody(bytes: bytes, json: try parse(bytes))
    }

    /// The raw body, within `limit` bytes (else `tooLarge`, by default 413) and the deadline.
    static func collect(
        _ request: Request,
        limit: Int,
        timeoutSeconds: Double,
        tooLarge: APIError? = nil
    ) async throws -> [UInt8] {
        let buffer: ByteBuffer
        do {
            let body = request.body
            buffer = try await withDeadline(seconds: timeoutSeconds, timeoutError: { BodyTimeout() }) { try await body.collect(upTo: limit) }
        } catch is BodyTimeout {
            var e = APIError(
                status: .requestTimeout,
                code: 1105,
                stringCode: .requestTimeout,
                messageKey: "body_timeout",
                args: ["seconds": String(Int(timeoutSeconds))]
            )
            e.headers[.connection] = "close"
            throw e
        } catch {
            if let tooLarge { throw tooLarge }
            throw APIError(
                status: .contentTooLarge,
                code: 1104,
                stringCode: .payloadTooLarge,
                messageKey: "body_too_large",
                args: ["limit": String(limit)]
            )
        }
        return Array(buffer.readableBytesView)
    }

    static func parse(_ bytes: [UInt8]) throws -> JSON {
        let json: JSON
        do {
            json = try JSONDecoder().decode(JSON.self, from: Data(bytes))
        } catch {
            throw APIError.badRequest("malformed_json", stringCode: .malformedJson, args: ["detail": describe(error)])
        }
        guard case .object = json else { throw APIError.badRequest("body_not_object", stringCode: .malformedJson) }
        return json
    }

    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "unreadable body" }
        switch e {
        case let .dataCorrupted(ctx): return ctx.debugDescription
        case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx), let .keyNotFound(_, ctx): return ctx.debugDescription
        @unknown default: return "unreadable body"
        }
    }
}

/// The request body did not arrive within ``AppConfig/bodyTimeoutSeconds``.
struct BodyTimeout: Error {}
