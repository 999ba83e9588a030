import KubeModel
import Testing

@Suite("Status errors")
struct StatusErrorTests {
    @Test(
        "render exactly the apiserver's Status JSON",
        arguments: [
            (
                StatusError.notFound(("", "configmaps"), name: "x"),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"configmaps"},"code":404}"#
            ),
            (
                StatusError.notFound(("apps", "deployments"), name: "web"),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"web\" not found","reason":"NotFound","details":{"name":"web","group":"apps","kind":"deployments"},"code":404}"#
            ),
            (
                StatusError.alreadyExists(("", "configmaps"), name: "x"),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"x\" already exists","reason":"AlreadyExists","details":{"name":"x","kind":"configmaps"},"code":409}"#
            ),
            (
                StatusError.conflict(("", "configmaps"), name: "x"),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on configmaps \"x\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"x","kind":"configmaps"},"code":409}"#
            ),
            (
                StatusError.invalid(
                    kind: "ConfigMap", name: "X",
                    causes: [.invalid("metadata.name", "X", "must be lowercase")]),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"ConfigMap \"X\" is invalid: metadata.name: Invalid value: \"X\": must be lowercase","reason":"Invalid","details":{"name":"X","kind":"ConfigMap","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"X\": must be lowercase","field":"metadata.name"}]},"code":422}"#
            ),
            (
                StatusError.invalid(
                    kind: "Deployment", group: "apps", name: "d",
                    causes: [.required("spec.selector"), .invalid("metadata.name", "D", "bad")]),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Deployment.apps \"d\" is invalid: [spec.selector: Required value, metadata.name: Invalid value: \"D\": bad]","reason":"Invalid","details":{"name":"d","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.selector"},{"reason":"FieldValueInvalid","message":"Invalid value: \"D\": bad","field":"metadata.name"}]},"code":422}"#
            ),
            (
                StatusError.badRequest("Name parameter required."),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Name parameter required.","reason":"BadRequest","code":400}"#
            ),
            (
                StatusError.unsupportedMediaType(["application/json", "application/yaml"]),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml","reason":"UnsupportedMediaType","code":415}"#
            ),
            (
                StatusError.tooOldResourceVersion(requested: 5, oldest: 100),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (100)","reason":"Expired","code":410}"#
            ),
            (
                StatusError.tooLargeResourceVersion(current: 100, requested: 200, retryAfter: 1),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Timeout: Too large resource version: 200, current: 100","reason":"Timeout","details":{"causes":[{"reason":"ResourceVersionTooLarge","message":"Too large resource version"}],"retryAfterSeconds":1},"code":504}"#
            ),
            (
                StatusError.serviceUnavailable("the upstream is unreachable", retryAfter: 5),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the upstream is unreachable","reason":"ServiceUnavailable","details":{"retryAfterSeconds":5},"code":503}"#
            ),
            (
                StatusError.forbidden(("", "pods"), name: "p", reason: "User \"bob\" cannot get resource \"pods\""),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"p\" is forbidden: User \"bob\" cannot get resource \"pods\"","reason":"Forbidden","details":{"name":"p","kind":"pods"},"code":403}"#
            ),
            (
                StatusError.unauthorized(),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"not authorized","reason":"Unauthorized","code":401}"#
            ),
            (
                StatusError.tooManyRequests(retryAfter: 1),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}"#
            ),
            (
                StatusError.requestEntityTooLarge("limit is 3145728"),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","code":413}"#
            ),
            (
                StatusError.methodNotAllowed(("", "bindings"), action: "list"),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"list is not supported on resources of kind \"bindings\"","reason":"MethodNotAllowed","details":{"kind":"bindings"},"code":405}"#
            ),
            (
                StatusError.internalError("boom"),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: boom","reason":"InternalError","details":{"causes":[{"message":"boom"}]},"code":500}"#
            ),
            (
                StatusError.success(name: "x", kind: "configmaps", uid: "6f1c"),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"x","kind":"configmaps","uid":"6f1c"}}"#
            ),
        ])
    func renders(error: StatusError, json: String) {
        #expect(error.statusObject().jsonString == json)
    }

    @Test("codes and reasons are the ones client-go classifies by")
    func codes() {
        #expect(StatusError.expired("x").code == 410)
        #expect(StatusError.gone("x").reason == "Gone")
        #expect(StatusError.timeout("x", retryAfter: 2).retryAfterSeconds == 2)
        #expect(StatusError.notAcceptable(["application/json"]).code == 406)
        #expect(StatusError.generateNameConflict(("", "pods"), name: "web-abcde").reason == "AlreadyExists")
        #expect(StatusError.serverTimeout(("", "pods"), operation: "create", retryAfter: 2).code == 500)
        #expect(StatusError.notFound(("", "pods"), name: "p").retryAfterSeconds == nil)
    }

    @Test("a Status object parses back into the same error")
    func roundTrip() throws {
        let errors: [StatusError] = [
            .notFound(("apps", "deployments"), name: "web"),
            .invalid(kind: "Pod", name: "p", causes: [.required("spec.containers")]),
            .tooLargeResourceVersion(current: 1, requested: 2),
            .success(name: "x", kind: "configmaps"),
            .badRequest("nope"),
        ]
        for e in errors {
            let text = e.statusObject().jsonString
            let parsed = try #require(StatusError(statusObject: try JSONValue(parsing: text)))
            #expect(parsed == e)
        }
        #expect(StatusError(statusObject: ["kind": "Pod"]) == nil)
    }

    @Test("invalid errors built from StatusCauses get the same message as from FieldErrors")
    func causesOverload() {
        let fieldErrors: [FieldError] = [.invalid("metadata.name", "X", "bad"), .required("spec.x")]
        let a = StatusError.invalid(kind: "ConfigMap", name: "X", causes: fieldErrors)
        let b = StatusError.invalid(kind: "ConfigMap", name: "X", causes: fieldErrors.map(\.cause))
        #expect(a == b)
    }

    @Test(
        "classify errors as apimachinery's IsNotFound/IsConflict/… do: the reason decides, the code only without a known reason"
    )
    func predicates() {
        let notFound = StatusError.notFound(("", "pods"), name: "p")
        #expect(notFound.isNotFound && !notFound.isConflict && !notFound.requiresRelist)
        let exists = StatusError.alreadyExists(("", "pods"), name: "p")
        #expect(exists.isAlreadyExists && !exists.isConflict)
        #expect(StatusError.conflict(("", "pods"), name: "p", message: "stale").isConflict)
        #expect(StatusError.tooOldResourceVersion(requested: 1, oldest: 5).isResourceExpired)
        #expect(StatusError.tooOldResourceVersion(requested: 1, oldest: 5).requiresRelist)
        #expect(StatusError.gone("gone").isGone)
        // A bare 404 from a proxy (no Status body) is NotFound; a 404 with another known reason is not.
        #expect(StatusError(code: 404, reason: "", message: "HTTP 404").isNotFound)
        #expect(!StatusError(code: 404, reason: "Forbidden", message: "").isNotFound)
        // AlreadyExists and Expired need their reason (apimachinery has no code fallback for them).
        #expect(!StatusError(code: 409, reason: "", message: "").isAlreadyExists)
        #expect(StatusError(code: 409, reason: "", message: "").isConflict)
        #expect(StatusError(code: 410, reason: "", message: "").requiresRelist)
    }
}
