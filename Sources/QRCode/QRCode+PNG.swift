extension QRCode {
    /// A 1-bit greyscale PNG, `scale = max(1, size / (modules + 2 * border))` pixels per
    /// module, so the image is at most `size` pixels wide unless the symbol needs more.
    public func png(size pixels: Int = 250, border: Int = 4) -> [UInt8] {
        let border = max(0, border)
        let extent = size + 2 * border
        let scale = max(1, pixels / extent)
        let width = extent * scale
        let rowBytes = (width + 7) / 8
        // One scanline per module row, repeated `scale` times.
        var raw: [UInt8] = []
        raw.reserveCapacity((rowBytes + 1) * width)
        var line = [UInt8](repeating: 0, count: rowBytes)
        for my in 0..<extent {
            for i in 0..<rowBytes { line[i] = 0 }
            let y = my - border
            for px in 0..<width {
                // Greyscale 1-bit: 1 = white.
                if !self[px / scale - border, y] { line[px >> 3] |= 0x80 >> UInt8(px & 7) }
            }
            if width % 8 != 0 { line[rowBytes - 1] |= 0xFF >> UInt8(width % 8) }
            for _ in 0..<scale {
                raw.append(0)  // filter: none
                raw.append(contentsOf: line)
            }
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += PNGWriter.bigEndian(UInt32(width))
        header += PNGWriter.bigEndian(UInt32(width))
        header += [1, 0, 0, 0, 0]  // bit depth 1, greyscale, deflate, adaptive filtering, no interlace
        PNGWriter.chunk("IHDR", header, into: &out)
        PNGWriter.chunk("IDAT", PNGWriter.zlibStored(raw), into: &out)
        PNGWriter.chunk("IEND", [], into: &out)
        return out
    }
}

/// The few parts of PNG (RFC 2083) and zlib (RFC 1950) a bitmap needs. The pixel data is
/// written as stored (uncompressed) deflate blocks: a 1-bit QR image is small already,
/// and this keeps the module free of a compressor.
enum PNGWriter {
    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        out += bigEndian(UInt32(data.count))
        out += typeBytes
        out += data
        out += bigEndian(crc32(typeBytes + data))
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out.append(final)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        out += bigEndian(adler32(data))
        return out
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }
}
