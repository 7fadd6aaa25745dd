import Crypto
import Foundation
import Hummingbird
import LoyaltyModels
import LoyaltyStore

/// `Idempotency-Key` on writes by API credentials: the first response to a key is
/// stored and replayed for the same request; the same key with another request is 422,
/// and a concurrent duplicate is 409. A 5xx answer releases the key so the client can
/// retry.
struct IdempotencyGate {
    let repository: any IdempotencyRepository

    enum Admission {
        /// No key: run the request without storing its answer.
        case untracked
        /// The key is ours: run the request, then ``finish(partnerID:key:status:body:)``.
        case claimed(String)
        /// An earlier answer to replay as is.
        case replay(status: Int, body: String)
    }

    /// Claims the request's key for `partnerID`, hashing method, path and body.
    /// `scope` keeps callers that share a partner apart (each member's keys are their own).
    func admit(_ request: Request, body: [UInt8], partnerID: Int64, scope: String = "") async throws -> Admission {
        guard let raw = request.headers[HeaderName.idempotencyKey] else { return .untracked }
        guard !raw.isEmpty, raw.utf8.count <= 255, raw.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) else {
            throw APIError.badRequest("idempotency_key_invalid", stringCode: .invalidIdempotencyKey)
        }
        let key = scope + raw
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hasher.update(data: body)
        let hash = Hex.encode(hasher.finalize())
        switch try await repository.claim(partnerID: partnerID, key: key, requestHash: hash) {
        case .claimed: return .claimed(key)
        case let .replay(status, body): return .replay(status: status, body: body)
        case .mismatch:
            throw APIError(status: .unprocessableContent, code: 1305, stringCode: .idempotencyKeyReused, messageKey: "idempotency_mismatch")
        case .inProgress:
            throw APIError.conflict("idempotency_in_progress", code: 1306, stringCode: .idempotencyInProgress)
        }
    }

    /// Stores the answer to a claimed key, or releases the key after a 5xx.
    func finish(partnerID: Int64, key: String, status: Int, body: [UInt8]) async throws {
        if status >= 500 {
            try? await repository.abandon(partnerID: partnerID, key: key)
        } else {
            try await repository.complete(partnerID: partnerID, key: key, status: status, body: String(decoding: body, as: UTF8.self))
        }
    }
}
