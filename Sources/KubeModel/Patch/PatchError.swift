/// Why a patch could not be applied.
///
/// Each case says which HTTP answer kube-apiserver gives for it, so the API layer can
/// turn a `PatchError` into the same `Status` a client would get from a real server
/// (`staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go`):
///
/// | case | code | reason | apiserver source |
/// |---|---|---|---|
/// | `invalid` | 400 | `BadRequest` | patch body not decodable (JSON patch not an array, strategic patch not an object), malformed `$setElementOrder`/`$deleteFromPrimitiveList`/`$retainKeys` directives (`errors.NewBadRequest`) |
/// | `testFailed` | 422 | `Invalid` | a JSON Patch `test` op failed (`NewGenericServerResponse(422, …)`) |
/// | `unprocessable` | 422 | `Invalid` | a JSON Patch op that cannot apply (missing path, bad index, unknown op), a strategic list of lists |
/// | `tooLarge` | 413 | `RequestEntityTooLarge` | more than 10,000 JSON Patch operations |
/// | `unsupported` | 415 | `UnsupportedMediaType` | strategic merge patch on a kind without a schema (custom resources) |
/// | `mergeFailed` | 500 | *(empty: `StatusReasonUnknown`)* | strategic merge errors apimachinery returns untyped (missing merge key, unknown `$patch` value, mixed list element types); the apiserver really answers 500 for these |
///
/// For the two 422 cases the apiserver does not echo the detail: its `Status.message` is
/// the fixed text in ``statusMessage`` ("the server rejected our request due to an error
/// in our request"), which kubectl prints as
/// `The request is invalid: the server rejected our request due to an error in our request`.
/// The detail (``message``) is still worth logging.
public enum PatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The patch document itself is malformed. → 400 BadRequest.
    case invalid(String)
    /// A JSON Patch `test` operation did not match. → 422 Invalid.
    case testFailed(String)
    /// The patch type is not supported for this resource. → 415 UnsupportedMediaType.
    case unsupported(String)
    /// A well-formed patch that cannot be applied to this document. → 422 Invalid.
    case unprocessable(String)
    /// Too many operations in one JSON Patch. → 413 RequestEntityTooLarge.
    case tooLarge(String)
    /// A strategic merge the apiserver rejects with an untyped error. → 500, empty reason.
    case mergeFailed(String)

    /// The detailed message (evanphx/json-patch and apimachinery wording).
    public var message: String {
        switch self {
        case .invalid(let m), .testFailed(let m), .unsupported(let m), .unprocessable(let m), .tooLarge(let m),
            .mergeFailed(let m):
            return m
        }
    }

    public var description: String { message }

    /// The HTTP status code kube-apiserver answers with.
    public var statusCode: Int {
        switch self {
        case .invalid: return 400
        case .testFailed, .unprocessable: return 422
        case .unsupported: return 415
        case .tooLarge: return 413
        case .mergeFailed: return 500
        }
    }

    /// The `Status.reason` kube-apiserver sends (empty for its untyped 500s).
    public var reason: String {
        switch self {
        case .invalid: return "BadRequest"
        case .testFailed, .unprocessable: return "Invalid"
        case .unsupported: return "UnsupportedMediaType"
        case .tooLarge: return "RequestEntityTooLarge"
        case .mergeFailed: return ""
        }
    }

    /// The `Status.message` kube-apiserver sends for this error.
    public var statusMessage: String {
        switch self {
        case .testFailed, .unprocessable:
            return "the server rejected our request due to an error in our request"
        case .tooLarge(let m):
            return "Request entity too large: \(m)"
        case .invalid(let m), .unsupported(let m), .mergeFailed(let m):
            return m
        }
    }
}

extension PatchError {
    /// The `Status` kube-apiserver answers with for this error, ready for the API layer
    /// (`statusObject()` renders the exact JSON).
    public var statusError: StatusError {
        switch self {
        case .invalid(let m):
            return .badRequest(m)
        case .testFailed, .unprocessable:
            // NewGenericServerResponse(422, …): a fixed message and an empty (but present) details.
            return StatusError(code: 422, reason: "Invalid", message: statusMessage, details: StatusDetails())
        case .tooLarge(let m):
            return .requestEntityTooLarge(m)
        case .unsupported(let m):
            return StatusError(code: 415, reason: "UnsupportedMediaType", message: m)
        case .mergeFailed(let m):
            // A plain Go error: ErrorToAPIStatus makes it 500 with no reason and no details.
            return StatusError(code: 500, reason: "", message: m)
        }
    }
}
