import Foundation
import HTTPTypes
import Hummingbird
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import NIOCore

/// Exports and imports as background jobs (docs/PARTNER-API.md, "Exports and imports"):
/// start one, watch its progress, download an export through a signed link that
/// expires, read an import's per-row errors.
extension PartnerAPI {
    func registerExports(open: APIRoutes, partner routes: APIRoutes) {
        let read = routes.requiring(read: .role(.staff, credentials: true), write: .role(.manager, credentials: true))
        read.post("exports", startExport)
        read.get("exports", listExports)
        read.get("exports/:id", getExport)
        read.delete("exports/:id", deleteExport)
        // The legacy partner API's shape (`POST /partners/transactions/export?format=csv`).
        read.post("transactions/export", startTransactionsExport)
        open.get("exports/:id/download", downloadExport)
        let imports = routes.requiring(read: .role(.staff, credentials: false), write: .role(.manager, credentials: false))
        imports.upload("imports", limit: services.config.importMaxBytes, reported: services.config.importMaxBytes, file: .csv, startImport)
        imports.get("imports", listImports)
        imports.get("imports/:id", getImport)
    }

    static let exportNotFound = APIError.notFound("export_not_found", code: 1330, stringCode: .exportNotFound)

    /// `type`, `format` and optional filters `from`/`to` (inclusive days) and `shop_id`.
    func exportRequest(_ call: APICall, type fixedType: ExportDataset? = nil) async throws -> (ExportDataset, ExportFormat, JSON) {
        var f = call.fields
        let type = fixedType ?? f.oneOf("type", ExportDataset.allCases.map(\.rawValue), required: true).flatMap(ExportDataset.init(rawValue:))
        let format = f.oneOf("format", ExportFormat.allCases.map(\.rawValue)).flatMap(ExportFormat.init(rawValue:)) ?? .csv
        let from = f.date("from")
        let to = f.date("to").map { $0 + 86_400_000 }
        let shop = f.int("shop_id", min: 1, max: Int64.max)
        if let from, let to, to <= from { f.fail("to", "v_after", ["other": "from"]) }
        try f.throwIfInvalid()
        guard let type else { throw APIError.validation([("type", [Messages.text("v_required", call.locale, ["field": "type"])])]) }
        if let shop, try await tenants.shop(partnerID: call.partnerID, id: shop) == nil { throw LoyaltyError.shopNotFound }
        var filters: [(String, JSON)] = []
        if let from { filters.append(("from", .int(from))) }
        if let to { filters.append(("to", .int(to))) }
        if let shop { filters.append(("shop_id", .int(shop))) }
        return (type, format, .object(filters))
    }

    func actor(_ call: APICall) -> String {
        if let u = call.principal.user { return "user:\(u.id)" }
        return "credential:\(call.principal.credentialID)"
    }

    @Sendable func startExport(_ call: APICall) async throws -> APIResult {
        let (type, format, filters) = try await exportRequest(call)
        return try await queueExport(call, type, format, filters)
    }

    @Sendable func startTransactionsExport(_ call: APICall) async throws -> APIResult {
        let (type, format, filters) = try await exportRequest(call, type: .transactions)
        return try await queueExport(call, type, format, filters)
    }

    func queueExport(_ call: APICall, _ type: ExportDataset, _ format: ExportFormat, _ filters: JSON) async throws -> APIResult {
        let job = try await services.dataJobs.create(
            partnerID: call.partnerID,
            kind: .export,
            type: type.rawValue,
            format: format.rawValue,
            filters: filters.serializedString(),
            actor: actor(call),
            input: []
        )
        return APIResult(status: .accepted, messageKey: "export_queued", data: try await present(job, call))
    }

    @Sendable func listExports(_ call: APICall) async throws -> APIResult {
        try await listJobs(call, kind: .export)
    }

    /// The partner's jobs of `kind`, newest first, a page at a time.
    func listJobs(_ call: APICall, kind: DataJob.Kind) async throws -> APIResult {
        var f = call.fields
        let page = f.page(maxPerPage: 100)
        try f.throwIfInvalid()
        let result = try await services.dataJobs.jobs(partnerID: call.partnerID, kind: kind, page: page)
        var items: [JSON] = []
        for job in result.items { items.append(try await present(job, call)) }
        return APIResult(data: .array(items), meta: Envelope.meta(result))
    }

    func pathJob(_ call: APICall, kind: DataJob.Kind) async throws -> DataJob {
        guard let id = call.parameters["id"].flatMap(Int64.init), let job = try await services.dataJobs.job(partnerID: call.partnerID, id: id),
            job.kind == kind
        else { throw Self.exportNotFound }
        return job
    }

    @Sendable func getExport(_ call: APICall) async throws -> APIResult {
        APIResult(data: try await present(try await pathJob(call, kind: .export), call))
    }

    @Sendable func deleteExport(_ call: APICall) async throws -> APIResult {
        let job = try await pathJob(call, kind: .export)
        _ = try await services.dataJobs.delete(partnerID: call.partnerID, id: job.id)
        return APIResult(messageKey: "export_deleted", data: .object([("id", .int(job.id)), ("deleted", .bool(true))]))
    }

