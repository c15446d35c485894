#!/usr/bin/env python3
"""The ddbd benchmark: one run, on this machine, reporting ratios (docs/performance.md).

  python3 tests/bench/compare.py [--seconds 5] [--baseline OTHER_DDBD] [--only-baseline]

1. ddbd time to ready and idle memory.
2. ddbd-bench against ddbd (SigV4 verification on, --credentials): the cheapest authenticated
   request (DescribeEndpoints: the wire ceiling), GetItem and PutItem throughput, and the
   ratios GetItem/ceiling and PutItem/ceiling (goal >= 0.6).
3. p99 latency of GetItem at half of ddbd's peak GetItem rate (goal < 1 ms).
4. Server CPU time per request, from /proc/<pid>/stat, while wrk replays the same pre-signed
   GetItem and PutItem requests against ddbd, dynalite and moto (goal for ddbd <= 10 us and
   >= 3x better than dynalite). dynalite comes from npm (cached in ~/.cache/ddbd-bench); moto
   from the Python on this machine; either is skipped if it cannot be had.
5. With --baseline OTHER_DDBD (e.g. a build of an earlier commit): server CPU per GetItem and
   PutItem of this ddbd and of OTHER_DDBD, alternating three times in the same run, and the
   ratios of their medians (goal for a change: <= 1.10, within 10 % of before).
   --only-baseline runs this part alone.
Requires: build/release/ddbd and build/release/ddbd-bench, wrk (apt-get install wrk), boto3.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DDBD = os.path.join(ROOT, "build/release/ddbd")
BENCH = os.path.join(ROOT, "build/release/ddbd-bench")
ACCESS, SECRET, REGION = "bench", "bench-secret", "us-east-1"
# One I/O thread: the client (wrk or ddbd-bench) needs the other core of a 2-core machine,
# and dynalite and moto serve from one thread too.
EXTRA = ["--threads", "1"]
CACHE = os.path.expanduser("~/.cache/ddbd-bench")
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30.0):
    start = time.time()
    while time.time() - start < timeout:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return time.time() - start
        except OSError:
            time.sleep(0.0005)
    raise RuntimeError(f"nothing listening on {port}")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_of_tree(pid):
    total = cpu_seconds(pid)
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        for child in children:
            total += cpu_of_tree(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def client(port):
    import boto3
    from botocore.config import Config
    return boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name=REGION,
                        aws_access_key_id=ACCESS, aws_secret_access_key=SECRET,
                        config=Config(retries={"max_attempts": 0}))


def prepare(port):
    ddb = client(port)
    ddb.create_table(TableName="bench", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    for _ in range(100):
        if ddb.describe_table(TableName="bench")["Table"]["TableStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    ddb.put_item(TableName="bench", Item={"pk": {"S": "key1"}, "pad": {"S": "x" * 960}})


def presigned(port, op, body):
    """Headers of a SigV4-signed request, as botocore signs it."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    data = json.dumps(body)
    req = AWSRequest(method="POST", url=f"http://127.0.0.1:{port}/", data=data,
                     headers={"X-Amz-Target": f"DynamoDB_20120810.{op}",
                              "Content-Type": "application/x-amz-json-1.0"})
    SigV4Auth(Credentials(ACCESS, SECRET), "dynamodb", REGION).add_auth(req)
    return dict(req.headers), data


def wrk(port, pid, op, body, seconds):
    headers, data = presigned(port, op, body)
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write('wrk.method = "POST"\n')
    script.write("wrk.body = %s\n" % json.dumps(data))
    for k, v in headers.items():
        if k.lower() in ("content-length",):
            continue
        script.write("wrk.headers[%s] = %s\n" % (json.dumps(k), json.dumps(v)))
    script.close()
    before = cpu_of_tree(pid)
    out = subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds}s", "-s", script.name,
                          f"http://127.0.0.1:{port}/"], capture_output=True, text=True).stdout
    cpu = cpu_of_tree(pid) - before
    os.unlink(script.name)
    requests = 0
    non2xx = 0
    for line in out.splitlines():
        line = line.strip()
        if "requests in" in line:
            requests = int(line.split()[0])
        if line.startswith("Non-2xx"):
            non2xx = int(line.split()[-1])
    if requests == 0:
        return None
    return {"requests": requests, "errors": non2xx, "cpu_us": cpu / requests * 1e6,
            "rps": requests / seconds}


def bench(port, mix, seconds, extra=()):
    out = subprocess.run([BENCH, "--endpoint", f"127.0.0.1:{port}", "--table", "bench", "--keys", "1",
                          "--mix", mix, "--duration", str(seconds), "--connections", "4",
                          "--access-key", ACCESS, "--secret-key", SECRET, *extra],
                         capture_output=True, text=True).stdout
    fields = out.split()
    values = {fields[i]: fields[i + 1] for i in range(0, len(fields) - 1) if not fields[i][0].isdigit()}
    return {"ops": float(values.get("ops/s", 0)), "p50": float(values.get("p50", 0)),
            "p99": float(values.get("p99", 0)), "raw": out.strip()}


