import CompressNIO
import NIOCore
import Testing

@testable import XLSX

/// The ZIP and XLSX writers, read back by an independent reader written here from the
/// ZIP specification (central directory first, then each local entry, inflated and
/// checked against its CRC and sizes). scripts/export-check.sh reads real exports back
/// with openpyxl as well.
@Suite("XLSX and streaming ZIP")
struct XLSXTests {
    @Test func crc32KnownVector() {
        var c = CRC32()
        c.update(Array("123456789".utf8))
        #expect(c.value == 0xCBF4_3926)
        var split = CRC32()
        split.update(Array("1234".utf8))
        split.update(Array("56789".utf8))
        #expect(split.value == c.value)
    }

    @Test func zipEntriesReadBackByteForByte() throws {
        let zip = ZipStreamWriter()
        var out = ByteBuffer()
        var expected: [String: [UInt8]] = [:]
        var rng = SystemRandomNumberGenerator()
        for (i, size) in [0, 1, 70_000, 300_000].enumerated() {
            let name = "dir/entry-\(i).txt"
            // Compressible text with random parts, written in uneven blocks.
            let bytes = (0..<size).map { j in j % 7 == 0 ? UInt8.random(in: 32...126, using: &rng) : UInt8(97 + j % 13) }
            expected[name] = bytes
            try zip.begin(name)
            var at = 0
            while at < bytes.count {
                let n = min(bytes.count - at, Int.random(in: 1...40_000, using: &rng))
                try zip.write(ByteBuffer(bytes: bytes[at..<at + n]))
                at += n
                var chunk = zip.takeOutput()
                out.writeBuffer(&chunk)
            }
            try zip.end()
        }
        try zip.finish()
        var rest = zip.takeOutput()
        out.writeBuffer(&rest)
        let entries = try Self.read(out)
        #expect(entries.count == expected.count)
        for (name, bytes) in expected { #expect(entries[name] == bytes, "\(name)") }
        #expect(out.readableBytes < 300_000, "deflated: \(out.readableBytes) bytes")
    }

    @Test func workbookPartsAndCells() throws {
        let x = try XLSXStreamWriter(sheetName: "Ledger: 2026/12", columns: ["id", "name", "points"])
        try x.addRow([.integer(1), .text("Ona <&> \"Šimkutė\""), .integer(-5)])
        try x.addRow([.integer(2), .text(" lead\u{1}ing"), .number(1.5)])
        try x.addRow([.integer(3), .empty, .text(String(repeating: "x", count: 40_000))])
        try x.finish()
        let entries = try Self.read(x.takeOutput())
        #expect(
            Set(entries.keys) == [
                "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml",
            ]
        )
        let sheet = String(decoding: entries["xl/worksheets/sheet1.xml"]!, as: UTF8.self)
        #expect(sheet.contains(#"<c r="B2" t="inlineStr"><is><t>Ona &lt;&amp;&gt; &quot;Šimkutė&quot;</t></is></c>"#))
        #expect(sheet.contains(#"<c r="C2"><v>-5</v></c>"#))
        #expect(sheet.contains(#"<t xml:space="preserve"> leading</t>"#), "control characters dropped, spaces kept")
        #expect(sheet.contains(#"<c r="C3"><v>1.5</v></c>"#) && !sheet.contains(#"r="B4""#))
        #expect(sheet.contains(String(repeating: "x", count: 32_767) + "</t>") && !sheet.contains(String(repeating: "x", count: 32_768)))
        #expect(sheet.hasSuffix("</sheetData></worksheet>"))
        let workbook = String(decoding: entries["xl/workbook.xml"]!, as: UTF8.self)
        #expect(workbook.contains(#"name="Ledger 202612""#))
        #expect(XLSXStreamWriter.columnName(0) == "A" && XLSXStreamWriter.columnName(25) == "Z" && XLSXStreamWriter.columnName(26) == "AA")
        #expect(XLSXStreamWriter.columnName(701) == "ZZ" && XLSXStreamWriter.columnName(702) == "AAA")
    }

    /// A ZIP reader from the specification: end record, central directory, local
    /// headers, inflate, CRC and size checks.
    static func read(_ archive: ByteBuffer) throws -> [String: [UInt8]] {
        let bytes = Array(archive.readableBytesView)
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        let eocd = try #require((0...(bytes.count - 22)).reversed().first { u32($0) == 0x0605_4B50 })
        let count = u16(eocd + 10)
        var at = u32(eocd + 16)
        #expect(at + u32(eocd + 12) == eocd, "the directory ends where the end record starts")
        var out: [String: [UInt8]] = [:]
        for _ in 0..<count {
            #expect(u32(at) == 0x0201_4B50)
            let method = u16(at + 10)
            let crc = UInt32(u32(at + 16))
            let compressed = u32(at + 20)
            let size = u32(at + 24)
            let nameLength = u16(at + 28)
            let extra = u16(at + 30)
            let comment = u16(at + 32)
            let local = u32(at + 42)
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            #expect(u32(local) == 0x0403_4B50 && method == 8)
            let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
            var data = ByteBuffer(bytes: bytes[dataStart..<(dataStart + compressed)])
            let inflated = Array(try data.decompress(with: .deflate()).readableBytesView)
            #expect(inflated.count == size, "\(name) size")
            var c = CRC32()
            c.update(inflated)
            #expect(c.value == crc, "\(name) crc")
            // The data descriptor repeats CRC and sizes after the data.
            let descriptor = dataStart + compressed
            #expect(u32(descriptor) == 0x0807_4B50 && UInt32(u32(descriptor + 4)) == crc && u32(descriptor + 12) == size)
            out[name] = inflated
            at += 46 + nameLength + extra + comment
        }
        return out
    }
}
