#!/usr/bin/env bash
# Real-client scenario: stock kubectl 1.27 / 1.30 / 1.33 against a fresh `ake serve`.
# Each failure prints the client, the command and the server's answer; exits non-zero
# if any step failed. A kubectl version that is not installed is skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
AKE=${AKE:-.build/debug/ake}
[ -x "$AKE" ] || { echo "e2e-kubectl: $AKE not built (run swift build)"; exit 1; }
KDIR=$(dirname "$(readlink -f "$(command -v kubectl)")" 2>/dev/null || echo /nonexistent)
VERSIONS=${VERSIONS:-"1.27 1.30 1.33"}
failures=0

run_scenario() {
    local kc=$1 ver=$2
    local tmp; tmp=$(mktemp -d)
    "$AKE" serve --listen 127.0.0.1:0 --data-dir "$tmp/data" >"$tmp/ake.out" 2>"$tmp/ake.err" &
    local pid=$!
    local url=""
    for _ in $(seq 1 300); do
        url=$(grep -so 'http://[0-9.:]*' "$tmp/ake.out" | head -1 || true)
        [ -n "$url" ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$url" ]; then echo "[$ver] ake did not start: $(cat "$tmp/ake.err")"; failures=$((failures + 1)); return; fi
    "$AKE" kubeconfig --listen "${url#http://}" >"$tmp/kubeconfig"
    export KUBECONFIG=$tmp/kubeconfig HOME=$tmp
    # No --validate=false: kubectl 1.27-1.28 read /openapi/v2 as protobuf, which AKE serves.
    local validate=""
    local out
    k() { # k <description> <kubectl args...>: run, record failure with the server's answer
        local what=$1; shift
        if ! out=$(timeout 60 "$kc" "$@" 2>&1); then
            echo "FAIL [kubectl $ver] $what: kubectl $*"; echo "$out" | sed 's/^/    /' | head -30
            failures=$((failures + 1)); return 1
        fi
        return 0
    }
    expect() { # expect <description> <grep -E pattern> (on $out)
        if ! grep -Eq -- "$2" <<<"$out"; then
            echo "FAIL [kubectl $ver] $1: expected /$2/ in:"; echo "$out" | sed 's/^/    /' | head -30
            failures=$((failures + 1))
        fi
    }
    cat >"$tmp/app.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: e2e, labels: {app: demo}}
data: {mode: edge}
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret, namespace: e2e, labels: {app: demo}}
type: Opaque
stringData: {token: abc}
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: e2e, labels: {app: demo}}
spec:
  selector: {app: demo}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: e2e, labels: {app: demo}}
spec:
  replicas: 1
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
        ports: [{containerPort: 8080}]
EOF
    cat >"$tmp/crd.yaml" <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}, color: {type: string}}}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
EOF
    cat >"$tmp/widget.yaml" <<'EOF'
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: e2e}
spec: {size: 3, color: blue}
EOF
    cat >"$tmp/ssa.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: ssa-config, namespace: e2e}
data: {owner: alice}
EOF

    k "create namespace" create namespace e2e
    k "apply manifest" apply $validate -f "$tmp/app.yaml" && expect "apply created" "configmap/app-config (created|configured)"
    k "rvs before" get cm,secret,svc,deploy -n e2e -o 'jsonpath={range .items[*]}{.metadata.resourceVersion}{" "}{end}'
    local rv1=$out
    k "re-apply manifest" apply $validate -f "$tmp/app.yaml" && expect "re-apply unchanged" "unchanged"
    k "rvs after" get cm,secret,svc,deploy -n e2e -o 'jsonpath={range .items[*]}{.metadata.resourceVersion}{" "}{end}'
    [ "$out" = "$rv1" ] || { echo "FAIL [kubectl $ver] second apply changed resourceVersions: $rv1 -> $out"; failures=$((failures + 1)); }
    # Admission: the applied objects came back defaulted and allocated as kube-apiserver
    # answers them (so the re-apply above being "unchanged" shows defaulting is idempotent).
    k "service defaulted and allocated" get svc app -n e2e -o 'jsonpath={.spec.type} {.spec.sessionAffinity} {.spec.ports[0].protocol} {.spec.clusterIP} {.spec.ipFamilies[0]} {.spec.ipFamilyPolicy}' \
        && expect "service defaults" '^ClusterIP None TCP 10\.(9[6-9]|10[0-9]|11[01])\.[0-9]+\.[0-9]+ IPv4 SingleStack$'
    k "deployment template defaulted" get deploy app -n e2e -o 'jsonpath={.spec.strategy.type} {.spec.progressDeadlineSeconds} {.spec.template.spec.restartPolicy} {.spec.template.spec.dnsPolicy} {.spec.template.spec.containers[0].imagePullPolicy} {.spec.template.spec.containers[0].ports[0].protocol}' \
        && expect "deployment defaults" '^RollingUpdate 600 Always ClusterFirst IfNotPresent TCP$'
    cat >"$tmp/pod.yaml" <<'EOF2'
