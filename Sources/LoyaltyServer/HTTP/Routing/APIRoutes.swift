import Foundation
import HTTPTypes
import Hummingbird
import Logging
import LoyaltyCore
import LoyaltyModels
import NIOCore

/// Registers the endpoints of one route group (an API family and its authentication,
/// see ``APIRouter``) and adapts each `(APICall) -> APIResult` handler to Hummingbird.
///
/// The group's middleware has already resolved the locale, authenticated the caller and
/// applied its rate limit; per request this adapter reads the body (size limit,
/// deadline, JSON object), collects the fields, admits the `Idempotency-Key` (writes by
/// API credentials), runs the handler and renders the envelope, errors included.
struct APIRoutes {
    let services: AppServices
    let group: RouterGroup<LoyaltyRequestContext>
    let recorder: RouteRecorder
    /// The path the group is mounted at, as the route list and `openapi.yaml` spell it.
    let prefix: String
    /// Who may call the routes registered through this value (Partner API), checked
    /// before the body is read; `nil`: the group's authentication alone decides.
    var readAccess: RouteAccess? = nil
    /// The same for POST, PUT and DELETE routes.
    var writeAccess: RouteAccess? = nil
    /// Whether successful writes are recorded in the audit log (Partner API).
    var audited = false

    /// The same group, registering routes that require `access` and are audited.
    func requiring(_ access: RouteAccess) -> APIRoutes {
        requiring(read: access, write: access)
    }

    /// The same group, registering GET routes that require `read` and the others
    /// `write`, audited.
    func requiring(read: RouteAccess, write: RouteAccess) -> APIRoutes {
        var copy = self
        copy.readAccess = read
        copy.writeAccess = write
        copy.audited = true
        return copy
    }

    enum BodyKind: Equatable {
        case none, json, bulk
        /// A file upload (multipart or a raw XML body) of at most `limit` bytes, handed
        /// to the handler as ``APICall/upload``; a JSON body is read as fields as usual.
        /// `reported` is the limit the 413 names (the file's, without form overhead).
        case upload(limit: Int, reported: Int, file: UploadFile)
    }

    /// What an upload carries, for the 413 that names it.
    enum UploadFile: Equatable {
        case xml, image, csv

        func tooLarge(reported: Int) -> APIError {
            switch self {
            case .xml:
                APIError(
                    status: .contentTooLarge,
                    code: 1706,
                    stringCode: .xmlFileTooLarge,
                    messageKey: "xml_too_large",
                    args: ["limit": String(reported)]
                )
            case .csv:
                APIError(
                    status: .contentTooLarge,
                    code: 1707,
                    stringCode: .payloadTooLarge,
                    messageKey: "import_too_large",
                    args: ["max": "\(reported / 1_048_576) MB"]
                )
            case .image:
                APIError(
                    status: .contentTooLarge,
                    code: 1707,
                    stringCode: .payloadTooLarge,
                    messageKey: "image_too_large",
                    args: ["max": "\(reported / 1_048_576) MB"]
                )
            }
        }
    }

    typealias Handler = @Sendable (APICall) async throws -> APIResult

    func get(_ path: String, _ handler: @escaping Handler) {
        recorder.record("GET", prefix + path, access: readAccess)
        let policy = Policy("GET", prefix + path, access: readAccess, audited: audited)
        group.get(RouterPath(path)) { [services] request, context in
            try await Self.run(services, request, context, body: .none, policy: policy, handler)
        }
    }

    func post(_ path: String, bulk: Bool = false, _ handler: @escaping Handler) {
        recorder.record("POST", prefix + path, access: writeAccess)
        let policy = Policy("POST", prefix + path, access: writeAccess, audited: audited)
        group.post(RouterPath(path)) { [services] request, context in
            try await Self.run(services, request, context, body: bulk ? .bulk : .json, policy: policy, handler)
        }
    }

    /// A POST that also takes an uploaded file (``BodyKind/upload(limit:)``).
    func upload(_ path: String, limit: Int, reported: Int, file: UploadFile = .xml, _ handler: @escaping Handler) {
        recorder.record("POST", prefix + path, access: writeAccess)
        let policy = Policy("POST", prefix + path, access: writeAccess, audited: audited)
        group.post(RouterPath(path)) { [services] request, context in
            try await Self.run(services, request, context, body: .upload(limit: limit, reported: reported, file: file), policy: policy, handler)
        }
    }

    func put(_ path: String, _ handler: @escaping Handler) {
        recorder.record("PUT", prefix + path, access: writeAccess)
        let policy = Policy("PUT", prefix + path, access: writeAccess, audited: audited)
        group.put(RouterPath(path)) { [services] request, context in
            try await Self.run(services, request, context, body: .json, policy: policy, handler)
        }
    }

    func delete(_ path: String, _ handler: @escaping Handler) {
        recorder.record("DELETE", prefix + path, access: writeAccess)
        let policy = Policy("DELETE", prefix + path, access: writeAccess, audited: audited)
        group.delete(RouterPath(path)) { [services] request, context in
            try await Self.run(services, request, context, body: .none, policy: policy, handler)
        }
    }

    /// What ``run`` checks and records besides the handler.
    struct Policy: Sendable {
        var access: RouteAccess?
        var audited: Bool
        /// The scope an OAuth token needs here; nil: no OAuth token may call the route.
        var scope: OAuthScope? = nil

