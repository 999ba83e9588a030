import Foundation
import Testing

/// Discovery documents, health and metrics endpoints.
@Suite("HTTP discovery, health, metrics", .serialized)
struct DiscoveryTests {
    @Test("legacy discovery: /api, /api/v1, /apis, /apis/apps, /apis/apps/v1 have the apiserver's shape")
    func legacy() throws {
        try withServer { (s: AKEProcess) throws in
            let api = try s.get("/api").json()
            #expect(api["kind"] as? String == "APIVersions")
            #expect(api["versions"] as? [String] == ["v1"])

            let v1 = try s.get("/api/v1").json()
            #expect(v1["kind"] as? String == "APIResourceList")
            #expect(v1["groupVersion"] as? String == "v1")
            let resources = try #require(v1["resources"] as? [[String: Any]])
            let cm = try #require(resources.first { $0["name"] as? String == "configmaps" })
            #expect(cm["kind"] as? String == "ConfigMap")
            #expect(cm["namespaced"] as? Bool == true)
            #expect(cm["singularName"] as? String == "configmap")
            #expect((cm["shortNames"] as? [String])?.contains("cm") == true)
            #expect(
                Set(cm["verbs"] as? [String] ?? []).isSuperset(of: [
                    "get", "list", "watch", "create", "update", "patch", "delete",
                ]))
            let pods = try #require(resources.first { $0["name"] as? String == "pods" })
            #expect((pods["shortNames"] as? [String])?.contains("po") == true)
            #expect((pods["categories"] as? [String])?.contains("all") == true)
            let podStatus = try #require(resources.first { $0["name"] as? String == "pods/status" })
            #expect(podStatus["kind"] as? String == "Pod")
            let ns = try #require(resources.first { $0["name"] as? String == "namespaces" })
            #expect(ns["namespaced"] as? Bool == false)

            let apis = try s.get("/apis").json()
            #expect(apis["kind"] as? String == "APIGroupList")
            let groups = try #require(apis["groups"] as? [[String: Any]])
            let apps = try #require(groups.first { $0["name"] as? String == "apps" })
            #expect(((apps["preferredVersion"] as? [String: Any])?["groupVersion"] as? String) == "apps/v1")

            let appsGroup = try s.get("/apis/apps").json()
            #expect(appsGroup["kind"] as? String == "APIGroup")
            #expect(appsGroup["name"] as? String == "apps")

            let appsV1 = try s.get("/apis/apps/v1").json()
            #expect(appsV1["groupVersion"] as? String == "apps/v1")
            let deploy = try #require(
                (appsV1["resources"] as? [[String: Any]])?.first { $0["name"] as? String == "deployments" })
            #expect(deploy["kind"] as? String == "Deployment")
        }
    }

    @Test("aggregated discovery v2 and v2beta1 echo the as=APIGroupDiscoveryList parameters in Content-Type")
    func aggregated() throws {
        try withServer { (s: AKEProcess) throws in
            for v in ["v2", "v2beta1"] {
                let accept = "application/json;g=apidiscovery.k8s.io;v=\(v);as=APIGroupDiscoveryList,application/json"
                for path in ["/api", "/apis"] {
                    let r = try s.get(path, accept: accept)
                    #expect(r.status == 200)
                    let ct = r.header("Content-Type") ?? ""
                    #expect(ct.contains("as=APIGroupDiscoveryList"), "\(ct)")
                    #expect(ct.contains("v=\(v)"), "\(ct)")
                    #expect(ct.contains("g=apidiscovery.k8s.io"), "\(ct)")
                    let o = try r.json()
                    #expect(o["kind"] as? String == "APIGroupDiscoveryList")
                    #expect(o["apiVersion"] as? String == "apidiscovery.k8s.io/\(v)")
                    let items = try #require(o["items"] as? [[String: Any]])
                    #expect(!items.isEmpty)
                    if path == "/api" {
                        let versions = try #require(items.first?["versions"] as? [[String: Any]])
                        let res = try #require(versions.first?["resources"] as? [[String: Any]])
                        let pods = try #require(res.first { $0["resource"] as? String == "pods" })
                        #expect(pods["scope"] as? String == "Namespaced")
                        #expect(((pods["responseKind"] as? [String: Any])?["kind"] as? String) == "Pod")
                        #expect(
                            (pods["subresources"] as? [[String: Any]])?.contains {
                                $0["subresource"] as? String == "status"
                            } == true)
                    }
                }
            }
            // Plain JSON still gets legacy discovery.
            #expect(try s.get("/apis", accept: "application/json").json()["kind"] as? String == "APIGroupList")
        }
    }

    @Test("/version reports a Kubernetes-style version")
    func version() throws {
        try withServer { (s: AKEProcess) throws in
            let v = try s.get("/version").json()
            #expect(v["major"] as? String == "1")
            #expect((v["gitVersion"] as? String)?.hasPrefix("v1.") == true)
            #expect((v["gitVersion"] as? String)?.hasSuffix("-ake") == true)
            #expect((v["platform"] as? String)?.contains("/") == true)
        }
    }

    @Test("/healthz, /livez, /readyz answer ok; ?verbose lists the checks")
    func health() throws {
        try withServer { (s: AKEProcess) throws in
            for path in ["/healthz", "/livez", "/readyz"] {
                let r = try s.get(path)
                #expect(r.status == 200)
                #expect(r.text == "ok")
                let verbose = try s.get("\(path)?verbose")
                #expect(verbose.status == 200)
                #expect(verbose.text.contains("[+]ping ok"))
                #expect(verbose.text.contains("[+]log ok"))
                #expect(verbose.text.contains("check passed"))
            }
        }
    }

    @Test("/metrics exposes request counts by verb/resource/code, latency histograms, watches and log gauges")
    func metrics() throws {
        try withServer { (s: AKEProcess) throws in
            #expect(try s.get("/api/v1/namespaces/default/configmaps").status == 200)
            #expect(try s.get("/api/v1/namespaces/default/configmaps/nope").status == 404)
            let w = try s.watch("/api/v1/namespaces/default/configmaps?watch=true")
            #expect(w.status == 200)
            let r = try s.get("/metrics")
            #expect(r.status == 200)
            #expect(r.header("Content-Type")?.hasPrefix("text/plain") == true)
            let text = r.text
            #expect(text.contains(#"apiserver_request_total{"#))
            #expect(text.contains(#"verb="LIST""#))
            #expect(text.contains(#"code="404""#))
            #expect(text.contains(#"resource="configmaps""#))
            #expect(text.contains("apiserver_request_duration_seconds_bucket"))
            #expect(text.contains("ake_watches_open 1"))
            #expect(text.contains("ake_log_head_resource_version"))
            #expect(text.contains("ake_log_horizon_resource_version"))
            #expect(text.contains("ake_database_size_bytes"))
        }
    }
}
