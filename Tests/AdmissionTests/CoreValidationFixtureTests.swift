import Foundation
import KubeModel
import Testing

@testable import Admission

/// Golden fixtures recorded from k8s.io/kubernetes 1.32's `pkg/apis/core/validation` (see
/// Fixtures/validation-core/README.md): for every case, AKE's validation of the object as
/// the real defaulting left it yields the apiserver's errors, in its order, with its field
/// paths and messages. Object-metadata errors are left out: the Endpoint's metadata
/// validation owns them.
@Suite struct CoreValidationFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/validation-core")

    struct Expected: Sendable, CustomTestStringConvertible {
        var name: String
        var kind: String
        var subresource: String?
        var object: JSONValue
        var old: JSONValue?
        var decodeError: String?
        var errors: [(type: String, field: String, detail: String, error: String)]
        var aggregate: String
        var testDescription: String { name }
    }

    static let fixtures: [Expected] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("results.json")),
            let parsed = try? JSONValue(parsing: [UInt8](data)), let list = parsed.arrayValue
        else { return [] }
        return list.map { r in
            Expected(
                name: r["name"]?.stringValue ?? "", kind: r["kind"]?.stringValue ?? "",
                subresource: r["subresource"]?.stringValue, object: expand(r["object"] ?? .null),
                old: r["old"].map(expand), decodeError: r["decodeError"]?.stringValue,
                errors: (r["errors"]?.arrayValue ?? []).map {
                    (
                        $0["type"]?.stringValue ?? "", $0["field"]?.stringValue ?? "", $0["detail"]?.stringValue ?? "",
                        $0["error"]?.stringValue ?? ""
                    )
                }, aggregate: r["aggregate"]?.stringValue ?? "")
        }
    }()

    /// Long repeated strings are stored as `{"$repeat": [s, n]}`.
    static func expand(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o):
            if o.count == 1, let r = o["$repeat"]?.arrayValue, r.count == 2, let s = r[0].stringValue,
                let n = r[1].int64Value
            {
                return .string(String(repeating: s, count: Int(n)))
            }
            return .object(JSONObject(o.members.map { ($0.key, expand($0.value)) }))
        case .array(let a): return .array(a.map(expand))
        default: return v
        }
    }

    static let resources: [String: String] = [
        "Pod": "pods", "PodTemplate": "podtemplates", "ReplicationController": "replicationcontrollers",
        "Service": "services", "ConfigMap": "configmaps", "Secret": "secrets", "Namespace": "namespaces",
        "Node": "nodes", "Endpoints": "endpoints", "ServiceAccount": "serviceaccounts",
        "PersistentVolumeClaim": "persistentvolumeclaims", "Event": "events", "LimitRange": "limitranges",
        "ResourceQuota": "resourcequotas",
    ]

    /// Metadata fields the generic registry validates (`ValidateObjectMeta(Update)`); the
    /// per-kind annotation checks (`metadata.annotations[<key>]`) and Go's odd
    /// `metadata.taints`/`metadata.conditions` paths stay in the comparison.
    static func ownedByMetadataValidation(_ field: String) -> Bool {
        let owned = [
            "metadata.name", "metadata.namespace", "metadata.generateName", "metadata.labels", "metadata.annotations",
            "metadata.ownerReferences", "metadata.finalizers", "metadata.generation", "metadata.resourceVersion",
            "metadata.uid", "metadata.creationTimestamp", "metadata.deletionGracePeriodSeconds",
            "metadata.managedFields",
        ]
        return owned.contains {
            field == $0 || field.hasPrefix($0 + ".") || (field.hasPrefix($0 + "[") && $0 != "metadata.annotations")
        }
    }

    /// The diff Go appends to "may not change fields" errors comes from `cmp.Diff` over the
    /// internal structs; only its first line is compared.
    static func comparable(_ message: String) -> String {
        if message.contains("pod updates may not change fields other than")
            || message.contains("spec is immutable after creation")
        {
            return String(message.prefix { $0 != "\n" })
        }
        return message
    }

    static var validationCases: [Expected] { fixtures.filter { $0.kind != "Quantity" } }
    static var quantityCases: [Expected] { fixtures.filter { $0.kind == "Quantity" } }

    @Test func fixturesAreLoaded() {
        #expect(Self.validationCases.count > 300)
        #expect(Self.quantityCases.count > 40)
    }

    @Test(arguments: validationCases)
    func akeReportsTheApiserversErrors(_ fixture: Expected) throws {
        let resource = try #require(Self.resources[fixture.kind])
        let info = try #require(ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: resource))
        let request = AdmissionRequest(
            info: info, operation: fixture.old == nil ? .create : .update, subresource: fixture.subresource,
            old: fixture.old)
        let got = Admission.validate(fixture.object, request).filter { !Self.ownedByMetadataValidation($0.field) }
        let want = fixture.errors.filter { !Self.ownedByMetadataValidation($0.field) }
        let gotLines = got.map { "\($0.kind.rawValue) \($0.field): \(Self.comparable($0.description))" }
        let wantLines = want.map { "\($0.type) \($0.field): \(Self.comparable($0.error))" }
        #expect(gotLines == wantLines)
    }

    @Test(arguments: quantityCases)
    func quantitiesParseAndPrintLikeApimachinery(_ fixture: Expected) {
        let text = fixture.object.stringValue ?? ""
        do throws(Quantity.ParseError) {
            let q = try Quantity(parsing: text)
            #expect(fixture.decodeError == nil)
            // Go's MilliValue overflows int64 beyond 9.2e15; AKE keeps the exact value there.
            let milli =
                abs(q.milliValue) > Int128(Int64.max) ? fixture.aggregate.split(separator: " ")[1] : "\(q.milliValue)"
            #expect("\(q.description) \(milli) \(q.value)" == fixture.aggregate)
        } catch {
            #expect(error.description == fixture.decodeError)
        }
    }
}
