/// Validates a reported-properties patch against IoT Hub's limits (§2.4), as edgeHub does before
/// accepting `$iothub/twin/PATCH/properties/reported/`:
/// - the patch is a JSON object whose compact JSON is at most 32 KiB;
/// - nesting depth at most 10 (the patch's own members are depth 1; each object or array level adds 1);
/// - property names at most 1024 UTF-8 bytes, without control characters, `.`, `$`, `#` or whitespace;
/// - string values at most 4096 UTF-8 bytes;
/// - integers within [-2^52, 2^52-1] (an integer literal beyond `Int64` is read as a double and is
///   treated as a float, which has no range limit);
/// - no `null` in arrays, nor as a member of an object inside an array (a `null` member elsewhere is a
///   deletion and is allowed).
///
/// `$`-names: IoT Hub owns `$version` and `$metadata`, and a client may not send them in a patch, so by
/// default every name containing `$` is rejected (edgeHub's behaviour). Set
/// ``allowsServiceMetadata`` to skip the top-level `$version` and `$metadata` members, e.g. to check
/// a stored reported section.
public struct ReportedPropertiesValidator: Sendable, Hashable {
    /// Maximum compact JSON size in bytes (32 KiB).
    public var maxDocumentSize = 32 * 1024
    /// Maximum nesting depth (10).
    public var maxDepth = 10
    /// Maximum property name length in UTF-8 bytes (1024).
    public var maxPropertyNameLength = 1024
    /// Maximum string value length in UTF-8 bytes (4096).
    public var maxValueLength = 4096
    /// Smallest allowed integer (-2^52).
    public var minSafeInteger: Int64 = -(1 << 52)
    /// Largest allowed integer (2^52 - 1).
    public var maxSafeInteger: Int64 = (1 << 52) - 1
    /// Whether the top-level `$version` and `$metadata` members are skipped instead of rejected.
    public var allowsServiceMetadata = false

    /// Creates a validator with IoT Hub's limits.
    public init(allowsServiceMetadata: Bool = false) {
        self.allowsServiceMetadata = allowsServiceMetadata
    }

    /// Validates a parsed patch.
    public func validate(_ patch: JSONValue) throws(TwinValidationError) {
        guard case .object(let root) = patch else {
            throw TwinValidationError(code: .notAnObject, path: "", message: "reported properties must be a JSON object")
        }
        let size = patch.jsonBytes.count
        if size > maxDocumentSize {
            throw TwinValidationError(
                code: .documentTooLarge, path: "",
                message: "reported properties are \(size) bytes, more than the maximum \(maxDocumentSize)")
        }
        for (key, value) in root {
            if allowsServiceMetadata && (key == "$version" || key == "$metadata") { continue }
            try validateMember(name: key, value: value, path: key, depth: 1, inArray: false)
        }
    }

    /// Parses UTF-8 JSON and validates it, returning the patch object.
    public func validate(json bytes: some Sequence<UInt8>) throws(TwinValidationError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw TwinValidationError(code: .invalidJSON, path: "", message: "reported properties are not valid JSON: \(error.message)")
        }
        try validate(value)
        return value.objectValue ?? JSONObject()
    }

    private func validateMember(
        name: String, value: JSONValue, path: String, depth: Int, inArray: Bool
    ) throws(TwinValidationError) {
        try validateName(name, path: path)
        try validateValue(value, path: path, depth: depth, inArray: inArray)
    }

    private func validateValue(_ value: JSONValue, path: String, depth: Int, inArray: Bool) throws(TwinValidationError) {
        switch value {
        case .object(let object):
            try checkDepth(depth, path: path)
            for (key, member) in object {
                try validateMember(name: key, value: member, path: "\(path).\(key)", depth: depth + 1, inArray: inArray)
            }
        case .array(let elements):
            try checkDepth(depth, path: path)
            try validateArray(elements, path: path, depth: depth + 1)
        case .null:
            if inArray {
                throw TwinValidationError(
                    code: .nullInArray, path: path,
                    message: "property \(path) of an object in an array cannot be null")
            }
        case .int(let number):
            if number < minSafeInteger || number > maxSafeInteger {
                throw TwinValidationError(
                    code: .integerOutOfRange, path: path,
                    message: "property \(path) has the out-of-range value \(number); valid integers are between \(minSafeInteger) and \(maxSafeInteger)")
            }
        case .string(let string):
            let length = string.utf8.count
            if length > maxValueLength {
                throw TwinValidationError(
                    code: .valueTooLong, path: path,
                    message: "value of property \(path) is \(length) bytes, more than the maximum \(maxValueLength)")
            }
        case .bool, .double:
            break
        }
    }

    private func validateArray(_ elements: [JSONValue], path: String, depth: Int) throws(TwinValidationError) {
        for (index, element) in elements.enumerated() {
            let elementPath = "\(path)[\(index)]"
            switch element {
            case .null:
                throw TwinValidationError(
                    code: .nullInArray, path: elementPath, message: "array \(path) cannot contain null (at \(elementPath))")
            case .array(let inner):
                try checkDepth(depth, path: elementPath)
                try validateArray(inner, path: elementPath, depth: depth + 1)
            default:
                try validateValue(element, path: elementPath, depth: depth, inArray: true)
            }
        }
    }

    private func checkDepth(_ depth: Int, path: String) throws(TwinValidationError) {
        if depth > maxDepth {
            throw TwinValidationError(
                code: .tooDeep, path: path, message: "nesting depth at \(path) exceeds the maximum \(maxDepth)")
        }
    }

    private func validateName(_ name: String, path: String) throws(TwinValidationError) {
        let length = name.utf8.count
        if length > maxPropertyNameLength {
            throw TwinValidationError(
                code: .propertyNameTooLong, path: path,
                message: "property name \"\(name.prefix(10))…\" is \(length) bytes, more than the maximum \(maxPropertyNameLength)")
        }
        for scalar in name.unicodeScalars {
            let invalid =
                scalar == "." || scalar == "$" || scalar == "#"
                || scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
            if invalid {
                let code = "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
                throw TwinValidationError(
                    code: .invalidPropertyName, path: path,
                    message: "property name \"\(name)\" at \(path) contains the invalid character \(code)")
            }
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