apiVersion: v1
kind: Pod
metadata: {name: defaulted, namespace: e2e}
spec:
  containers: [{name: c, image: "nginx:1.25"}]
EOF2
    k "create pod" apply -f "$tmp/pod.yaml"
    k "pod defaulted" get pod defaulted -n e2e -o 'jsonpath={.spec.restartPolicy} {.spec.schedulerName} {.spec.terminationGracePeriodSeconds} {.spec.containers[0].terminationMessagePath} {.status.phase} {.status.qosClass}' \
        && expect "pod defaults" '^Always default-scheduler 30 /dev/termination-log Pending BestEffort$'
    k "pod rv" get pod defaulted -n e2e -o 'jsonpath={.metadata.resourceVersion}'
    local podrv=$out
    k "second apply of the pod" apply -f "$tmp/pod.yaml" && expect "pod re-apply unchanged" "unchanged"
    k "pod rv after apply" get pod defaulted -n e2e -o 'jsonpath={.metadata.resourceVersion}'
    [ "$out" = "$podrv" ] || { echo "FAIL [kubectl $ver] apply of an unchanged pod changed it: $podrv -> $out"; failures=$((failures + 1)); }
    KUBE_EDITOR=true k "edit without changes" edit deploy app -n e2e && expect "edit no-op" "Edit cancelled, no changes made"
    cat >"$tmp/badpod.yaml" <<'EOF2'
apiVersion: v1
kind: Pod
metadata: {name: invalid, namespace: e2e}
spec:
  containers: [{name: c, ports: [{containerPort: 70000}]}]
