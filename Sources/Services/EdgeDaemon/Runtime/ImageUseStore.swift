public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `<homedir>/gc/image_use`: one line `<imageId> <unixSeconds>` per image edged pulled or created a container from,
/// with the last time it was used. Rewritten through `image_use_tmp` and a rename. Image garbage collection removes
/// only images listed here.
public actor ImageUseStore {
    public let path: String
    private var entries: [String: Int64]?

    public init(directory: String) {
        path = "\(directory)/image_use"
    }

    /// The recorded images and their last-use times.
    public func all() throws -> [String: Int64] {
        if let entries { return entries }
        let loaded = try Self.read(path)
        entries = loaded
        return loaded
    }

    /// Records that `imageId` was used at `time`.
    public func record(_ imageId: String, at time: Int64 = Int64(Date().timeIntervalSince1970)) throws {
        guard !imageId.isEmpty else { return }
        var current = try all()
        current[imageId] = time
        try save(current)
    }

    /// Replaces every entry (after a garbage collection run).
    public func replace(_ new: [String: Int64]) throws {
        try save(new)
    }

    private func save(_ new: [String: Int64]) throws {
        let text = new.keys.sorted().map { "\($0) \(new[$0]!)\n" }.joined()
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(directory)/image_use_tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot rename \(temporary) to \(path)"])
        }
        entries = new
    }

    /// Parses the file; lines that are not `<id> <seconds>` are skipped (the reference fails the whole run).
    static func read(_ path: String) throws -> [String: Int64] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        var result: [String: Int64] = [:]
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let time = Int64(parts[1]) else { continue }
            result[String(parts[0])] = time
        }
        return result
    }
}
