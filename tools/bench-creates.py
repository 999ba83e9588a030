#!/usr/bin/env python3
"""Create throughput of two `ake` release binaries side by side (alternating runs, medians):
python3 tools/bench-creates.py BASELINE_AKE NEW_AKE. 1,500 pods (one container, 10 env vars,
requests/limits) POSTed by 16 keep-alive clients into a fresh data dir per run. Also prints the
server's CPU time per create (utime+stime from /proc), steadier than creates/s on a busy machine."""
import http.client, json, subprocess, sys, tempfile, time, threading, re, os, statistics
POD = lambda i: json.dumps({"apiVersion":"v1","kind":"Pod","metadata":{"name":f"p{i}","namespace":"default","labels":{"app":"a"}},
  "spec":{"containers":[{"name":"c","image":"nginx:1.25","ports":[{"containerPort":80}],"env":[{"name":f"E{k}","value":"v"} for k in range(10)],
  "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"200m","memory":"128Mi"}}}]}}).encode()
def run(binary, n=1500, clients=16):
    d = tempfile.mkdtemp()
    p = subprocess.Popen([binary,"serve","--listen","127.0.0.1:0","--data-dir",d+"/data"],stdout=subprocess.PIPE,stderr=subprocess.DEVNULL,text=True)
    port=None
    for line in p.stdout:
        m=re.search(r"http://127.0.0.1:(\d+)",line)
        if m: port=int(m.group(1)); break
    counter=iter(range(n)); lock=threading.Lock(); bad=[0]
    def worker():
        c=http.client.HTTPConnection("127.0.0.1",port)
        while True:
            with lock:
                i=next(counter,None)
            if i is None: return
            c.request("POST","/api/v1/namespaces/default/pods",POD(i),{"Content-Type":"application/json"})
            r=c.getresponse(); r.read()
            if r.status!=201: bad[0]+=1
    c0=cpu(p.pid); t=time.time(); ts=[threading.Thread(target=worker) for _ in range(clients)]
    [x.start() for x in ts]; [x.join() for x in ts]; el=time.time()-t; c1=cpu(p.pid)
    p.terminate(); p.wait(); subprocess.run(["rm","-rf",d])
    return n/el, bad[0], (c1-c0)/n*1e6
def cpu(pid):
    fields=open(f"/proc/{pid}/stat").read().rsplit(")",1)[1].split()
    return (int(fields[11])+int(fields[12]))/os.sysconf("SC_CLK_TCK")
res={"baseline":[], "admission":[]}; cpus={"baseline":[], "admission":[]}
bins={"baseline":sys.argv[1],"admission":sys.argv[2]}
for r in range(3):
    for k in ("baseline","admission"):
        rate,bad,us=run(bins[k]); res[k].append(rate); cpus[k].append(us)
        print(k, round(rate), "creates/s, non-201:", bad, "server CPU per create:", round(us), "us", flush=True)
for k,v in res.items(): print(k, "median", round(statistics.median(v)), "creates/s,", round(statistics.median(cpus[k])), "us server CPU per create")
print("ratio admission/baseline", round(statistics.median(res["admission"])/statistics.median(res["baseline"]),3))
