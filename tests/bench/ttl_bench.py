#!/usr/bin/env python3
"""What a Time to Live sweep costs in a small and a large table, in one run.

  python3 tests/bench/ttl_bench.py [--small 10000] [--large 1000000] [--expiring 1000]

For each size, starts ddbd (in memory, --ttl-interval 1), enables TTL, loads that many items
that never expire plus `--expiring` items that expire together a few seconds later, then
measures the server's CPU time (utime + stime from /proc) from just before the expiry until
the last expiring item is gone, less the CPU of an idle interval of the same length. Reports
both, and their ratio: flat (about 1) when the sweep costs in proportion to the items that
expire rather than to the table's size. Requires build/release/ddbd and boto3.
"""

import argparse
import time

import compare


client = compare.boto_client
load = compare.batch_load


def count(ddb):
    total, start = 0, None
    while True:
        kwargs = {"TableName": "bench", "Select": "COUNT", "FilterExpression": "attribute_exists(soon)"}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.scan(**kwargs)
        total += page["Count"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return total


def sweep_cpu(size, expiring):
    compare.EXTRA[:] = ["--threads", "2", "--ttl-interval", "1"]
    proc, port, _, _ = compare.start_ddbd()
    try:
        ddb = client(port)
        ddb.create_table(TableName="bench", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        ddb.update_time_to_live(TableName="bench",
                                TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        far = int(time.time()) + 365 * 86400
        load(port, "bench", 0, size, lambda i: {"pk": {"S": f"k{i}"}, "exp": {"N": str(far)},
                                                 "pad": {"S": "x" * 100}})
        expiry = int(time.time()) + 4
        load(port, "bench", size, expiring, lambda i: {"pk": {"S": f"k{i}"}, "exp": {"N": str(expiry)},
                                                        "soon": {"BOOL": True}})
        # Idle baseline: the same server with nothing to sweep.
        time.sleep(max(0.0, expiry - 2.5 - time.time()))
        idle0 = compare.cpu_seconds(proc.pid)
        time.sleep(1.0)
        idle = compare.cpu_seconds(proc.pid) - idle0
        while time.time() < expiry - 0.2:
            time.sleep(0.05)
        cpu0, t0 = compare.cpu_seconds(proc.pid), time.time()
        # Poll cheaply: a GetItem of the last expiring item, then confirm with a count.
        last = {"pk": {"S": f"k{size + expiring - 1}"}}
        while ddb.get_item(TableName="bench", Key=last).get("Item") is not None:
            time.sleep(0.05)
        cpu, seconds = compare.cpu_seconds(proc.pid) - cpu0, time.time() - t0
        assert count(ddb) == 0, "expired items left"
        return max(0.0, cpu - idle * seconds), seconds
    finally:
        proc.terminate()
        proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10000)
    parser.add_argument("--large", type=int, default=1000000)
    parser.add_argument("--expiring", type=int, default=1000)
    args = parser.parse_args()
    small = sweep_cpu(args.small, args.expiring)
    large = sweep_cpu(args.large, args.expiring)
    print(f"{'table':>12} {'sweep CPU s':>12} {'wall s':>8}")
    print(f"{args.small:>12} {small[0]:12.4f} {small[1]:8.2f}")
    print(f"{args.large:>12} {large[0]:12.4f} {large[1]:8.2f}")
    print(f"large / small sweep CPU: {large[0] / small[0] if small[0] else float('nan'):.3f}")


if __name__ == "__main__":
    main()