    /// The job as the API shows it; a completed export carries a fresh download link.
    func present(_ job: DataJob, _ call: APICall) async throws -> JSON {
        let now = services.clock.nowMillis()
        var download: [(String, JSON)] = [("download_url", .null), ("download_expires_at", .null)]
        if job.kind == .export, job.status == .completed, let expires = job.expiresAt, expires > now {
            let link = try await services.exportLinks.token(jobID: job.id, partnerID: job.partnerID, fileExpiresAt: expires, now: now)
            let url = "\(baseURL(call))/\(call.locale.rawValue)/partners/exports/\(job.id)/download?token=\(link.token)"
            download = [("download_url", .string(url)), ("download_expires_at", .string(Timestamp.iso8601(link.expiresAt)))]
        }
        let progress: JSON =
            job.status == .completed
            ? .double(1) : job.rowsTotal.map { $0 > 0 ? .double(min(1, Double(job.rowsDone) / Double($0))) : .double(0) } ?? .null
        var out: [(String, JSON)] = [
            ("id", .int(job.id)), ("type", .string(job.type)), ("format", .string(job.format)), ("status", .string(job.status.rawValue)),
            ("rows_done", .int(job.rowsDone)), ("rows_total", .optional(job.rowsTotal)), ("progress", progress), ("bytes", .int(job.bytes)),
            ("filters", (try? RequestBody.parse(Array(job.filters.utf8))) ?? .object([])), ("error", .optional(job.error)),
            ("created_at", Present.time(job.createdAt)), ("started_at", job.startedAt.map(Present.time) ?? .null),
            ("completed_at", job.completedAt.map(Present.time) ?? .null), ("expires_at", job.expiresAt.map(Present.time) ?? .null),
        ]
        if job.kind == .export {
            out += download
        } else {
            out += [
                ("rows_failed", .int(job.rowsFailed)),
                ("row_errors", (try? JSONDecoder().decode(JSON.self, from: Data(job.rowErrors.utf8))) ?? .array([])),
            ]
        }
        return .object(out)
    }

    /// `scheme://host` as the caller reached this server.
    func baseURL(_ call: APICall) -> String {
        let scheme = call.forwardedScheme == "https" ? "https" : "http"
        return "\(scheme)://\(call.host ?? "127.0.0.1:\(services.config.port)")"
    }

    /// The file, streamed chunk by chunk; the token is the only credential.
    @Sendable func downloadExport(_ call: APICall) async throws -> APIResult {
        guard let token = call.fields.values["token"].flatMap({ if case let .string(s) = $0 { s } else { nil } }),
            let claims = await services.exportLinks.verify(token), String(claims.jobID) == call.parameters["id"]
        else {
            throw APIError(status: .forbidden, code: 1331, stringCode: .downloadLinkInvalid, messageKey: "download_link_invalid")
        }
        guard let job = try await services.dataJobs.job(partnerID: claims.partnerID, id: claims.jobID), job.kind == .export else {
            throw Self.exportNotFound
        }
        let now = services.clock.nowMillis()
        guard job.status == .completed, let expires = job.expiresAt, expires > now else {
            throw APIError(status: .gone, code: 1332, stringCode: .exportExpired, messageKey: "export_expired")
        }
        let jobs = services.dataJobs
        let chunks = job.chunks
        let body = ResponseBody(contentLength: Int(job.bytes)) { writer in
            for seq in 0..<chunks {
                guard let data = try await jobs.chunk(id: job.id, part: "output", seq: seq) else { throw Self.exportNotFound }
                try await writer.write(ByteBuffer(bytes: data))
            }
            try await writer.finish(nil)
        }
        let format = ExportFormat(rawValue: job.format) ?? .csv
        var headers = HTTPFields()
        headers[.contentDisposition] = "attachment; filename=\"\(job.type)-\(job.id).\(job.format)\""
        headers[.cacheControl] = "private, no-store"
        return APIResult(stream: (format.contentType, body, headers))
    }

    /// A CSV upload (multipart `file`, or the CSV itself as `text/csv`) queued as an
    /// import of customers with opening balances.
    @Sendable func startImport(_ call: APICall) async throws -> APIResult {
        var file: [UInt8]?
        if let upload = call.upload {
            let type = upload.contentType.lowercased()
            if type.hasPrefix("multipart/form-data") {
                file = try MultipartForm.parse(upload.bytes, contentType: upload.contentType).first { $0.name == "file" }?.bytes
            } else if type.hasPrefix("text/csv") || type.hasPrefix("text/plain") || type.hasPrefix("application/csv") {
                file = upload.bytes
            }
        }
        guard let file, !file.isEmpty else {
            throw APIError.validation([("file", [Messages.text("v_required", call.locale, ["field": "file"])])])
        }
        guard String(validating: file, as: UTF8.self) != nil else {
            throw APIError.validation([("file", [Messages.text("v_utf8_csv", call.locale, ["field": "file"])])])
        }
        let chunks = stride(from: 0, to: file.count, by: DataJobRunner.chunkBytes).map {
            Data(file[$0..<min(file.count, $0 + DataJobRunner.chunkBytes)])
        }
        let job = try await services.dataJobs.create(
            partnerID: call.partnerID,
            kind: .import,
            type: "customers",
            format: "csv",
            filters: "{}",
            actor: actor(call),
            input: chunks
        )
        return APIResult(status: .accepted, messageKey: "import_queued", data: try await present(job, call))
    }

    @Sendable func listImports(_ call: APICall) async throws -> APIResult {
        try await listJobs(call, kind: .import)
    }

    @Sendable func getImport(_ call: APICall) async throws -> APIResult {
        APIResult(data: try await present(try await pathJob(call, kind: .import), call))
    }
}