EOF2
    if out=$(timeout 30 "$kc" create -f "$tmp/badpod.yaml" 2>&1); then
        echo "FAIL [kubectl $ver] an invalid pod was created: $out"; failures=$((failures + 1))
    else
        expect "422 names the image" 'spec.containers\[0\].image: Required value'
        expect "422 names the port" 'spec.containers\[0\].ports\[0\].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'
    fi
    k "get -o json" get cm app-config -n e2e -o json && expect "json" '"mode": "edge"'
    k "get -o yaml" get cm app-config -n e2e -o yaml && expect "yaml" "mode: edge"
    k "get -o wide" get svc -n e2e -o wide && expect "wide" "app"
    k "get -o name" get cm,secret -n e2e -o name && expect "name" "configmap/app-config"
    k "get -l" get cm -n e2e -l app=demo -o name && expect "label selector" "configmap/app-config"
    k "get -l (none)" get cm -n e2e -l app=other -o name
    [ -z "$out" ] || expect "label selector excludes" "^No resources"
    k "field selector" get cm -n e2e --field-selector metadata.name=app-config -o name && expect "field selector" "^configmap/app-config$"
    k "get -A" get cm -A && expect "all namespaces" "e2e +app-config"
    # A list above the server's streaming piece size (256 KiB): unpaged, it is written in
    # pieces as it is read, gzipped on the way (kubectl's transport asks for gzip).
    local filler; filler=$(printf 'x%.0s' $(seq 1 2000))
    for i in $(seq -w 1 160); do
        printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bulk-%s, namespace: bulk}\ndata: {v: %s}\n---\n' "$i" "$filler"
    done >"$tmp/bulk.yaml"
    k "bulk namespace" create namespace bulk
    k "bulk create" create -f "$tmp/bulk.yaml"
    k "large list, unpaged" get cm -n bulk --chunk-size=0 -o json
    [ "$(grep -c '"name": "bulk-' <<<"$out")" = 160 ] || { echo "FAIL [kubectl $ver] large unpaged list: not 160 items"; failures=$((failures + 1)); }
    k "large list, paged" get cm -n bulk --chunk-size=50 -o name
    [ "$(grep -c '^configmap/bulk-' <<<"$out")" = 160 ] || { echo "FAIL [kubectl $ver] large paged list: not 160 items"; failures=$((failures + 1)); }

    # Watch: ADDED, MODIFIED, DELETED seen by a bounded `get -w`.
    timeout 20 "$kc" get cm -n e2e -w --output-watch-events --request-timeout=0 >"$tmp/watch.out" 2>&1 &
    local wpid=$!
    sleep 2
    k "watch: create" create configmap watched -n e2e --from-literal=a=1
    k "watch: modify" label cm watched -n e2e stage=one
    k "watch: delete" delete cm watched -n e2e
    for _ in $(seq 1 50); do grep -q "DELETED" "$tmp/watch.out" && break; sleep 0.2; done
    kill $wpid 2>/dev/null; wait $wpid 2>/dev/null
    out=$(cat "$tmp/watch.out")
    expect "watch ADDED" "ADDED +(configmap/)?watched"
    expect "watch MODIFIED" "MODIFIED +(configmap/)?watched"
    expect "watch DELETED" "DELETED +(configmap/)?watched"

    # Watch with server-side Table rows (what `get -w` asks for): the rows of ADDED,
    # MODIFIED and DELETED pods, with the pod columns (STATUS comes only from the
    # server's Table), the wide columns with -o wide, and a header from the first watch
    # event alone with --watch-only (no list first).
    timeout 25 "$kc" get pods -n e2e -w --output-watch-events --request-timeout=20s >"$tmp/wpods.out" 2>&1 &
    local wp1=$!
    timeout 25 "$kc" get pods -n e2e -w -o wide --request-timeout=20s >"$tmp/wpods-wide.out" 2>&1 &
    local wp2=$!
    timeout 25 "$kc" get pods -n e2e --watch-only --request-timeout=20s >"$tmp/wpods-only.out" 2>&1 &
    local wp3=$!
    sleep 2
    k "pod watch: create" run web1 -n e2e --image=nginx:1.25 --restart=Never
    k "pod watch: modify" label pod web1 -n e2e stage=one
    k "pod watch: delete" delete pod web1 -n e2e --wait=false
    for _ in $(seq 1 50); do grep -q "DELETED" "$tmp/wpods.out" && break; sleep 0.2; done
    sleep 1
    kill $wp1 $wp2 $wp3 2>/dev/null; wait $wp1 $wp2 $wp3 2>/dev/null
    out=$(cat "$tmp/wpods.out")
    expect "pods -w header" "EVENT +NAME +READY +STATUS +RESTARTS +AGE"
    expect "pods -w ADDED row" "ADDED +web1 +0/1 +Pending +0 +[0-9]+s"
    expect "pods -w MODIFIED row" "MODIFIED +web1 +0/1 +Pending"
    expect "pods -w DELETED row" "DELETED +web1 +0/1 +Pending"
    [ "$(grep -c "NAME" <<<"$out")" = 1 ] || { echo "FAIL [kubectl $ver] pods -w printed the header more than once:"; echo "$out" | sed 's/^/    /'; failures=$((failures + 1)); }
    out=$(cat "$tmp/wpods-wide.out")
    expect "pods -w -o wide header" "NAME +READY +STATUS +RESTARTS +AGE +IP +NODE"
    expect "pods -w -o wide row" "web1 +0/1 +Pending +0 +[0-9]+s +<none> +<none>"
    out=$(cat "$tmp/wpods-only.out")
    expect "pods --watch-only header from the first event" "NAME +READY +STATUS +RESTARTS +AGE"
    expect "pods --watch-only rows" "web1 +0/1 +Pending"

    k "patch strategic" patch deploy app -n e2e -p '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}'
    k "check strategic" get deploy app -n e2e -o 'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[1].name}' && expect "strategic kept env" "^nginx:1.26 B$"
    k "patch merge" patch cm app-config -n e2e --type merge -p '{"data":{"extra":"x"}}'
    k "patch json" patch cm app-config -n e2e --type json -p '[{"op":"replace","path":"/data/mode","value":"cloud"}]'
    k "check patches" get cm app-config -n e2e -o 'jsonpath={.data.mode}/{.data.extra}' && expect "merge+json patch" "^cloud/x$"
    k "label" label cm app-config -n e2e tier=edge
    k "annotate" annotate cm app-config -n e2e note=hello
    k "check label/annotation" get cm app-config -n e2e -o 'jsonpath={.metadata.labels.tier}/{.metadata.annotations.note}' && expect "label+annotate" "^edge/hello$"
    k "get for replace" get cm app-config -n e2e -o yaml
    sed 's/mode: cloud/mode: replaced/' <<<"$out" >"$tmp/replace.yaml"
    k "replace" replace $validate -f "$tmp/replace.yaml"
    k "check replace" get cm app-config -n e2e -o 'jsonpath={.data.mode}' && expect "replace" "^replaced$"

    # Delete with a finalizer: kubectl waits until a patch removes it.
    k "create finalized" create configmap held -n e2e --from-literal=a=1
    k "add finalizer" patch cm held -n e2e --type merge -p '{"metadata":{"finalizers":["example.com/hold"]}}'
    timeout 30 "$kc" delete cm held -n e2e >"$tmp/delete.out" 2>&1 &
    local dpid=$!
    sleep 2
    if ! kill -0 $dpid 2>/dev/null; then
        echo "FAIL [kubectl $ver] delete of a finalized object returned before the finalizer was removed: $(cat "$tmp/delete.out")"
        failures=$((failures + 1))
    fi
    k "deletionTimestamp set" get cm held -n e2e -o 'jsonpath={.metadata.deletionTimestamp}' && expect "deletionTimestamp" "^[0-9]{4}-"
    k "remove finalizer" patch cm held -n e2e --type merge -p '{"metadata":{"finalizers":null}}'
    if ! wait $dpid; then
        echo "FAIL [kubectl $ver] delete of a finalized object: $(cat "$tmp/delete.out")"; failures=$((failures + 1))
    fi
    if timeout 10 "$kc" get cm held -n e2e >/dev/null 2>&1; then
        echo "FAIL [kubectl $ver] finalized object still exists after its finalizer was removed"; failures=$((failures + 1))
    fi

    k "api-resources" api-resources && expect "api-resources" "configmaps +cm +v1 +true +ConfigMap"
    case $ver in
    1.27 | 1.28) ;; # explain needs OpenAPI v2 protobuf on these
    *)
        k "explain" explain pods.spec.containers && expect "explain" "image"
        # Kinds without a hand-written schema are described from the generated type table.
        k "explain (generated schema)" explain jobs.spec && expect "explain generated" "backoffLimit"
        ;;
    esac

    k "create CRD" apply $validate -f "$tmp/crd.yaml"
    for _ in $(seq 1 20); do timeout 10 "$kc" get widgets -n e2e >/dev/null 2>&1 && break; sleep 0.5; done
    k "create custom object" apply $validate -f "$tmp/widget.yaml"
    k "get custom objects" get widgets -n e2e && expect "printer columns" "NAME +SIZE" && expect "printer column value" "w1 +3 *$"
    k "get by short name" get wg w1 -n e2e -o 'jsonpath={.spec.color}' && expect "short name" "^blue$"

    k "apply --server-side" apply $validate --server-side --field-manager=alice -f "$tmp/ssa.yaml"
    k "check managedFields" get cm ssa-config -n e2e -o 'jsonpath={.metadata.managedFields[*].manager}' && expect "managedFields" "alice"
    sed 's/owner: alice/owner: bob/' "$tmp/ssa.yaml" >"$tmp/ssa2.yaml"
    if out=$(timeout 30 "$kc" apply $validate --server-side --field-manager=bob -f "$tmp/ssa2.yaml" 2>&1); then
        echo "FAIL [kubectl $ver] conflicting server-side apply succeeded: $out"; failures=$((failures + 1))
    else
        expect "SSA conflict" "[Cc]onflict"
    fi
    k "apply --server-side --force-conflicts" apply $validate --server-side --field-manager=bob --force-conflicts -f "$tmp/ssa2.yaml"
    k "forced apply took the field" get cm ssa-config -n e2e -o 'jsonpath={.data.owner} {.metadata.managedFields[*].manager}' && expect "alice (no fields left) dropped" "^bob bob$"

    # Two managers on a keyed list item: the conflict names the item by its merge key,
    # --force-conflicts moves the field to bob and alice keeps the rest.
    cat >"$tmp/ssa-deploy.yaml" <<'EOF2'
