import CSV
import Foundation
import Logging
import LoyaltyCore
import LoyaltyModels
import LoyaltyStore
import NIOCore
import XLSX

/// Runs one export or import job to its end (see ``DataJobService``).
///
/// An export reads its rows in id-ordered pages of 5,000, encodes them as they come and
/// stores the file in 1 MiB chunks, renewing the job's lease and progress after every
/// page: memory holds one page and one chunk, whatever the export's size. An import
/// reads its uploaded CSV row by row through ``CustomerImporter``, keeping per-row errors.
struct DataJobRunner: Sendable {
    let services: AppServices
    let logger: Logger
    static let pageSize = 5_000
    static let chunkBytes = 1 << 20
    static let leaseMillis: Int64 = 60_000
    /// Per-row errors kept with an import job.
    static let maxRowErrors = 1_000

    /// A job that cannot complete, with the reason shown to the partner.
    struct Failure: Error {
        var message: String
    }

    var jobs: any DataJobRepository { services.dataJobs }

    func run(_ job: DataJob) async {
        do {
            switch job.kind {
            case .export: try await export(job)
            case .import: try await importCustomers(job)
            }
        } catch let f as Failure {
            try? await jobs.fail(id: job.id, error: f.message, now: services.clock.nowMillis())
        } catch is CancellationError {
            return  // shutting down: the lease lapses and another node (or this one) starts over
        } catch {
            logger.error("job \(job.id) failed: \(String(reflecting: error))")
            try? await jobs.fail(id: job.id, error: "internal error; try again", now: services.clock.nowMillis())
        }
    }

    static func filters(_ job: DataJob) -> ExportDataset.Filters {
        let json = (try? RequestBody.parse(Array(job.filters.utf8))) ?? .object([])
        func int(_ key: String) -> Int64? { if case let .int(v)? = json[key] { v } else { nil } }
        return ExportDataset.Filters(from: int("from"), to: int("to"), shopID: int("shop_id"))
    }

    func export(_ job: DataJob) async throws {
        guard let dataset = ExportDataset(rawValue: job.type), let format = ExportFormat(rawValue: job.format) else {
            throw Failure(message: "unknown export \(job.type) / \(job.format)")
        }
        let filters = Self.filters(job)
        let database = services.database
        let total = try await dataset.count(database, partnerID: job.partnerID, filters: filters)
        if format == .xlsx, total >= Int64(XLSXStreamWriter.maxRows) {
            throw Failure(message: "An XLSX sheet holds at most \(XLSXStreamWriter.maxRows - 1) rows; this export has \(total): use csv or ndjson.")
        }
        try await jobs.progress(id: job.id, rowsDone: 0, rowsTotal: total, rowsFailed: 0, leaseUntil: lease())
        let encoder = try format.encoder(sheet: dataset.rawValue, columns: dataset.columns.map(\.name))
        var pending = ByteBuffer()
        var seq: Int64 = 0
        var after: Int64 = 0
        var rows: Int64 = 0
        func store(final: Bool) async throws {
            var out = encoder.takeOutput()
            pending.writeBuffer(&out)
            while pending.readableBytes >= Self.chunkBytes || (final && pending.readableBytes > 0) {
                let n = min(Self.chunkBytes, pending.readableBytes)
                let bytes = pending.readBytes(length: n) ?? []
                try await jobs.appendChunk(id: job.id, part: "output", seq: seq, data: Data(bytes))
                seq += 1
            }
            pending.discardReadBytes()
        }
        while true {
            try Task.checkCancellation()
            let page = try await dataset.page(database, partnerID: job.partnerID, filters: filters, after: after, limit: Self.pageSize)
            for (_, values) in page { try encoder.row(values) }
            rows += Int64(page.count)
            after = page.last?.0 ?? after
            try await store(final: false)
            try await jobs.progress(id: job.id, rowsDone: rows, rowsTotal: max(total, rows), rowsFailed: 0, leaseUntil: lease())
            if page.count < Self.pageSize { break }
        }
        try encoder.finish()
        try await store(final: true)
        let now = services.clock.nowMillis()
        try await jobs.complete(
            id: job.id,
            rowsDone: rows,
            rowsFailed: 0,
            rowErrors: "[]",
            bytes: nil,
            expiresAt: now + services.config.exportTTLHours * 3_600_000,
            now: now
        )
    }

    private func lease() -> Int64 { services.clock.nowMillis() + Self.leaseMillis }

    /// The uploaded CSV (header row: any of `external_id`, `email`, `phone`, `name`,
    /// `points`), one customer per row.
    func importCustomers(_ job: DataJob) async throws {
        var data = Data()
        var seq: Int64 = 0
        while let chunk = try await jobs.chunk(id: job.id, part: "input", seq: seq) {
            data.append(chunk)
            seq += 1
        }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(message: "The file is not UTF-8 text.") }
        let known = Set(["external_id", "email", "phone", "name", "points"])
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, hasHeaderRow: true, trimFields: true)
        } catch {
            throw Failure(message: "The file is not CSV: \(error)")
        }
        let header = (reader.headerRow ?? []).map { $0.lowercased() }
        guard !header.isEmpty, header.contains(where: known.contains) else {
            throw Failure(message: "The first row must name the columns: external_id, email, phone, name, points.")
        }
        let total = Int64(text.split(whereSeparator: \.isNewline).count - 1)
        try await jobs.progress(id: job.id, rowsDone: 0, rowsTotal: max(0, total), rowsFailed: 0, leaseUntil: lease())
        let importer = CustomerImporter(services: services)
        var done: Int64 = 0
        var failed: Int64 = 0
        var errors: [JSON] = []
        var line: Int64 = 1
        while let row = reader.next() {
            try Task.checkCancellation()
            line += 1
            if row.allSatisfy(\.isEmpty) { continue }
            var item: [(String, JSON)] = []
            for (name, value) in zip(header, row) where known.contains(name) && !value.isEmpty {
                item.append((name, name == "points" ? Int64(value).map(JSON.int) ?? .string(value) : .string(value)))
            }
            do {
                _ = try await importer.importOne(.object(item), field: "row \(line)", partnerID: job.partnerID, locale: .en)
            } catch {
                failed += 1
                let e = ErrorMapping.apiError(error, logger: logger)
                if errors.count < Self.maxRowErrors {
                    var entry: [(String, JSON)] = [
                        ("row", .int(line)), ("code", .string(e.stringCode.rawValue)), ("message", .string(e.message(.en))),
                    ]
                    if !e.fieldErrors.isEmpty { entry.append(("errors", .object(e.fieldErrors.map { ($0.0, .array($0.1.map(JSON.string))) }))) }
                    errors.append(.object(entry))
                }
            }
            done += 1
            if done % 200 == 0 {
                try await jobs.progress(id: job.id, rowsDone: done, rowsTotal: max(total, done), rowsFailed: failed, leaseUntil: lease())
            }
        }
        if let error = reader.error { throw Failure(message: "The CSV could not be read after row \(line): \(error)") }
        try await jobs.complete(
            id: job.id,
            rowsDone: done,
            rowsFailed: failed,
            rowErrors: JSON.array(errors).serializedString(),
            bytes: Int64(data.count),
            expiresAt: nil,
            now: services.clock.nowMillis()
        )
    }
}
