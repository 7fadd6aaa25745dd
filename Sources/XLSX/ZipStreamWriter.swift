import CompressNIO
import NIOCore

/// Writes a ZIP archive front to back, for output that cannot seek (a stream, rows in
/// a database): each entry is deflated as its bytes arrive, its sizes and CRC follow
/// it in a data descriptor, and the central directory comes last.
///
/// Contract: call ``begin(_:)``, ``write(_:)`` any number of times, ``end()`` per entry,
/// then ``finish()`` once; after each call, drain ``takeOutput()``, so memory stays
/// bounded by one input block plus its compressed form. No ZIP64: an entry or archive
/// past 4 GiB throws ``ZipError/tooLarge``.
public final class ZipStreamWriter {
    public enum ZipError: Error, Equatable {
        case tooLarge
        case misuse(String)
    }

    struct Entry {
        var name: [UInt8]
        var offset: UInt64
        var crc: UInt32 = 0
        var compressed: UInt64 = 0
        var uncompressed: UInt64 = 0
    }

    private var output = ByteBuffer()
    private var written: UInt64 = 0
    private var entries: [Entry] = []
    private var current: Entry?
    private var crc = CRC32()
    private let compressor: any NIOCompressor
    /// DOS time and date stamped on every entry.
    private let dosTime: UInt16
    private let dosDate: UInt16

    /// `year...second`: the modification time written on every entry (UTC).
    public init(year: Int = 2026, month: Int = 1, day: Int = 1, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        compressor = CompressionAlgorithm.deflate(configuration: .init(windowSize: 15, compressionLevel: 6)).compressor
        compressor.window = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        dosTime = UInt16(hour << 11 | minute << 5 | second / 2)
        dosDate = UInt16(max(0, year - 1980) << 9 | month << 5 | day)
    }

    /// Bytes produced so far and not yet taken.
    public func takeOutput() -> ByteBuffer {
        defer { output = ByteBuffer() }
        return output
    }

    private func emit(_ bytes: ByteBuffer) throws {
        var b = bytes
        written += UInt64(b.readableBytes)
        if written > UInt64(UInt32.max) { throw ZipError.tooLarge }
        output.writeBuffer(&b)
    }

    private func header(_ fields: [(Int, UInt64)]) -> ByteBuffer {
        var b = ByteBuffer()
        for (size, value) in fields {
            switch size {
            case 2: b.writeInteger(UInt16(truncatingIfNeeded: value), endianness: .little)
            default: b.writeInteger(UInt32(truncatingIfNeeded: value), endianness: .little)
            }
        }
        return b
    }

    /// Starts the entry `name` (a path inside the archive, UTF-8).
    public func begin(_ name: String) throws {
        guard current == nil else { throw ZipError.misuse("entry \(name) begun inside another") }
        let nameBytes = Array(name.utf8)
        current = Entry(name: nameBytes, offset: written)
        crc = CRC32()
        // Flags: bit 3 (sizes in a data descriptor), bit 11 (UTF-8 name).
        var h = header([
            (4, 0x0403_4B50), (2, 20), (2, 0x0808), (2, 8), (2, UInt64(dosTime)), (2, UInt64(dosDate)), (4, 0), (4, 0), (4, 0),
            (2, UInt64(nameBytes.count)), (2, 0),
        ])
        h.writeBytes(nameBytes)
        try emit(h)
        try compressor.startStream()
    }

    /// Adds bytes to the current entry.
    public func write(_ bytes: ByteBuffer) throws {
        guard current != nil else { throw ZipError.misuse("write outside an entry") }
        var input = bytes
        input.withUnsafeReadableBytes { crc.update($0) }
        current!.uncompressed += UInt64(input.readableBytes)
        if current!.uncompressed > UInt64(UInt32.max) { throw ZipError.tooLarge }
        try deflate(&input, flush: .no)
    }

    public func write(_ string: String) throws {
        try write(ByteBuffer(string: string))
    }

    private func deflate(_ input: inout ByteBuffer, flush: CompressNIOFlush) throws {
        var produced: [ByteBuffer] = []
        try input.compressStream(with: compressor, flush: flush) { produced.append($0) }
        if flush == .no, let window = compressor.window, window.readableBytes > 0 {
            // compressStream keeps what fits in its window: take it now.
            produced.append(window)
            compressor.window!.moveReaderIndex(to: 0)
            compressor.window!.moveWriterIndex(to: 0)
        }
        for p in produced {
            current!.compressed += UInt64(p.readableBytes)
            try emit(p)
        }
    }

    /// Ends the current entry: the rest of its deflate stream and its data descriptor.
    public func end() throws {
        guard current != nil else { throw ZipError.misuse("end outside an entry") }
        var empty = ByteBuffer()
        try deflate(&empty, flush: .finish)
        try compressor.finishStream()
        current!.crc = crc.value
        let e = current!
        try emit(header([(4, 0x0807_4B50), (4, UInt64(e.crc)), (4, e.compressed), (4, e.uncompressed)]))
        entries.append(e)
        current = nil
    }

    /// Writes the central directory and the end record.
    public func finish() throws {
        guard current == nil else { throw ZipError.misuse("finish inside an entry") }
        let start = written
        for e in entries {
            var h = header([
                (4, 0x0201_4B50), (2, 20), (2, 20), (2, 0x0808), (2, 8), (2, UInt64(dosTime)), (2, UInt64(dosDate)), (4, UInt64(e.crc)),
                (4, e.compressed), (4, e.uncompressed), (2, UInt64(e.name.count)), (2, 0), (2, 0), (2, 0), (2, 0), (4, 0), (4, e.offset),
            ])
            h.writeBytes(e.name)
            try emit(h)
        }
        let size = written - start
        try emit(
            header([
                (4, 0x0605_4B50), (2, 0), (2, 0), (2, UInt64(entries.count)), (2, UInt64(entries.count)), (4, size), (4, start), (2, 0),
            ])
        )
    }
}
