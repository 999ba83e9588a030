import KubeModel
import Testing

@Suite("Built-in resource catalog")
struct CatalogTests {
    let catalog = ResourceCatalog.builtIn()

    @Test("serves the resources an edge node's clients use, with discovery's names")
    func builtIns() throws {
        let expected: [(String, String, String, [String], Bool)] = [
            ("", "pods", "Pod", ["po"], true),
            ("", "services", "Service", ["svc"], true),
            ("", "endpoints", "Endpoints", ["ep"], true),
            ("", "configmaps", "ConfigMap", ["cm"], true),
            ("", "secrets", "Secret", [], true),
            ("", "nodes", "Node", ["no"], false),
            ("", "namespaces", "Namespace", ["ns"], false),
            ("", "events", "Event", ["ev"], true),
            ("", "serviceaccounts", "ServiceAccount", ["sa"], true),
            ("", "persistentvolumes", "PersistentVolume", ["pv"], false),
            ("", "persistentvolumeclaims", "PersistentVolumeClaim", ["pvc"], true),
            ("", "replicationcontrollers", "ReplicationController", ["rc"], true),
            ("", "limitranges", "LimitRange", ["limits"], true),
            ("", "resourcequotas", "ResourceQuota", ["quota"], true),
            ("", "podtemplates", "PodTemplate", [], true),
            ("apps", "deployments", "Deployment", ["deploy"], true),
            ("apps", "replicasets", "ReplicaSet", ["rs"], true),
            ("apps", "daemonsets", "DaemonSet", ["ds"], true),
            ("apps", "statefulsets", "StatefulSet", ["sts"], true),
            ("apps", "controllerrevisions", "ControllerRevision", [], true),
            ("batch", "jobs", "Job", [], true),
            ("batch", "cronjobs", "CronJob", ["cj"], true),
            ("coordination.k8s.io", "leases", "Lease", [], true),
            ("discovery.k8s.io", "endpointslices", "EndpointSlice", [], true),
            ("networking.k8s.io", "ingresses", "Ingress", ["ing"], true),
            ("networking.k8s.io", "ingressclasses", "IngressClass", [], false),
            ("networking.k8s.io", "networkpolicies", "NetworkPolicy", ["netpol"], true),
            ("rbac.authorization.k8s.io", "roles", "Role", [], true),
            ("rbac.authorization.k8s.io", "rolebindings", "RoleBinding", [], true),
            ("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", [], false),
            ("rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", [], false),
            ("storage.k8s.io", "storageclasses", "StorageClass", ["sc"], false),
            ("storage.k8s.io", "csidrivers", "CSIDriver", [], false),
            ("storage.k8s.io", "csinodes", "CSINode", [], false),
            ("storage.k8s.io", "volumeattachments", "VolumeAttachment", [], false),
            ("node.k8s.io", "runtimeclasses", "RuntimeClass", [], false),
            ("policy", "poddisruptionbudgets", "PodDisruptionBudget", ["pdb"], true),
            ("scheduling.k8s.io", "priorityclasses", "PriorityClass", ["pc"], false),
            ("certificates.k8s.io", "certificatesigningrequests", "CertificateSigningRequest", ["csr"], false),
            ("events.k8s.io", "events", "Event", ["ev"], true),
            ("apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition", ["crd", "crds"], false),
        ]
        for (group, resource, kind, shortNames, namespaced) in expected {
            let info = try #require(catalog.resource(group: group, version: "v1", resource: resource), "\(resource)")
            #expect(info.kind == kind)
            #expect(info.listKind == kind + "List")
            #expect(info.singular == kind.lowercased())
            #expect(info.shortNames == shortNames, "\(resource)")
            #expect(info.namespaced == namespaced, "\(resource)")
            #expect(!info.isCustom)
            #expect(info.verbs.contains("watch") && info.verbs.contains("get"))
            #expect(catalog.resource(forKind: kind, apiVersion: info.apiVersion)?.gvr == info.gvr)
        }
        #expect(catalog.all().count == expected.count)
    }

