import ArgumentParser
import Foundation
import KubeModel

/// `json`: parse and serialize typical pods with KubeModel's JSON and, side by
/// side in the same process, with Foundation's JSONSerialization.
struct JSONBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json",
        abstract: "JSON parse/serialize of ~1.3 KB and ~4 KB pods vs Foundation JSONSerialization.")

    @Option(help: "Timed runs per measurement; the median is reported.")
    var runs = 7

    @Flag(help: "Report the best run instead of the median (steadier on a busy machine for A/B work).")
    var best = false

    @Option(help: "Minimum duration of one run, in milliseconds.")
    var runMillis = 200

    @Option(help: "Only loop one side over the large pod (parse, serialize or foundation-parse), for profiling.")
    var profile: String?

    @Option(help: "Iterations for --profile.")
    var iterations = 200_000

    func run() throws {
        if let profile {
            let bytes = Array(JSONBenchData.largePod.utf8)
            let value = try JSONValue(parsing: bytes)
            var sink = 0
            for _ in 0..<iterations {
                if profile == "parse" {
                    sink &+= (try? JSONValue(parsing: bytes))?.objectValue?.count ?? 0
                } else if profile == "foundation-parse" {
                    sink &+= ((try? JSONSerialization.jsonObject(with: Data(bytes))) as? NSDictionary)?.count ?? 0
                } else {
                    sink &+= value.serialized().count
                }
            }
            print(sink)
            return
        }
        let small = Array(JSONBenchData.smallPod.utf8)
        let large = Array(JSONBenchData.largePod.utf8)
        print(
            "JSON benchmark: \(best ? "best" : "median") of \(runs) alternating runs of ≥\(runMillis) ms thread CPU time each"
        )
        for (label, bytes) in [("pod 1.3 KB", small), ("pod 4 KB", large)] {
            try bench(label: "\(label) (\(bytes.count) B)", bytes: bytes)
        }
    }

    private func bench(label: String, bytes: [UInt8]) throws {
        let data = Data(bytes)
        let value = try JSONValue(parsing: bytes)
        let object = try JSONSerialization.jsonObject(with: data)
        // Both sides must agree on the document before their speed means anything.
        let check = try JSONSerialization.jsonObject(with: Data(value.serialized())) as? NSDictionary
        guard check == (object as? NSDictionary) else {
            throw ValidationError("KubeModel and Foundation disagree on the document")
        }

        var sink = 0
        let (parseOurs, parseFoundation) = measurePair(
            {
                let v = try? JSONValue(parsing: bytes)
                sink &+= v == nil ? 0 : 1
            },
            {
                let o = try? JSONSerialization.jsonObject(with: data)
                sink &+= o == nil ? 0 : 1
            })
        let (serializeOurs, serializeFoundation) = measurePair(
            { sink &+= value.serialized().count },
            { sink &+= (try? JSONSerialization.data(withJSONObject: object))?.count ?? 0 })
        let mb = Double(bytes.count) / 1_000_000
        print("\n\(label)")
        print(row("parse     KubeModel", parseOurs, mb))
        print(row("parse     Foundation", parseFoundation, mb))
        print(String(format: "  parse ratio:     %6.1f×", parseOurs / parseFoundation))
        print(row("serialize KubeModel", serializeOurs, mb))
        print(row("serialize Foundation", serializeFoundation, mb))
        print(String(format: "  serialize ratio: %6.1f×", serializeOurs / serializeFoundation))
        if sink == 42 { print("") }  // keeps the work observable
    }

    private func row(_ name: String, _ opsPerSecond: Double, _ mb: Double) -> String {
        String(
            format: "  %@ %12.0f objects/CPU-s %9.1f MB/CPU-s", name.padding(toLength: 22, withPad: " ", startingAt: 0),
            opsPerSecond, opsPerSecond * mb)
    }

    /// Operations per CPU-second of `a` and of `b`: medians over `runs` rounds, each
    /// round timing `a` then `b` for at least `runMillis` of this thread's CPU time.
    /// Thread CPU time (not wall time) keeps the figures steady on a machine shared
    /// with other builds; alternating keeps both sides under the same conditions.
    private func measurePair(_ a: () -> Void, _ b: () -> Void) -> (Double, Double) {
        for _ in 0..<50 {
            a()
            b()
        }
        var ratesA: [Double] = []
        var ratesB: [Double] = []
        for _ in 0..<runs {
            ratesA.append(rate(a))
            ratesB.append(rate(b))
        }
        ratesA.sort()
        ratesB.sort()
        if best { return (ratesA[ratesA.count - 1], ratesB[ratesB.count - 1]) }
        return (ratesA[ratesA.count / 2], ratesB[ratesB.count / 2])
    }

    private func rate(_ body: () -> Void) -> Double {
        let start = threadCPUSeconds()
        let minimum = Double(runMillis) / 1000
        var iterations = 0
        var elapsed = 0.0
        repeat {
            for _ in 0..<20 { body() }
            iterations += 20
            elapsed = threadCPUSeconds() - start
        } while elapsed < minimum
        return Double(iterations) / elapsed
    }

    private func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

