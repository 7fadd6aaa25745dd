import HTTPTypes
import HummingbirdCore
import LoyaltyModels

/// What an endpoint answers on success; ``APIRoutes`` renders the envelope.
struct APIResult: Sendable {
    var status: HTTPResponse.Status = .ok
    var messageKey: String = "ok"
    var args: [String: String] = [:]
    var data: JSON
    var meta: JSON?
    var extra: [(String, JSON)] = []
    /// A non-JSON answer (an image): sent as is, without the envelope.
    var raw: (contentType: String, body: [UInt8], headers: HTTPFields)?
    /// A streamed non-JSON answer (a download): written as it is produced.
    var stream: (contentType: String, body: ResponseBody, headers: HTTPFields)?

    init(
        status: HTTPResponse.Status = .ok,
        messageKey: String = "ok",
        args: [String: String] = [:],
        data: JSON,
        meta: JSON? = nil,
        extra: [(String, JSON)] = []
    ) {
        self.status = status
        self.messageKey = messageKey
        self.args = args
        self.data = data
        self.meta = meta
        self.extra = extra
    }

    init(contentType: String, body: [UInt8], headers: HTTPFields = [:]) {
        self.data = .null
        self.raw = (contentType, body, headers)
    }

    init(stream: (contentType: String, body: ResponseBody, headers: HTTPFields)) {
        self.data = .null
        self.stream = stream
    }
}
