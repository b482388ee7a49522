/// One section of a twin (`desired` or `reported`): the properties plus the service-owned `$version`
/// and optional `$metadata`.
///
/// ``json`` renders IoT Hub's layout: the properties in order, then `$metadata` (if any), then
/// `$version`.
public struct TwinProperties: Sendable, Hashable {
    /// The properties, without `$version` and `$metadata`.
    public var properties: JSONObject
    /// `$version`.
    public var version: Int64
    /// `$metadata`, if present.
    public var metadata: JSONValue?

    /// Creates a section (an empty IoT Hub twin section has version 1).
    public init(properties: JSONObject = JSONObject(), version: Int64 = 1, metadata: JSONValue? = nil) {
        self.properties = properties
        self.version = version
        self.metadata = metadata
    }

    /// Reads a section from JSON: an object with an integer `$version` ≥ 0 and optional `$metadata`.
    /// `path` names the section in error messages.
    public init(json: JSONValue, path: String = "") throws(TwinError) {
        guard var object = json.objectValue else {
            throw TwinError(code: .notAnObject, path: path, message: "\(Self.describe(path)) must be a JSON object")
        }
        let versionPath = path.isEmpty ? "$version" : "\(path).$version"
        guard let versionValue = object.removeValue(forKey: "$version") else {
            throw TwinError(code: .missingVersion, path: versionPath, message: "\(versionPath) is missing")
        }
        guard let version = versionValue.intValue, version >= 0 else {
            throw TwinError(
                code: .invalidVersion, path: versionPath,
                message: "\(versionPath) must be a non-negative integer, not \(versionValue.jsonString)")
        }
        let metadata = object.removeValue(forKey: "$metadata")
        self.init(properties: object, version: version, metadata: metadata)
    }

    private static func describe(_ path: String) -> String {
        path.isEmpty ? "twin properties" : path
    }

    /// The section as IoT Hub renders it: properties, `$metadata`, `$version`.
    public var json: JSONValue {
        var object = properties
        object.removeValue(forKey: "$metadata")
        object.removeValue(forKey: "$version")
        if let metadata { object["$metadata"] = metadata }
        object["$version"] = .int(version)
        return .object(object)
    }

    /// Applies a JSON merge patch (RFC 7386) to ``properties`` and sets the version by `versionRule`.
    /// The patch's own `$version` and `$metadata` members are not properties: they are ignored by the
    /// merge (`$version` feeds ``TwinVersionRule/fromPatch``). `$metadata` is left unchanged.
    public func applying(patch: JSONObject, versionRule: TwinVersionRule = .increment) throws(TwinError) -> TwinProperties {
        var cleaned = patch
        let patchVersion = cleaned.removeValue(forKey: "$version")
        cleaned.removeValue(forKey: "$metadata")
        let newVersion: Int64
        switch versionRule {
        case .increment:
            newVersion = version &+ 1
        case .unchanged:
            newVersion = version
        case .explicit(let value):
            newVersion = value
        case .fromPatch:
            guard let patchVersion else {
                throw TwinError(code: .missingVersion, path: "$version", message: "patch $version is missing")
            }
            guard let value = patchVersion.intValue, value >= 0 else {
                throw TwinError(
                    code: .invalidVersion, path: "$version",
                    message: "patch $version must be a non-negative integer, not \(patchVersion.jsonString)")
            }
            newVersion = value
        }
        let merged = JSONValue.object(properties).merging(patch: .object(cleaned)).objectValue ?? JSONObject()
        return TwinProperties(properties: merged, version: newVersion, metadata: metadata)
    }

    /// Applies a patch in place (see ``applying(patch:versionRule:)``).
    public mutating func apply(patch: JSONObject, versionRule: TwinVersionRule = .increment) throws(TwinError) {
        self = try applying(patch: patch, versionRule: versionRule)
    }
}