def start_ddbd(binary=DDBD):
    creds = tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False)
    creds.write(f"[bench]\naws_access_key_id = {ACCESS}\naws_secret_access_key = {SECRET}\n")
    creds.close()
    port = free_port()
    t0 = time.time()
    proc = subprocess.Popen([binary, "--port", str(port), "--in-memory", "--credentials", creds.name,
                             "--no-throttling", "--log-level", "warn", *EXTRA])
    ready = wait_port(port)
    return proc, port, ready, time.time() - t0


# boto3 helpers of the Python benchmarks (imported lazily: compare.py itself needs no boto3).
def boto_client(port):
    import boto3
    from botocore.config import Config
    return boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id=ACCESS, aws_secret_access_key=SECRET,
                        config=Config(retries={"max_attempts": 10}, max_pool_connections=8))


def batch_load(port, table, start, count, item, threads=4):
    """Writes items item(start) .. item(start + count - 1) with BatchWriteItem from `threads` threads."""
    import threading

    def worker(w):
        c = boto_client(port)
        for base in range(start + w * 25, start + count, 25 * threads):
            requests = [{"PutRequest": {"Item": item(i)}} for i in range(base, min(base + 25, start + count))]
            while requests:
                r = c.batch_write_item(RequestItems={table: requests})
                requests = r.get("UnprocessedItems", {}).get(table, [])
    ts = [threading.Thread(target=worker, args=(w,)) for w in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def start_dynalite():
    node = shutil.which("node")
    if node is None:
        return None, None, "node not installed"
    cli = os.path.join(CACHE, "node_modules/dynalite/cli.js")
    if not os.path.exists(cli):
        os.makedirs(CACHE, exist_ok=True)
        r = subprocess.run(["npm", "install", "--prefix", CACHE, "--no-audit", "--no-fund",
                            "--loglevel=error", "dynalite"], capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(cli):
            return None, None, "npm install dynalite failed: " + r.stderr[-200:]
    port = free_port()
    proc = subprocess.Popen([node, cli, "--host", "127.0.0.1", "--port", str(port), "--createTableMs", "0",
                             "--deleteTableMs", "0", "--updateTableMs", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port, None


def start_moto():
    try:
        import moto  # noqa: F401
    except ImportError:
        return None, None, "moto not installed in this Python"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, 60)
    return proc, port, None


GET_BODY = {"TableName": "bench", "Key": {"pk": {"S": "key1"}}}
PUT_BODY = {"TableName": "bench", "Item": {"pk": {"S": "key1"}, "pad": {"S": "x" * 960}}}


def cpu_per_request(binary, seconds):
    """(GetItem, PutItem) server CPU in microseconds per request of a fresh `binary`."""
    proc, port, _, _ = start_ddbd(binary)
    try:
        prepare(port)
        g = wrk(port, proc.pid, "GetItem", GET_BODY, seconds)
        p = wrk(port, proc.pid, "PutItem", PUT_BODY, seconds)
        return g["cpu_us"] if g else None, p["cpu_us"] if p else None
    finally:
        proc.terminate()
        proc.wait()


def against_baseline(baseline, seconds):
    """Rows comparing this ddbd's CPU per request with `baseline`'s, alternating 3 times."""
    samples = {"this": ([], []), "baseline": ([], [])}
    for _ in range(3):
        for name, binary in (("this", DDBD), ("baseline", baseline)):
            g, p = cpu_per_request(binary, seconds)
            samples[name][0].append(g)
            samples[name][1].append(p)
    rows = []
    for i, label in enumerate(("GetItem", "PutItem")):
        this = sorted(samples["this"][i])
        base = sorted(samples["baseline"][i])
        ratio = this[1] / base[1]
        rows.append((f"{label} CPU/request: this / baseline",
                     f"{ratio:.3f} x (median {this[1]:.1f} us vs {base[1]:.1f} us; "
                     f"this {', '.join(f'{v:.1f}' for v in this)}; "
                     f"baseline {', '.join(f'{v:.1f}' for v in base)})",
                     "<= 1.10: " + ("met" if ratio <= 1.10 else f"MISSED by {ratio - 1.10:.3f}")))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--baseline", help="another ddbd binary to compare CPU per request with")
    parser.add_argument("--only-baseline", action="store_true",
                        help="with --baseline: only the comparison with it")
    args = parser.parse_args()
    s = args.seconds
    if args.only_baseline:
        if not args.baseline or shutil.which("wrk") is None:
            sys.exit("--only-baseline needs --baseline BIN and wrk")
        for what, value, goal in against_baseline(args.baseline, s):
            print(f"{what:<40}  {value}  {('goal ' + goal) if goal else ''}")
        return
    for tool in (DDBD, BENCH):
        if not os.path.exists(tool):
            sys.exit(f"missing {tool}: build with `cmake --build build/release --target ddbd ddbd-bench`")
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    report = []

    def verdict(value, goal, unit, higher_is_better=False):
        met = value >= goal if higher_is_better else value <= goal
        if met:
            return "met"
        return f"MISSED by {abs(value - goal):.2f} {unit}".rstrip()

    proc, port, ready, _ = start_ddbd()
    time.sleep(0.3)
    idle = rss_kb(proc.pid)
    report.append(("ddbd time to ready", f"{ready * 1e3:.1f} ms",
                   "< 5 ms: " + verdict(ready * 1e3, 5, "ms")))
    report.append(("ddbd idle memory (RSS)", f"{idle / 1024:.1f} MB",
                   "< 10 MB: " + verdict(idle / 1024, 10, "MB")))
    prepare(port)
    ceiling = bench(port, "describe=1", s)
    get = bench(port, "get=1", s)
    put = bench(port, "put=1", s)
    half = bench(port, "get=1", s, ("--rate", str(int(get["ops"] / 2))))
    report.append(("ddbd-bench DescribeEndpoints (wire ceiling)", f"{ceiling['ops']:.0f} ops/s", ""))
    for name, r in (("GetItem", get), ("PutItem", put)):
        ratio = r["ops"] / ceiling["ops"]
        report.append((f"ddbd-bench {name}", f"{r['ops']:.0f} ops/s = {ratio:.2f} x ceiling",
                       ">= 0.6: " + verdict(ratio, 0.6, "", higher_is_better=True)))
    report.append((f"GetItem p99 at half of peak ({int(get['ops'] / 2)}/s)", f"{half['p99']:.3f} ms",
                   "< 1 ms: " + verdict(half["p99"], 1.0, "ms")))
    cpu = {}
    get_body, put_body = GET_BODY, PUT_BODY
    cpu["ddbd"] = (wrk(port, proc.pid, "GetItem", get_body, s), wrk(port, proc.pid, "PutItem", put_body, s))
    proc.terminate()
    proc.wait()
    for name, starter in (("dynalite", start_dynalite), ("moto", start_moto)):
        p, peer_port, why = starter()
        if p is None:
            report.append((f"{name}", f"skipped: {why}", ""))
            continue
        try:
            prepare(peer_port)
            cpu[name] = (wrk(peer_port, p.pid, "GetItem", get_body, s),
                         wrk(peer_port, p.pid, "PutItem", put_body, s))
        finally:
            p.terminate()
            p.wait()
    for name, (g, p) in cpu.items():
        for label, r in (("GetItem", g), ("PutItem", p)):
            if r is None:
                report.append((f"{name} {label} server CPU/request (wrk)", "no result", ""))
                continue
            note = f"{r['cpu_us']:.1f} us ({r['rps']:.0f} req/s" + (f", {r['errors']} errors" if r["errors"] else "") + ")"
            goal = ("<= 10 us: " + verdict(r["cpu_us"], 10, "us")) if name == "ddbd" else ""
            report.append((f"{name} {label} server CPU/request (wrk)", note, goal))
    if "ddbd" in cpu and "dynalite" in cpu and cpu["ddbd"][0] and cpu["dynalite"][0]:
        ratio = cpu["dynalite"][0]["cpu_us"] / cpu["ddbd"][0]["cpu_us"]
        report.append(("GetItem CPU: dynalite / ddbd", f"{ratio:.1f} x",
                       ">= 3 x: " + verdict(ratio, 3, "x", higher_is_better=True)))
    if "ddbd" in cpu and "moto" in cpu and cpu["ddbd"][0] and cpu["moto"][0]:
        ratio = cpu["moto"][0]["cpu_us"] / cpu["ddbd"][0]["cpu_us"]
        report.append(("GetItem CPU: moto / ddbd", f"{ratio:.0f} x", ""))
    if args.baseline:
        report.extend(against_baseline(args.baseline, s))
    width = max(len(r[0]) for r in report)
    print()
    for what, value, goal in report:
        print(f"{what:<{width}}  {value:<45} {('goal ' + goal) if goal else ''}")
    print("\nWhere the time goes, and what a missed goal would take: docs/performance.md.")
    print("\nddbd-bench raw:")
    for name, r in (("ceiling", ceiling), ("get", get), ("put", put), ("half", half)):
        print(f"  {name}: {r['raw']}")


if __name__ == "__main__":
    main()
