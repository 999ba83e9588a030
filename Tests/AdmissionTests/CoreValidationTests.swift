import KubeModel
import Testing

@testable import Admission

/// The core/v1 rules as specifications; the golden fixtures check the wording at scale.
@Suite struct CoreValidationTests {
    static func info(_ resource: String) throws -> ResourceInfo {
        try #require(ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: resource))
    }

    static func pod(_ containers: JSONValue) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "namespace": "default"],
            "spec": [
                "containers": containers, "restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
                "terminationGracePeriodSeconds": 30,
            ],
        ]
    }

    static func container(_ extra: [String: JSONValue] = [:]) -> JSONValue {
        var c: JSONValue = [
            "name": "c", "image": "nginx", "imagePullPolicy": "IfNotPresent", "terminationMessagePolicy": "File",
        ]
        for (k, v) in extra { c[k] = v }
        return c
    }

    @Test func aPodWithoutContainersIsRefused() throws {
        let errs = Admission.validate(Self.pod([]), AdmissionRequest(info: try Self.info("pods"), operation: .create))
        #expect(errs.map(\.description) == ["spec.containers: Required value"])
        #expect(errs.first?.cause.reason == "FieldValueRequired")
    }

    @Test func aContainerNeedsAnImageAndAPortInRange() throws {
        var c = Self.container(["ports": [["containerPort": 70000, "protocol": "TCP"]]])
        c["image"] = nil
        let errs = Admission.validate(Self.pod([c]), AdmissionRequest(info: try Self.info("pods"), operation: .create))
        #expect(
            errs.aggregateMessage
                == "[spec.containers[0].image: Required value, spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive]"
        )
    }

    @Test func aValidPodPasses() throws {
        let errs = Admission.validate(
            Self.pod([Self.container()]), AdmissionRequest(info: try Self.info("pods"), operation: .create))
        #expect(errs.isEmpty)
    }

    @Test func onlyTheImageOfARunningPodMayChange() throws {
        let old = Self.pod([Self.container()])
        var newImage = old
        newImage["spec"]?["containers"] = [Self.container(["image": "nginx:2"])]
        let request = AdmissionRequest(info: try Self.info("pods"), operation: .update, old: old)
        #expect(Admission.validate(newImage, request).isEmpty)

        var newEnv = old
        newEnv["spec"]?["containers"] = [Self.container(["env": [["name": "A", "value": "1"]]])]
        let errs = Admission.validate(newEnv, request)
        #expect(errs.count == 1)
        #expect(errs.first?.field == "spec")
        #expect(
            errs.first?.detail.hasPrefix("pod updates may not change fields other than `spec.containers[*].image`")
                == true)
    }

    @Test func aServicesClusterIPIsImmutable() throws {
        let old: JSONValue = [
            "metadata": ["name": "s", "namespace": "default"],
            "spec": [
                "type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
                "clusterIP": "10.0.0.1", "clusterIPs": ["10.0.0.1"], "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "ports": [["port": 80, "protocol": "TCP", "targetPort": 80]],
            ],
        ]
        var new = old
        new["spec"]?["clusterIP"] = "10.0.0.2"
        new["spec"]?["clusterIPs"] = ["10.0.0.2"]
        let errs = Admission.validate(
            new, AdmissionRequest(info: try Self.info("services"), operation: .update, old: old))
        #expect(
            errs.map(\.description) == [
                #"spec.clusterIPs[0]: Invalid value: []string{"10.0.0.2"}: may not change once set"#
            ])
    }

    @Test func aTemplateIsValidatedUnderItsPath() {
        let template: JSONValue = ["metadata": ["labels": ["app": "web"]], "spec": ["containers": []]]
        let errs = PodValidation.validatePodTemplateSpec(template, path: "spec.template")
        #expect(errs.map(\.field).contains("spec.template.spec.containers"))
        #expect(errs.map(\.field).contains("spec.template.spec.terminationGracePeriodSeconds"))
    }

    @Test func quantitiesCompareByValue() throws {
        let a = try Quantity(parsing: "1000m")
        let b = try Quantity(parsing: "1")
        #expect(a.compare(b) == 0)
        #expect(a.description == "1")
        #expect(try Quantity(parsing: "1.5Gi").description == "1536Mi")
        #expect(throws: Quantity.ParseError.formatWrong) { try Quantity(parsing: "1.2.3") }
    }
}