/// Pods shaped like the ones a kubelet reads and writes.
enum JSONBenchData {
    /// A ~1.3 KB pod: labels, an owner, one container with ports, env, probes and resources, status.
    static let smallPod = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-7d4b9c8f6d-x2k9p","generateName":"web-7d4b9c8f6d-","\
        namespace":"production","uid":"3f1c2a9e-5b7d-4e21-9a6c-8d2f0b1e4c73","resourceVersion":"184467","creationTim\
        estamp":"2024-05-14T09:21:37Z","labels":{"app":"web","pod-template-hash":"7d4b9c8f6d","tier":"frontend"},"ow\
        nerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d4b9c8f6d","uid":"a8e2c4d1-7f3b-4c9\
        e-b2a5-1d6e8f0c3b94","controller":true,"blockOwnerDeletion":true}]},"spec":{"containers":[{"name":"web","ima\
        ge":"registry.example.com/web:1.24.3","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],"resou\
        rces":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},"terminationMess\
        agePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGrac\
        ePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","nodeName":"edge-node-01"},"sta\
        tus":{"phase":"Running","hostIP":"10.0.4.17","podIP":"10.244.1.23","containerStatuses":[{"name":"web","ready\
        ":true,"restartCount":0,"image":"registry.example.com/web:1.24.3","containerID":"containerd://5e8a1c3f7b9d2e\
        4a6c8f0b1d3e5a7c9f","started":true,"state":{"running":{"startedAt":"2024-05-14T09:21:40Z"}}}],"qosClass":"Bu\
        rstable"}}
        """

    /// A ~4 KB pod: the small pod plus annotations, managedFields, a sidecar, volumes, tolerations.
    static let largePod = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-5f8c6d7b9-qw7rt","generateName":"api-5f8c6d7b9-","na\
        mespace":"production","uid":"c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f","resourceVersion":"2918347","creationTime\
        stamp":"2024-05-14T09:21:37Z","labels":{"app.kubernetes.io/name":"api","app.kubernetes.io/instance":"api-pro\
        d","app.kubernetes.io/version":"3.8.1","pod-template-hash":"5f8c6d7b9","team":"platform"},"annotations":{"ku\
        bectl.kubernetes.io/restartedAt":"2024-05-14T09:20:00Z","prometheus.io/scrape":"true","prometheus.io/port":"\
        9090","description":"API server \\"edge\\" replica é"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"Repl\
        icaSet","name":"api-5f8c6d7b9","uid":"e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b","controller":true,"blockOwnerDel\
        etion":true}],"finalizers":["example.com/cleanup"],"managedFields":[{"manager":"kube-controller-manager","op\
        eration":"Update","apiVersion":"v1","time":"2024-05-14T09:21:37Z","fieldsType":"FieldsV1","fieldsV1":{"f:met\
        adata":{"f:generateName":{},"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:pod-template-hash":{}},"f:ow\
        nerReferences":{".":{},"k:{\\"uid\\":\\"e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b\\"}":{}}},"f:spec":{"f:containers":\
        {"k:{\\"name\\":\\"api\\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{}}}}}}]},"spec":{"volumes":[{"name":"con\
        fig","configMap":{"name":"api-config","defaultMode":420}},{"name":"kube-api-access-7xk2m","projected":{"sour\
        ces":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.c\
        rt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"a\
        piVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],"containers":[{"name":"api","ima\
        ge":"registry.example.com/api:3.8.1","args":["--port=8080","--metrics-port=9090","--log-format=json"],"ports\
        ":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"name":"metrics","containerPort":9090,"protocol":"\
        TCP"}],"env":[{"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}},{\
        "name":"GOMAXPROCS","value":"2"},{"name":"RATIO","value":"0.75"}],"resources":{"limits":{"cpu":"2","memory":\
        "1Gi"},"requests":{"cpu":"250m","memory":"512Mi"}},"volumeMounts":[{"name":"config","mountPath":"/etc/api","\
        readOnly":true},{"name":"kube-api-access-7xk2m","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/\
        serviceaccount"}],"livenessProbe":{"httpGet":{"path":"/livez","port":8080,"scheme":"HTTP"},"initialDelaySeco\
        nds":10,"periodSeconds":10,"failureThreshold":3},"readinessProbe":{"httpGet":{"path":"/readyz","port":8080,"\
        scheme":"HTTP"},"periodSeconds":5,"successThreshold":1},"terminationMessagePath":"/dev/termination-log","ter\
        minationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"runAsNonRoot":true,"runAs\
        User":10001,"readOnlyRootFilesystem":true,"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}\
        ,{"name":"log-shipper","image":"registry.example.com/shipper:0.9.2","resources":{"requests":{"cpu":"10m","me\
        mory":"32Mi"}},"terminationMessagePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent"}],"restartPo\
        licy":"Always","terminationGracePeriodSeconds":45,"dnsPolicy":"ClusterFirst","serviceAccountName":"api","nod\
        eName":"edge-node-01","securityContext":{"fsGroup":2000},"schedulerName":"default-scheduler","priority":1000\
        ,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{"phase":"Running","condition\
        s":[{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-14T09:21:37Z"},\
        {"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-14T09:21:45Z"},{"type":"P\
        odScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-14T09:21:37Z"}],"hostIP":"10\
        .0.4.17","podIP":"10.244.1.57","podIPs":[{"ip":"10.244.1.57"},{"ip":"fd00:10:244:1::39"}],"startTime":"2024-\
        05-14T09:21:37Z","containerStatuses":[{"name":"api","state":{"running":{"startedAt":"2024-05-14T09:21:41Z"}}\
        ,"ready":true,"restartCount":2,"image":"registry.example.com/api:3.8.1","imageID":"registry.example.com/api@\
        sha256:1c3e5a7d9b2f4c6e8a0d2b4f6c8e0a2d4b6f9b2f4c1e7a3d5b8f0c6e2a4d7b9f","containerID":"containerd://7b9d2e4\
        a6c8f0b1d3e5a7c9f5e8a1c3f","started":true}],"qosClass":"Burstable"}}
        """
}
