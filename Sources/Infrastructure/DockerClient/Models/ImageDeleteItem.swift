/// One line of `DELETE /images/{name}`'s answer.
public struct ImageDeleteItem: Sendable, Hashable {
    /// A reference that was removed (`name:tag` or `name@digest`).
    public var untagged: String?
    /// An image or layer id that was deleted.
    public var deleted: String?

    public init(untagged: String?, deleted: String?) {
        self.untagged = untagged
        self.deleted = deleted
    }
}
