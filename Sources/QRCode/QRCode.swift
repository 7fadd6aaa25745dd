/// A QR Code symbol (ISO/IEC 18004:2015, Model 2) encoding bytes in byte mode.
///
/// Written here because no QR library is in the package mirror. The construction follows
/// the standard's order: data bits (mode indicator, count, payload, terminator, pad
/// codewords), Reed-Solomon error correction per block (``ReedSolomon``), interleaving,
/// placement around the function patterns (``QRMatrix``) and the mask with the lowest
/// penalty score (``QRPenalty``). Versions 1-40 and the four error-correction levels are
/// supported; numeric, alphanumeric and kanji modes and ECI are not (byte mode carries any
/// payload, UTF-8 text included).
///
/// The symbol is immutable; render it with ``svg(size:border:)`` or ``png(size:border:)``.
public struct QRCode: Sendable, Equatable {
    /// The error-correction level: how much of the symbol may be damaged and still read
    /// (about 7%, 15%, 25% and 30%).
    public enum ErrorCorrection: String, Sendable, CaseIterable {
        case low = "L"
        case medium = "M"
        case quartile = "Q"
        case high = "H"

        /// Index into ``QRTables`` (L, M, Q, H).
        var ordinal: Int {
            switch self {
            case .low: 0
            case .medium: 1
            case .quartile: 2
            case .high: 3
            }
        }

        /// The two format-information bits (L=01, M=00, Q=11, H=10).
        var formatBits: Int {
            switch self {
            case .low: 1
            case .medium: 0
            case .quartile: 3
            case .high: 2
            }
        }
    }

    /// 1...40; the symbol is `17 + 4 * version` modules wide.
    public let version: Int
    public let errorCorrection: ErrorCorrection
    /// The mask pattern applied (0...7).
    public let mask: Int
    /// Modules per side.
    public let size: Int
    /// Row-major, `true` = dark.
    let modules: [Bool]

    /// Encodes `bytes` in the smallest version within `versions` that holds them at the
    /// requested level. `mask` forces a mask pattern (otherwise the lowest penalty wins).
    ///
    /// - Throws: ``QRCodeError/dataTooLong(bytes:capacity:)`` when even the largest allowed
    ///   version cannot hold the data; ``QRCodeError/invalidParameter(_:)`` for a version
    ///   range outside 1...40 or a mask outside 0...7.
    public init(bytes: [UInt8], errorCorrection: ErrorCorrection = .medium, versions: ClosedRange<Int> = 1...40, mask: Int? = nil) throws {
        guard versions.lowerBound >= 1, versions.upperBound <= 40 else { throw QRCodeError.invalidParameter("version must be within 1...40") }
        if let mask, !(0...7).contains(mask) { throw QRCodeError.invalidParameter("mask must be within 0...7") }
        guard let version = versions.first(where: { Self.byteCapacity(version: $0, errorCorrection: errorCorrection) >= bytes.count }) else {
            throw QRCodeError.dataTooLong(
                bytes: bytes.count,
                capacity: Self.byteCapacity(version: versions.upperBound, errorCorrection: errorCorrection)
            )
        }
        let codewords = Self.addErrorCorrection(
            Self.dataCodewords(bytes, version: version, errorCorrection: errorCorrection),
            version: version,
            errorCorrection: errorCorrection
        )
        var matrix = QRMatrix(version: version)
        matrix.drawFunctionPatterns()
        matrix.drawCodewords(codewords)
        var chosen = mask ?? 0
        if mask == nil {
            var best = Int.max
            for candidate in 0..<8 {
                matrix.applyMask(candidate)
                matrix.drawFormatBits(errorCorrection: errorCorrection, mask: candidate)
                let score = QRPenalty.score(matrix)
                if score < best {
                    best = score
                    chosen = candidate
                }
                matrix.applyMask(candidate)  // XOR again undoes it
            }
        }
        matrix.applyMask(chosen)
        matrix.drawFormatBits(errorCorrection: errorCorrection, mask: chosen)
        self.version = version
        self.errorCorrection = errorCorrection
        self.mask = chosen
        self.size = matrix.size
        self.modules = matrix.modules
    }

