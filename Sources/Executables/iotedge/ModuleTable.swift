import EdgeDaemon
import Foundation

/// The table `list` prints: `NAME STATUS DESCRIPTION Config` (sic), cells separated the way Rust's tabwriter does
/// with a minimum width of 15 and padding of 2 (the last column is not padded).
enum ModuleTable {
    static func render(_ modules: [ManagementClient.Module], now: Date) -> String {
        let rows = [["NAME", "STATUS", "DESCRIPTION", "Config"]]
            + modules.sorted { $0.name < $1.name }.map { [$0.name, $0.status.rawValue, StatusDescription.text(for: $0, now: now), $0.image] }
        return align(rows)
    }

    static func align(_ rows: [[String]], minimumWidth: Int = 15, padding: Int = 2) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() where index < columns - 1 {
                widths[index] = max(widths[index], max(minimumWidth, cell.count + padding))
            }
        }
        var text = ""
        for row in rows {
            for (index, cell) in row.enumerated() {
                if index < row.count - 1 {
                    text += cell + String(repeating: " ", count: widths[index] - cell.count)
                } else {
                    text += cell
                }
            }
            text += "\n"
        }
        return text
    }
}
