import Hummingbird
import KubeModel
import NIOCore

extension APIFront {
    /// AKE's own status document (`ake status`). Outside the Kubernetes paths on purpose:
    /// no Kubernetes client asks for it, and no Kubernetes resource can be named like it.
    public static let statusPath = "/ake/status"

    /// `GET /ake/status`: the node's document (from the `status` closure) with the front's
    /// counters added: open watches, in-flight requests, requests per second over the last
    /// minute, requests since start, uptime. nil when no `status` closure was given (then
    /// the path is handled like any other, i.e. 404).
    func statusResponse(_ request: Request) -> Response? {
        guard let statusDocument else { return nil }
        guard request.method == .get || request.method == .head else {
            return status(.methodNotAllowed(method: request.method.rawValue))
        }
        var document = statusDocument().objectValue ?? JSONObject()
        let uptime = (ContinuousClock.now - started).components.seconds
        document["uptimeSeconds"] = .number(JSONNumber(Int64(uptime)))
        document["watchesOpen"] = .number(JSONNumber(watches.inUse))
        document["inflightRequests"] = .number(JSONNumber(inflight.inUse))
        let perSecond = (metrics.rate.perSecond * 100).rounded() / 100
        document["requestsPerSecond"] = .number(JSONNumber(perSecond))
        document["requestsTotal"] = .number(JSONNumber(metrics.rate.total))
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONValue.object(document).serialized())))
    }
}