    /// Encodes the UTF-8 bytes of `text`.
    public init(text: String, errorCorrection: ErrorCorrection = .medium, versions: ClosedRange<Int> = 1...40, mask: Int? = nil) throws {
        try self.init(bytes: Array(text.utf8), errorCorrection: errorCorrection, versions: versions, mask: mask)
    }

    /// Whether the module at column `x`, row `y` is dark. Outside the symbol: light.
    public subscript(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }

    /// How many bytes a symbol of `version` holds in byte mode at `errorCorrection`.
    public static func byteCapacity(version: Int, errorCorrection: ErrorCorrection) -> Int {
        let dataBits = QRTables.dataCodewords(version: version, errorCorrection: errorCorrection) * 8
        let overhead = 4 + (version <= 9 ? 8 : 16)
        return (dataBits - overhead) / 8
    }

    // MARK: - Encoding

    /// Mode indicator, character count, payload, terminator and pad codewords.
    static func dataCodewords(_ bytes: [UInt8], version: Int, errorCorrection: ErrorCorrection) -> [UInt8] {
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: version <= 9 ? 8 : 16)
        for b in bytes { bits.append(Int(b), count: 8) }
        let capacityBits = QRTables.dataCodewords(version: version, errorCorrection: errorCorrection) * 8
        bits.append(0, count: min(4, capacityBits - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var out = bits.bytes
        var pad: UInt8 = 0xEC
        while out.count * 8 < capacityBits {
            out.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return out
    }

    /// Splits the data into blocks, appends each block's Reed-Solomon codewords and
    /// interleaves: data codewords column by column, then error-correction codewords.
    static func addErrorCorrection(_ data: [UInt8], version: Int, errorCorrection: ErrorCorrection) -> [UInt8] {
        let blockCount = QRTables.blocks(version: version, errorCorrection: errorCorrection)
        let eccLength = QRTables.eccPerBlock(version: version, errorCorrection: errorCorrection)
        let raw = QRTables.rawDataModules(version: version) / 8
        let shortBlocks = blockCount - raw % blockCount
        let shortLength = raw / blockCount
        let divisor = ReedSolomon.divisor(degree: eccLength)
        var blocks: [[UInt8]] = []
        var dataBlocks: [[UInt8]] = []
        var offset = 0
        for i in 0..<blockCount {
            let length = shortLength - eccLength + (i < shortBlocks ? 0 : 1)
            let block = Array(data[offset..<(offset + length)])
            offset += length
            dataBlocks.append(block)
            blocks.append(ReedSolomon.remainder(block, divisor: divisor))
        }
        var out: [UInt8] = []
        out.reserveCapacity(raw)
        for i in 0..<(shortLength - eccLength + 1) {
            for block in dataBlocks where i < block.count { out.append(block[i]) }
        }
        for i in 0..<eccLength {
            for ecc in blocks { out.append(ecc[i]) }
        }
        return out
    }
}

/// Why a symbol could not be made.
public enum QRCodeError: Error, Equatable, CustomStringConvertible {
    case dataTooLong(bytes: Int, capacity: Int)
    case invalidParameter(String)

    public var description: String {
        switch self {
        case let .dataTooLong(bytes, capacity): "\(bytes) bytes do not fit: the largest allowed symbol holds \(capacity)"
        case let .invalidParameter(message): message
        }
    }
}

/// Appends bits most significant first.
struct BitBuffer {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    mutating func append(_ value: Int, count n: Int) {
        guard n > 0 else { return }
        for i in stride(from: n - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> i) & 1 == 1 { bytes[count / 8] |= UInt8(0x80 >> (count % 8)) }
            count += 1
        }
    }
}