apiVersion: apps/v1
kind: Deployment
metadata: {name: ssa-app, namespace: e2e}
spec:
  replicas: 1
  selector: {matchLabels: {app: ssa}}
  template:
    metadata: {labels: {app: ssa}}
    spec:
      containers:
      - {name: web, image: "nginx:1.25"}
EOF2
    sed 's/nginx:1.25/nginx:1.26/' "$tmp/ssa-deploy.yaml" >"$tmp/ssa-deploy2.yaml"
    k "apply deploy as alice" apply $validate --server-side --field-manager=alice -f "$tmp/ssa-deploy.yaml"
    if out=$(timeout 30 "$kc" apply $validate --server-side --field-manager=bob -f "$tmp/ssa-deploy2.yaml" 2>&1); then
        echo "FAIL [kubectl $ver] conflicting keyed-item apply succeeded: $out"; failures=$((failures + 1))
    else
        expect "keyed conflict message" 'Apply failed with 1 conflict: conflict with "alice": \.spec\.template\.spec\.containers\[name="web"\]\.image'
    fi
    k "apply deploy as bob --force-conflicts" apply $validate --server-side --field-manager=bob --force-conflicts -f "$tmp/ssa-deploy2.yaml"
    k "image after force" get deploy ssa-app -n e2e -o 'jsonpath={.spec.template.spec.containers[0].image}' && expect "forced image" "^nginx:1.26$"
    k "managed fields (yaml)" get deploy ssa-app -n e2e -o yaml --show-managed-fields && expect "both managers listed" "manager: alice" && expect "bob listed" "manager: bob"
    k "alice's fields" get deploy ssa-app -n e2e -o 'jsonpath={.metadata.managedFields[?(@.manager=="alice")].fieldsV1}' --show-managed-fields
    expect "alice keeps the item" 'k:\{\\?"name\\?":\\?"web\\?"\}'
    if grep -q 'f:image' <<<"$out"; then echo "FAIL [kubectl $ver] alice still owns the image after bob forced it: $out"; failures=$((failures + 1)); fi
    k "bob's fields" get deploy ssa-app -n e2e -o 'jsonpath={.metadata.managedFields[?(@.manager=="bob")].fieldsV1}' --show-managed-fields && expect "bob owns the image" 'f:image'
    # kubectl edit is recorded as an Update manager of .spec.replicas (taking it from both
    # appliers): applying other replicas conflicts with it, named with its apiVersion, and
    # --force-conflicts takes the field back.
    KUBE_EDITOR="sed -i -e 's/^  replicas: 1\$/  replicas: 3/'" k "edit replicas" edit deploy ssa-app -n e2e
    k "edited replicas" get deploy ssa-app -n e2e -o 'jsonpath={.spec.replicas}' && expect "edited replicas" "^3$"
    k "edit manager listed" get deploy ssa-app -n e2e -o yaml --show-managed-fields && expect "Update entry" "manager: kubectl-edit" && expect "Update operation" "operation: Update"
    sed 's/replicas: 1/replicas: 5/' "$tmp/ssa-deploy2.yaml" >"$tmp/ssa-deploy3.yaml"
    if out=$(timeout 30 "$kc" apply $validate --server-side --field-manager=bob -f "$tmp/ssa-deploy3.yaml" 2>&1); then
        echo "FAIL [kubectl $ver] apply of replicas owned by kubectl-edit succeeded: $out"; failures=$((failures + 1))
    else
        expect "conflict names the edit manager" 'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: \.spec\.replicas'
    fi
    k "apply replicas --force-conflicts" apply $validate --server-side --field-manager=bob --force-conflicts -f "$tmp/ssa-deploy3.yaml"
    k "replicas after force" get deploy ssa-app -n e2e -o 'jsonpath={.spec.replicas}' && expect "forced replicas" "^5$"
    # kubectl scale: a merge patch of /scale; --current-replicas reads the Scale first and
    # PUTs it back with its resourceVersion. The write is an Update of .spec.replicas with
    # subresource scale, which a later apply conflicts with.
    k "scale deploy" scale deploy ssa-app -n e2e --replicas=3 && expect "scaled" "deployment.apps/ssa-app scaled"
    k "replicas after scale" get deploy ssa-app -n e2e -o 'jsonpath={.spec.replicas}' && expect "scaled replicas" "^3$"
    k "scale subresource" get --raw /apis/apps/v1/namespaces/e2e/deployments/ssa-app/scale && expect "a Scale" '"kind":"Scale","apiVersion":"autoscaling/v1"' && expect "scale replicas" '"spec":\{"replicas":3\}'
    if out=$(timeout 30 "$kc" scale deploy ssa-app -n e2e --current-replicas=1 --replicas=2 2>&1); then
        echo "FAIL [kubectl $ver] scale with a wrong --current-replicas succeeded: $out"; failures=$((failures + 1))
    else
        expect "current-replicas precondition" "Expected replicas to be 1, was 3"
    fi
    k "scale with --current-replicas" scale deploy ssa-app -n e2e --current-replicas=3 --replicas=2
    k "get --subresource=scale" get deploy ssa-app -n e2e --subresource=scale && expect "printScale columns" "^NAME +DESIRED +AVAILABLE" && expect "scale row" "^ssa-app +2 +0"
    k "replicas after precondition scale" get deploy ssa-app -n e2e -o 'jsonpath={.spec.replicas}' && expect "replicas 2" "^2$"
    k "scale manager" get deploy ssa-app -n e2e -o 'jsonpath={.metadata.managedFields[?(@.subresource=="scale")].manager}' --show-managed-fields && expect "scale entry (User-Agent product: the binary name)" "^kubectl"
    if out=$(timeout 30 "$kc" apply $validate --server-side --field-manager=bob -f "$tmp/ssa-deploy3.yaml" 2>&1); then
        echo "FAIL [kubectl $ver] apply of replicas owned by kubectl scale succeeded: $out"; failures=$((failures + 1))
    else
        expect "conflict names the scale manager" 'conflict with "kubectl[^"]*" with subresource "scale" using apps/v1: \.spec\.replicas'
    fi
    k "delete ssa deploy" delete deploy ssa-app -n e2e

    # Default strict validation (1.29+ ask the server, which rejects unknown fields of built-in kinds).
    case $ver in
    1.27 | 1.28) ;;
    *)
        cat >"$tmp/bad.yaml" <<'EOF2'
apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: e2e}
spec: {containers: [{name: c, image: busybox, imagee: typo}]}
EOF2
        if out=$(timeout 30 "$kc" apply -f "$tmp/bad.yaml" 2>&1); then
            echo "FAIL [kubectl $ver] strict validation accepted an unknown field: $out"; failures=$((failures + 1))
        else
            expect "strict validation" 'unknown field "spec.containers\[0\].imagee"'
        fi
        ;;
    esac

    k "dry-run=server" create configmap dry -n e2e --from-literal=a=1 --dry-run=server
    if timeout 10 "$kc" get cm dry -n e2e >/dev/null 2>&1; then
        echo "FAIL [kubectl $ver] --dry-run=server stored the object"; failures=$((failures + 1))
    fi
    # Typed creates: kubectl 1.32+ send these bodies as protobuf (and never fall back to JSON).
    k "create deployment" create deployment web -n e2e --image=nginx:1.27 --replicas=0 --port=80
    k "read deployment" get deploy web -n e2e -o 'jsonpath={.spec.replicas}/{.spec.template.spec.containers[0].image}/{.spec.template.spec.containers[0].ports[0].containerPort}/{.spec.selector.matchLabels.app}' &&
        expect "deployment fields" "^0/nginx:1.27/80/web$"
    k "create job" create job pi -n e2e --image=perl:5.34 -- perl -e 'print 1'
    k "read job" get job pi -n e2e -o 'jsonpath={.spec.template.spec.restartPolicy}/{.spec.template.spec.containers[0].command[2]}' &&
        expect "job fields" "^Never/print 1$"
    k "create service clusterip" create service clusterip web -n e2e --tcp=80:8080
    k "read service" get svc web -n e2e -o 'jsonpath={.spec.type}/{.spec.ports[0].port}/{.spec.ports[0].targetPort}/{.spec.selector.app}' &&
        expect "service fields" "^ClusterIP/80/8080/web$"
    k "create role" create role reader -n e2e --verb=get,list --resource=pods,deployments.apps
    k "read role" get role reader -n e2e -o 'jsonpath={.rules[0].verbs[1]}/{.rules[0].resources[0]}/{.rules[1].apiGroups[0]}' &&
        expect "role fields" "^list/pods/apps$"
    k "delete typed creates" delete deploy/web job/pi svc/web role/reader -n e2e
    k "delete CRD" delete crd widgets.example.com
    k "delete namespace objects" delete cm,secret,svc,deploy -n e2e -l app=demo

    kill $pid 2>/dev/null; wait $pid 2>/dev/null
    rm -rf "$tmp"
    unset KUBECONFIG
}

for v in $VERSIONS; do
    kc=$KDIR/kubectl.$v
    if [ ! -x "$kc" ]; then echo "skip kubectl $v (not installed at $kc)"; continue; fi
    before=$failures
    run_scenario "$kc" "$v"
    echo "kubectl $v: $((failures - before)) failure(s)"
done
[ $failures -eq 0 ] && echo "e2e-kubectl: all passed" || { echo "e2e-kubectl: $failures failure(s)"; exit 1; }
