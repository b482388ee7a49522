/// Comparison helpers whose running time does not depend on where inputs differ.
enum ConstantTime {
    /// Compares two byte arrays in time that depends only on their lengths.
    static func equals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