    @Test("verbs, subresources and categories are the real apiserver's")
    func details() throws {
        let ns = try #require(catalog.resource(group: "", version: "v1", resource: "namespaces"))
        #expect(!ns.verbs.contains("deletecollection"))
        let deploy = try #require(catalog.resource(group: "apps", version: "v1", resource: "deployments"))
        #expect(deploy.subresources == ["status", "scale"])
        #expect(deploy.categories == ["all"])
        let cm = try #require(catalog.resource(group: "", version: "v1", resource: "configmaps"))
        #expect(cm.subresources.isEmpty)
        #expect(cm.verbs == ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"])
        let allCategory = catalog.all().filter { $0.categories.contains("all") }.map(\.gvr.resource).sorted()
        #expect(
            allCategory == [
                "cronjobs", "daemonsets", "deployments", "jobs", "pods", "replicasets", "replicationcontrollers",
                "services", "statefulsets",
            ])
    }

    @Test("short names are unique within each group version")
    func shortNamesUnique() {
        var seen: [String: String] = [:]
        for r in catalog.all() {
            for s in r.shortNames {
                let key = r.gvr.groupVersion + "/" + s
                #expect(seen[key] == nil, "\(s) used twice")
                seen[key] = r.gvr.resource
            }
        }
    }

    @Test("groups are listed for discovery: core first, then the apiserver's group order")
    func groups() {
        let groups = catalog.groups()
        #expect(groups.first?.group == "")
        #expect(groups.map(\.group).prefix(3) == ["", "apps", "events.k8s.io"])
        #expect(groups.allSatisfy { $0.versions == ["v1"] && $0.preferred == "v1" })
        #expect(Set(groups.map(\.group)).count == groups.count)
    }

    @Test("resolve accepts plural, singular, short names and kind with optional group")
    func resolve() {
        #expect(catalog.resolve("po").map(\.gvr.resource) == ["pods"])
        #expect(catalog.resolve("deploy").map(\.gvr.resource) == ["deployments"])
        #expect(catalog.resolve("deployments.apps").map(\.gvr.resource) == ["deployments"])
        #expect(catalog.resolve("deployment.v1.apps").map(\.gvr.group) == ["apps"])
        #expect(Set(catalog.resolve("events").map(\.gvr.group)) == ["", "events.k8s.io"])
        #expect(catalog.resolve("nothing").isEmpty)
    }

    @Test("pod field values: hostNetwork defaults to false, podIP falls back to podIPs")
    func podFields() throws {
        let pods = try #require(catalog.resource(group: "", version: "v1", resource: "pods"))
        let pod: JSONValue = [
            "metadata": ["name": "p", "namespace": "default"],
            "spec": ["nodeName": "n1", "restartPolicy": "Always", "schedulerName": "default-scheduler"],
            "status": ["phase": "Running", "podIPs": [["ip": "10.0.0.7"]]],
        ]
        let f = pods.fieldValues(of: pod)
        #expect(f["metadata.name"] == "p")
        #expect(f["metadata.namespace"] == "default")
        #expect(f["spec.nodeName"] == "n1")
        #expect(f["spec.hostNetwork"] == "false")
        #expect(f["status.podIP"] == "10.0.0.7")
        #expect(f["status.phase"] == "Running")
        #expect(f["spec.serviceAccountName"] == "")
        #expect(f["status.nominatedNodeName"] == "")
        #expect(f.count == 2 + pods.selectableFields.count)
        var hostPod = pod
        hostPod["spec"]?["hostNetwork"] = true
        #expect(pods.fieldValues(of: hostPod)["spec.hostNetwork"] == "true")
        #expect(try FieldSelector(parsing: "spec.nodeName=n1,status.phase!=Failed").matches(f))
    }

    @Test("event source falls back to reportingComponent; cluster-scoped objects have an empty namespace")
    func otherFields() throws {
        let events = try #require(catalog.resource(group: "", version: "v1", resource: "events"))
        let ev: JSONValue = [
            "metadata": ["name": "e", "namespace": "default"], "involvedObject": ["kind": "Pod", "name": "p"],
            "reason": "Started", "reportingComponent": "kubelet", "type": "Normal",
        ]
        let f = events.fieldValues(of: ev)
        #expect(f["source"] == "kubelet")
        #expect(f["involvedObject.kind"] == "Pod")
        #expect(f["involvedObject.uid"] == "")
        let newEvents = try #require(catalog.resource(group: "events.k8s.io", version: "v1", resource: "events"))
        let nev: JSONValue = [
            "metadata": ["name": "e", "namespace": "default"], "regarding": ["kind": "Node", "name": "n1"],
            "reportingController": "kubelet",
        ]
        #expect(newEvents.fieldValues(of: nev)["source"] == "kubelet")
        #expect(newEvents.fieldValues(of: nev)["regarding.kind"] == "Node")
        let nodes = try #require(catalog.resource(group: "", version: "v1", resource: "nodes"))
        let nf = nodes.fieldValues(of: ["metadata": ["name": "n1", "namespace": "ignored"]])
        #expect(nf == ["metadata.name": "n1", "metadata.namespace": "", "spec.unschedulable": "false"])
        let jobs = try #require(catalog.resource(group: "batch", version: "v1", resource: "jobs"))
        #expect(jobs.fieldValues(of: ["status": ["successful": 3]])["status.successful"] == "3")
    }
}

