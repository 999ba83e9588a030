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

    /// `Convert_v1_Secret_To_core_Secret`: stringData merges into data (base64), wins over
    /// a data key of the same name, and is never stored.
    @Test func aSecretsStringDataBecomesData() throws {
        let info = try #require(ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: "secrets"))
        var secret: JSONValue = [
            "kind": "Secret", "apiVersion": "v1", "metadata": ["name": "s"],
            "data": ["kept": "a2VwdA==", "both": "b2xk"], "stringData": ["both": "new", "plain": "p4ss"],
        ]
        let request = AdmissionRequest(info: info, operation: .create)
        Admission.convert(&secret, request)
        Admission.applyDefaults(&secret, request)
        #expect(secret["stringData"] == nil)
        #expect(secret["data"]?["kept"]?.stringValue == "a2VwdA==")
        #expect(secret["data"]?["both"]?.stringValue == "bmV3")
        #expect(secret["data"]?["plain"]?.stringValue == "cDRzcw==")
        #expect(secret["type"]?.stringValue == "Opaque")
        #expect(Admission.validate(secret, request).isEmpty)

        var empty: JSONValue = ["kind": "Secret", "apiVersion": "v1", "metadata": ["name": "e"], "stringData": [:]]
        Admission.convert(&empty, request)
        #expect(empty["stringData"] == nil)
        #expect(empty["data"] == nil)
    }
}
