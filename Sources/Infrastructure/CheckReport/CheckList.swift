public import IoTHubProtocol

/// One section of `check-list`: its name and its checks' ids and descriptions, in the order `check` runs them.
public struct CheckListSection: Sendable, Equatable {
    public var name: String
    public var checks: [(id: String, description: String)]

    public init(name: String, checks: [(id: String, description: String)]) {
        self.name = name
        self.checks = checks
    }

    public static func == (lhs: CheckListSection, rhs: CheckListSection) -> Bool {
        lhs.name == rhs.name && lhs.checks.elementsEqual(rhs.checks) { $0.id == $1.id && $0.description == $1.description }
    }
}

/// `check-list`'s two forms, shared by `aziotctl check-list` and `iotedge check-list`.
public enum CheckList {
    /// The table: `CATEGORY  ID  DESCRIPTION` columns padded to the longest entry, a blank line after the header and
    /// after each section.
    public static func text(_ sections: [CheckListSection]) -> String {
        let sectionWidth = (sections.map(\.name.count).max() ?? 0) + 1
        let idWidth = (sections.flatMap { $0.checks.map(\.id.count) }.max() ?? 0) + 1
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        var lines = [pad("CATEGORY", sectionWidth) + pad("ID", idWidth) + "DESCRIPTION", ""]
        for section in sections {
            for check in section.checks { lines.append(pad(section.name, sectionWidth) + pad(check.id, idWidth) + check.description) }
            lines.append("")
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// The reference's `{section: [{id, description}]}`, sections in name order.
    public static func json(_ sections: [CheckListSection]) -> JSONValue {
        let sorted = sections.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return .object(JSONObject(sorted.map { section in
            (section.name, JSONValue.array(section.checks.map { .object(["id": .string($0.id), "description": .string($0.description)]) }))
        }))
    }
}