private func widgetCRD(
    name: String = "widgets.example.com", group: String = "example.com", scope: String = "Namespaced",
    betaServed: Bool = true
) throws -> JSONValue {
    try JSONValue(
        parsing: """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
             "metadata":{"name":"\(name)"},
             "spec":{"group":"\(group)","scope":"\(scope)",
               "names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"],"categories":["all"]},
               "versions":[
                 {"name":"v1beta1","served":\(betaServed),"storage":false,
                  "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}},
                 {"name":"v1","served":true,"storage":true,
                  "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{
                     "color":{"type":"string"},"size":{"type":"integer"},"tags":{"type":"array"}}}}}},
                  "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas"}},
                  "selectableFields":[{"jsonPath":".spec.color"},{"jsonPath":".spec.size"}],
                  "additionalPrinterColumns":[{"name":"Color","type":"string","jsonPath":".spec.color"},
                                              {"name":"Size","type":"integer","jsonPath":".spec.size","priority":1}]}
               ]}}
            """)
}

@Suite("CustomResourceDefinitions in the catalog")
struct CRDCatalogTests {
    @Test("registering a CRD adds one resource per served version")
    func register() throws {
        let catalog = ResourceCatalog.builtIn()
        let infos = try catalog.register(crd: widgetCRD())
        #expect(infos.map(\.gvr.version) == ["v1beta1", "v1"])
        let v1 = try #require(catalog.resource(group: "example.com", version: "v1", resource: "widgets"))
        #expect(v1.isCustom)
        #expect(v1.kind == "Widget" && v1.listKind == "WidgetList" && v1.singular == "widget")
        #expect(v1.shortNames == ["wd"] && v1.categories == ["all"] && v1.namespaced)
        #expect(v1.subresources == ["status", "scale"])
        #expect(v1.selectableFields == ["spec.color", "spec.size"])
        #expect(v1.printerColumns.map(\.name) == ["Color", "Size"])
        #expect(v1.printerColumns.last?.priority == 1)
        #expect(v1.crdName == "widgets.example.com" && v1.storageVersion == "v1")
        let beta = try #require(catalog.resource(group: "example.com", version: "v1beta1", resource: "widgets"))
        #expect(beta.subresources.isEmpty && beta.selectableFields.isEmpty)
        #expect(catalog.resource(forKind: "Widget", apiVersion: "example.com/v1")?.gvr == v1.gvr)

        let group = try #require(catalog.groups().first { $0.group == "example.com" })
        #expect(group.versions == ["v1", "v1beta1"] && group.preferred == "v1")
        #expect(catalog.groups().last?.group == "example.com")

        let widget: JSONValue = ["metadata": ["name": "w", "namespace": "ns"], "spec": ["color": "red", "size": 3]]
        #expect(
            v1.fieldValues(of: widget) == [
                "metadata.name": "w", "metadata.namespace": "ns", "spec.color": "red", "spec.size": "3",
            ])
        try FieldSelector(parsing: "spec.color=red").validate(for: v1)
        #expect(throws: SelectorError("field label not supported: spec.color")) {
            try FieldSelector(parsing: "spec.color=red").validate(for: beta)
        }
        #expect(catalog.resolve("wd").map(\.gvr.version) == ["v1"])
        try FieldSelector(parsing: "metadata.namespace=ns").validate(for: v1)
        #expect(throws: SelectorError("field label not supported: spec.tags")) {
            try FieldSelector(parsing: "spec.tags=a").validate(for: v1)
        }
    }

    @Test("re-registering replaces the versions; unregistering removes them")
    func updateAndUnregister() throws {
        let catalog = ResourceCatalog.builtIn()
        let builtInCount = catalog.all().count
        try catalog.register(crd: widgetCRD())
        #expect(catalog.all().count == builtInCount + 2)
        let updated = try catalog.register(crd: widgetCRD(betaServed: false))
        #expect(updated.map(\.gvr.version) == ["v1"])
        #expect(catalog.resource(group: "example.com", version: "v1beta1", resource: "widgets") == nil)
        #expect(catalog.all().count == builtInCount + 1)

        let removed = catalog.unregister(crdName: "widgets.example.com")
        #expect(removed.map(\.gvr.version) == ["v1"])
        #expect(catalog.resource(group: "example.com", version: "v1", resource: "widgets") == nil)
        #expect(catalog.resource(forKind: "Widget", apiVersion: "example.com/v1") == nil)
        #expect(!catalog.groups().contains { $0.group == "example.com" })
        #expect(catalog.unregister(crdName: "widgets.example.com").isEmpty)
        #expect(catalog.all().count == builtInCount)
    }

    @Test("a CRD whose name is not <plural>.<group> is rejected with the apiserver's message")
    func nameMismatch() throws {
        let catalog = ResourceCatalog.builtIn()
        let error = try #require(throws: StatusError.self) {
            try catalog.register(crd: widgetCRD(name: "wrong.example.com"))
        }
        #expect(error.code == 422 && error.reason == "Invalid")
        #expect(
            error.message
                == "CustomResourceDefinition.apiextensions.k8s.io \"wrong.example.com\" is invalid: metadata.name: Invalid value: \"wrong.example.com\": must be spec.names.plural+\".\"+spec.group"
        )
        #expect(error.details?.group == "apiextensions.k8s.io" && error.details?.kind == "CustomResourceDefinition")
        #expect(catalog.resource(group: "example.com", version: "v1", resource: "widgets") == nil)
    }

    @Test("missing group, names, scope and versions are each reported")
    func missingParts() throws {
        let catalog = ResourceCatalog.builtIn()
        let crd: JSONValue = ["metadata": ["name": "x"], "spec": [:]]
        let error = try #require(throws: StatusError.self) { try catalog.register(crd: crd) }
        let causes = try #require(error.details?.causes)
        let byField = Dictionary(causes.map { ($0.field, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byField["spec.group"]?.reason == "FieldValueRequired")
        #expect(byField["spec.scope"]?.reason == "FieldValueRequired")
        #expect(byField["spec.names.plural"]?.reason == "FieldValueRequired")
        #expect(byField["spec.names.kind"]?.reason == "FieldValueRequired")
        #expect(
            byField["spec.versions"]?.message
                == "Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one version marked as storage version"
        )
        #expect(error.message.hasPrefix("CustomResourceDefinition.apiextensions.k8s.io \"x\" is invalid: ["))
    }

    @Test("bad scope, group without a dot, bad selectable fields and printer columns are rejected")
    func badValues() throws {
        let catalog = ResourceCatalog.builtIn()
        var crd = try widgetCRD(name: "widgets.example", group: "example", scope: "Global")
        crd["spec"]?["versions"] = [
            [
                "name": "v1", "served": true, "storage": true,
                "selectableFields": [["jsonPath": "spec.color"], ["jsonPath": ".metadata.name"]],
                "additionalPrinterColumns": [["name": "X", "type": "text", "jsonPath": ".x"]],
            ]
        ]
        let error = try #require(throws: StatusError.self) { try catalog.register(crd: crd) }
        let messages = (error.details?.causes ?? []).map { "\($0.field): \($0.message)" }
        #expect(messages.contains("spec.group: Invalid value: \"example\": should be a domain with at least one dot"))
        #expect(
            messages.contains(
                "spec.scope: Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\""))
        #expect(
            messages.contains(
                "spec.versions[0].selectableFields[1].jsonPath: Invalid value: \".metadata.name\": must not point to fields in metadata"
            ))
        #expect(
            messages.contains {
                $0.hasPrefix("spec.versions[0].selectableFields[0].jsonPath: Invalid value: \"spec.color\"")
            })
        #expect(
            messages.contains(
                "spec.versions[0].additionalPrinterColumns[0].type: Invalid value: \"text\": must be one of boolean,date,integer,number,string"
            ))
    }

    @Test("cluster-scoped custom resources cannot be selected by namespace")
    func clusterScoped() throws {
        let catalog = ResourceCatalog.builtIn()
        let infos = try catalog.register(crd: widgetCRD(scope: "Cluster"))
        let v1 = try #require(infos.last)
        #expect(!v1.namespaced)
        #expect(v1.fieldValues(of: ["metadata": ["name": "w"]])["metadata.namespace"] == "")
        #expect(throws: SelectorError("field label not supported: metadata.namespace")) {
            try FieldSelector(parsing: "metadata.namespace=x").validate(for: v1)
        }
    }

    @Test("a CRD may not shadow a built-in resource")
    func shadowing() throws {
        let catalog = ResourceCatalog.builtIn()
        var crd = try widgetCRD(name: "ingresses.networking.k8s.io", group: "networking.k8s.io")
        crd["spec"]?["names"]?["plural"] = "ingresses"
        crd["spec"]?["names"]?["singular"] = "ingress"
        let error = try #require(throws: StatusError.self) { try catalog.register(crd: crd) }
        #expect(error.details?.causes.first?.field == "spec.names.plural")
        #expect(catalog.resource(group: "networking.k8s.io", version: "v1", resource: "ingresses")?.isCustom == false)
    }

    @Test("the catalog can be read and changed from many tasks at once")
    func concurrentUse() async throws {
        let catalog = ResourceCatalog.builtIn()
        let crd = try widgetCRD()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    for _ in 0..<50 {
                        if i % 2 == 0 {
                            _ = try? catalog.register(crd: crd)
                            _ = catalog.unregister(crdName: "widgets.example.com")
                        } else {
                            _ = catalog.resource(group: "", version: "v1", resource: "pods")
                            _ = catalog.groups()
                        }
                    }
                }
            }
        }
        #expect(catalog.resource(group: "", version: "v1", resource: "pods") != nil)
    }
}
