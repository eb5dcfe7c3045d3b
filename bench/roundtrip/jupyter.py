# Measures a real Jupyter kernel (Debian's python3-ipykernel) the way bench/roundtrip measures
# lakebook's Go kernel: start until ready, `1+1` round trips over ZMQ until the result and the
# idle status, the kernel's memory. Prints one JSON object. Usage: python3 jupyter.py N
import json
import sys
import time

from jupyter_client.manager import start_new_kernel


def memory(pid):
    m = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon"):
                m[k] = int(v.split()[0]) * 1024
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k == "Pss":
                m[k] = int(v.split()[0]) * 1024
    return m


def run(kc, code):
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    result = None
    while True:
        m = kc.get_iopub_msg(timeout=10)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "execute_result":
            result = m["content"]["data"]["text/plain"]
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    kc.get_shell_msg(timeout=10)
    return time.perf_counter() - t0, result


n = int(sys.argv[1])
starts = []
for i in range(5):
    t0 = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3")
    starts.append(time.perf_counter() - t0)
    if i < 4:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
for _ in range(20):
    run(kc, "1+1")
rtts = []
for _ in range(n):
    d, result = run(kc, "1+1")
    assert result == "2", result
    rtts.append(d)
mem = memory(km.provisioner.process.pid)
kc.stop_channels()
km.shutdown_kernel(now=True)
print(json.dumps({"starts": starts, "rtts": rtts, "memory": mem}))
