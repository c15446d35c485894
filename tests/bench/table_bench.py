#!/usr/bin/env python3
"""CreateTable and DeleteTable latency, against a no-op request, in one run.

  python3 tests/bench/table_bench.py [--tables 40] [--in-memory] [--baseline OTHER_DDBD]

Starts ddbd (a data directory in /tmp unless --in-memory) and, with --baseline, another ddbd
binary the same way; creates and deletes --tables tables through boto3 (one keep-alive
connection), alternating the servers per round, and reports the median latencies and their
ratio to a DescribeEndpoints call measured the same way (the client's and the wire's share).
Test suites create a table per test: the performance issue's goal is <= 2 ms per create/delete
of the server's own time.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "conformance"))
os.environ.setdefault("DDBD_BIN", os.path.join(os.path.dirname(__file__), "..", "..",
                                              "build", "release", "ddbd"))
from conftest import DdbdProcess  # noqa: E402


def measure(server, tables, round_):
    ddb = server.client()
    ddb.describe_endpoints()  # connect
    create, delete, noop = [], [], []
    for i in range(tables):
        name = f"bench-{round_}-{i}"
        t0 = time.perf_counter()
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        t1 = time.perf_counter()
        ddb.describe_endpoints()
        t2 = time.perf_counter()
        ddb.delete_table(TableName=name)
        t3 = time.perf_counter()
        create.append((t1 - t0) * 1e3)
        noop.append((t2 - t1) * 1e3)
        delete.append((t3 - t2) * 1e3)
    return create, delete, noop


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--in-memory", action="store_true")
    parser.add_argument("--baseline", help="another ddbd binary, measured the same way")
    args = parser.parse_args()
    binaries = [("this", os.environ["DDBD_BIN"])]
    if args.baseline:
        binaries.append(("baseline", args.baseline))
    samples = {name: ([], [], []) for name, _ in binaries}
    for round_ in range(args.rounds):
        for name, binary in binaries:
            os.environ["DDBD_BIN"] = binary
            with tempfile.TemporaryDirectory(prefix="ddbd-table-bench-") as data:
                server = DdbdProcess(data_dir=None if args.in_memory else data,
                                     in_memory=args.in_memory).start()
                try:
                    for into, values in zip(samples[name], measure(server, args.tables, round_)):
                        into.extend(values)
                finally:
                    server.cleanup()
    medians = {}
    for name, (create, delete, noop) in samples.items():
        c, d, n = (statistics.median(v) for v in (create, delete, noop))
        medians[name] = (c, d)
        print(f"{name:<9} CreateTable median {c:.2f} ms ({c - n:+.2f} ms over a no-op request), "
              f"DeleteTable {d:.2f} ms ({d - n:+.2f}), no-op {n:.2f} ms")
    if args.baseline:
        (tc, td), (bc, bd) = medians["this"], medians["baseline"]
        print(f"this / baseline: CreateTable {tc / bc:.3f} x, DeleteTable {td / bd:.3f} x")


if __name__ == "__main__":
    main()
