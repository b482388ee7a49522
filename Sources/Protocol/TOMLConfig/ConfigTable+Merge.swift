extension ConfigTable {
    /// Merges `other` into this table with the aziot `config.d` rules: tables merge key by key, recursively;
    /// arrays concatenate (so `[[principal]]` entries from many files accumulate); any other value is
    /// replaced by the later one. Keys new in `other` are appended in its order.
    public mutating func merge(_ other: ConfigTable) {
        for (key, value) in other {
            switch (self[key], value) {
            case (.table(var mine), .table(let theirs)):
                mine.merge(theirs)
                self[key] = .table(mine)
            case (.array(let mine), .array(let theirs)):
                self[key] = .array(mine + theirs)
            default:
                self[key] = value
            }
        }
    }

    /// This table with `other` merged in.
    public func merging(_ other: ConfigTable) -> ConfigTable {
        var result = self
        result.merge(other)
        return result
    }
}
