#!/usr/bin/env python3
"""Instructions per request, counted by callgrind: repeatable where CPU time is noisy.

  python3 tests/bench/instructions.py [--baseline OTHER_DDBD] [--requests 2000] [--stream]

Runs ddbd (build/release/ddbd; in memory, SigV4 verification on, one I/O thread) under
valgrind's callgrind, warms it up, zeroes the counters, sends --requests identical pre-signed
GetItem (then PutItem) requests over one keep-alive connection, and divides the instructions
executed by the server's user space by the requests. With --baseline, does the same for
another build and prints the ratio. With --stream, compares PutItem on a table with a
stream (NEW_AND_OLD_IMAGES) against the same table without one. On a shared VM, CPU time per request varies by tens of
percent between runs; these counts do not (docs/performance.md). Requires valgrind.
"""

import argparse
import glob
import http.client
import os
import subprocess
import sys
import tempfile
import time

import compare


def instructions_per_request(binary, operation, requests, stream=False):
    creds = tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False)
    creds.write(f"[bench]\naws_access_key_id = {compare.ACCESS}\n"
                f"aws_secret_access_key = {compare.SECRET}\n")
    creds.close()
    out = tempfile.mkdtemp(prefix="ddbd-callgrind-")
    port = compare.free_port()
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.%p",
                             binary, "--port", str(port), "--in-memory", "--credentials",
                             creds.name, "--no-throttling", "--log-level", "warn", "--threads", "1"],
                            stderr=subprocess.DEVNULL)
    try:
        compare.wait_port(port, 120)
        compare.prepare(port)
        if stream:
            compare.client(port).update_table(TableName="bench", StreamSpecification={
                "StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        body = compare.GET_BODY if operation == "GetItem" else compare.PUT_BODY
        headers, data = compare.presigned(port, operation, body)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def send(n):
            for _ in range(n):
                conn.request("POST", "/", body=data, headers=headers)
                reply = conn.getresponse()
                reply.read()
                assert reply.status == 200, reply.status

        send(50)
        subprocess.run(["callgrind_control", "--zero", str(proc.pid)], stdout=subprocess.DEVNULL)
        send(requests)
        subprocess.run(["callgrind_control", "--dump", str(proc.pid)], stdout=subprocess.DEVNULL)
        time.sleep(1)
    finally:
        proc.terminate()
        proc.wait()
        os.unlink(creds.name)
    total = 0
    for path in glob.glob(out + "/cg.*"):
        for line in open(path):
            if line.startswith(("summary:", "totals:")):
                total = max(total, int(line.split()[1]))
    return total / requests


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--stream", action="store_true",
                        help="PutItem with a stream enabled against without")
    args = parser.parse_args()
    if args.stream:
        plain = instructions_per_request(compare.DDBD, "PutItem", args.requests)
        streamed = instructions_per_request(compare.DDBD, "PutItem", args.requests, stream=True)
        print(f"PutItem  without a stream {plain:10.0f}   with a stream {streamed:10.0f}   "
              f"with / without {streamed / plain:.3f}  (goal < 1.15)")
        return 0
    for operation in ("GetItem", "PutItem"):
        this = instructions_per_request(compare.DDBD, operation, args.requests)
        line = f"{operation:8} this {this:10.0f} instructions/request"
        if args.baseline:
            base = instructions_per_request(args.baseline, operation, args.requests)
            line += f"   baseline {base:10.0f}   this / baseline {this / base:.3f}"
        print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
