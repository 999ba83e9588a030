import KubeModel
import Testing

@testable import Admission

@Suite struct AdmissionSmokeTests {
    @Test func aConfigMapIsAdmittedUnchanged() throws {
        let info = try #require(ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: "configmaps"))
        var cm: JSONValue = ["kind": "ConfigMap", "apiVersion": "v1", "metadata": ["name": "x"], "data": ["a": "b"]]
        let before = cm
        let request = AdmissionRequest(info: info, operation: .create)
        Admission.applyDefaults(&cm, request)
        #expect(cm == before)
        #expect(Admission.validate(cm, request).isEmpty)
    }
}
