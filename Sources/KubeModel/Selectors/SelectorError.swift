/// A label or field selector that does not parse or names a field the resource
/// cannot be selected by. `message` is worded like the apiserver's (the API layer
/// answers it as 400 BadRequest).
public struct SelectorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message the API answers with.
    public var message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