        init(_ method: String, _ path: String, access: RouteAccess?, audited: Bool) {
            self.access = access
            self.audited = audited
            self.scope = OAuthScope.required(method: method, path: path, access: access)
        }
    }

    private static func run(
        _ services: AppServices,
        _ request: Request,
        _ context: LoyaltyRequestContext,
        body kind: BodyKind,
        policy: Policy,
        _ handler: Handler
    ) async throws -> Response {
        let principal = context.principal ?? .anonymous(environment: services.config.environment)
        try policy.access?.check(principal)
        if let granted = principal.scopes {
            guard let needed = policy.scope, granted.contains(needed.rawValue) else {
                throw APIError(
                    status: .forbidden,
                    code: 1116,
                    stringCode: .insufficientScope,
                    messageKey: "insufficient_scope",
                    args: ["scope": policy.scope?.rawValue ?? "none"],
                    details: [("required_scope", .optional(policy.scope?.rawValue)), ("granted", .string(granted.sorted().joined(separator: " ")))]
                )
            }
        }
        let config = services.config
        let fields: Fields
        var upload: Upload?
        let gate = IdempotencyGate(repository: services.idempotency)
        var idempotency = IdempotencyGate.Admission.untracked
        switch kind {
        case .none:
            var query: [String: String] = [:]
            for (k, v) in request.uri.queryParameters where query[String(k)] == nil { query[String(k)] = String(v) }
            fields = Fields(query: query, locale: context.locale)
        case .json, .bulk, .upload:
            var body: RequestBody
            if case let .upload(limit, reported, file) = kind {
                let tooLarge = file.tooLarge(reported: reported)
                let bytes = try await RequestBody.collect(request, limit: limit, timeoutSeconds: config.bodyTimeoutSeconds, tooLarge: tooLarge)
                let type = request.headers[.contentType] ?? ""
                if type.lowercased().hasPrefix("application/json") {
                    body = RequestBody(bytes: bytes, json: bytes.isEmpty ? .object([]) : try RequestBody.parse(bytes))
                } else {
                    body = RequestBody(bytes: bytes, json: .object([]))
                    upload = Upload(contentType: type, bytes: bytes)
                }
            } else {
                let limit = kind == .bulk ? config.maxBulkBodyBytes : config.maxBodyBytes
                body = try await RequestBody.read(request, limit: limit, timeoutSeconds: config.bodyTimeoutSeconds)
            }
            fields = Fields(body.json, locale: context.locale)
            switch principal.kind {
            case .credential:
                idempotency = try await gate.admit(request, body: body.bytes, partnerID: principal.partnerID)
            case .partnerUser:
                idempotency = try await gate.admit(
                    request,
                    body: body.bytes,
                    partnerID: principal.partnerID,
                    scope: "user:\(principal.user?.id ?? 0):"
                )
            case .customer:
                // A member's retries (a claim from a flaky phone) are as idempotent as a till's.
                idempotency = try await gate.admit(
                    request,
                    body: body.bytes,
                    partnerID: principal.partnerID,
                    scope: "customer:\(context.customerID ?? 0):"
                )
            case .anonymous: break
            }
        }
        if case let .replay(status, body) = idempotency {
            var headers = HTTPFields()
            headers[HeaderName.idempotentReplayed] = "true"
            return Envelope.response(status: HTTPResponse.Status(code: status), body: Array(body.utf8), headers: headers)
        }
        var parameters: [String: String] = [:]
        for (k, v) in context.parameters where k != "locale" { parameters[String(k)] = String(v) }
        let call = APICall(
            principal: principal,
            locale: context.locale,
            requestID: context.requestID,
            parameters: parameters,
            fields: fields,
            customerID: context.customerID,
            upload: upload,
            host: request.head.authority,
            forwardedScheme: request.headers[HeaderName.forwardedProto]
        )

        let status: HTTPResponse.Status
        let body: [UInt8]
        var headers: HTTPFields = [:]
        do {
            let result = try await handler(call)
            if let stream = result.stream {
                headers = stream.headers
                headers[.contentType] = stream.contentType
                return Response(status: result.status, headers: headers, body: stream.body)
            }
            if let raw = result.raw {
                headers = raw.headers
                headers[.contentType] = raw.contentType
                return Response(status: result.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: raw.body)))
            }
            status = result.status
            body = Envelope.success(
                status: result.status,
                requestID: context.requestID,
                message: Messages.text(result.messageKey, context.locale, result.args),
                data: result.data,
                meta: result.meta,
                extra: result.extra
            )
        } catch {
            let apiError = ErrorMapping.apiError(error, logger: context.logger)
            status = apiError.status
            body = Envelope.error(apiError, requestID: context.requestID, locale: context.locale)
            headers = apiError.headers
        }
        if policy.audited, request.method != .get, status.code < 400 {
            // The write has committed: a failure to record it is logged, not turned
            // into an error answer that would invite a retry of a done write.
            do {
                try await Audit.record(services, principal: principal, request: request, context: context, status: Int(status.code), fields: fields)
            } catch {
                context.logger.error("audit log write failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            }
        }
        if case let .claimed(key) = idempotency {
            try await gate.finish(
                partnerID: principal.partnerID,
                key: key,
                status: Int(status.code),
                body: body
            )
        }
        return Envelope.response(status: status, body: body, headers: headers)
    }
}
