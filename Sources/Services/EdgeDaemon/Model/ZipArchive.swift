/// A zip archive built in memory, entries stored without compression (what a support bundle needs: any unzip reads
/// it, and no compression library is involved). File names are UTF-8 (flag bit 11); sizes must stay under 4 GiB.
public struct ZipArchive: Sendable {
    private var data: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0
    /// MS-DOS time and date of every entry (1980-01-01 00:00 unless set).
    public var dosTime: UInt16 = 0
    public var dosDate: UInt16 = (0 << 9) | (1 << 5) | 1

    public init() {}

    /// Adds a file.
    public mutating func add(_ name: String, _ contents: [UInt8]) {
        let nameBytes = Array(name.utf8)
        let crc = CRC32.checksum(contents)
        let offset = UInt32(data.count)
        func header(_ signature: UInt32, central: Bool) -> [UInt8] {
            var bytes: [UInt8] = []
            func u16(_ value: UInt16) { bytes += [UInt8(value & 0xff), UInt8(value >> 8)] }
            func u32(_ value: UInt32) { bytes += [UInt8(value & 0xff), UInt8((value >> 8) & 0xff), UInt8((value >> 16) & 0xff), UInt8(value >> 24)] }
            u32(signature)
            if central { u16(20) }  // version made by
            u16(20)  // version needed
            u16(0x0800)  // UTF-8 names
            u16(0)  // stored
            u16(dosTime)
            u16(dosDate)
            u32(crc)
            u32(UInt32(contents.count))
            u32(UInt32(contents.count))
            u16(UInt16(nameBytes.count))
            u16(0)  // extra
            if central {
                u16(0)  // comment
                u16(0)  // disk
                u16(0)  // internal attributes
                u32(0o100644 << 16)  // external attributes: a regular file, rw-r--r--
                u32(offset)
            }
            return bytes + nameBytes
        }
        data += header(0x0403_4b50, central: false)
        data += contents
        central += header(0x0201_4b50, central: true)
        count += 1
    }

    public mutating func add(_ name: String, text: String) { add(name, Array(text.utf8)) }

    /// The whole archive: entries, central directory, end record.
    public var bytes: [UInt8] {
        var end: [UInt8] = []
        func u16(_ value: UInt16) { end += [UInt8(value & 0xff), UInt8(value >> 8)] }
        func u32(_ value: UInt32) { end += [UInt8(value & 0xff), UInt8((value >> 8) & 0xff), UInt8((value >> 16) & 0xff), UInt8(value >> 24)] }
        u32(0x0605_4b50)
        u16(0)
        u16(0)
        u16(UInt16(count))
        u16(UInt16(count))
        u32(UInt32(central.count))
        u32(UInt32(data.count))
        u16(0)
        return data + central + end
    }
}
