#!/usr/bin/env python3
"""What read-your-writes on GSIs costs a GSI Query under a write load, in one run.

  python3 tests/bench/gsi_read_bench.py [--queries 2000] [--writers 2]

Starts ddbd twice (in memory, SigV4 on): with the default (a Query on a GSI waits until the
index has applied every write that returned before it) and with --gsi-propagation-delay 1
(index updates held back 1 ms, reads never wait). In each, `--writers` threads put items
into a table with a GSI as fast as they can while one thread queries the GSI for the item it
has just written, and records the latency of each Query (boto3, keep-alive). Reports the
median and 99th percentile of both, their ratio, and how often the Query found the item.
Requires build/release/ddbd and boto3.
"""

import argparse
import statistics
import threading
import time

import boto3
from botocore.config import Config

import compare


def client(port):
    return boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id=compare.ACCESS, aws_secret_access_key=compare.SECRET,
                        config=Config(retries={"max_attempts": 0}, max_pool_connections=4))


def run(extra, queries, writers):
    compare.EXTRA[:] = ["--threads", "2", *extra]
    proc, port, _, _ = compare.start_ddbd()
    try:
        ddb = client(port)
        ddb.create_table(
            TableName="bench", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "byG",
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}])
        stop = threading.Event()

        def write(w):
            c, i = client(port), 0
            while not stop.is_set():
                c.put_item(TableName="bench", Item={"pk": {"S": f"w{w}-{i}"}, "g": {"S": f"w{w}"},
                                                    "pad": {"S": "x" * 500}})
                i += 1
        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        latencies, found = [], 0
        try:
            for i in range(queries):
                ddb.put_item(TableName="bench", Item={"pk": {"S": f"r{i}"}, "g": {"S": f"r{i}"}})
                t0 = time.perf_counter()
                items = ddb.query(TableName="bench", IndexName="byG",
                                  KeyConditionExpression="g = :g",
                                  ExpressionAttributeValues={":g": {"S": f"r{i}"}})["Items"]
                latencies.append(time.perf_counter() - t0)
                found += len(items) == 1
        finally:
            stop.set()
            for t in threads:
                t.join()
        latencies.sort()
        return (statistics.median(latencies) * 1e3,
                latencies[int(len(latencies) * 0.99)] * 1e3, found / queries)
    finally:
        proc.terminate()
        proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=2)
    args = parser.parse_args()
    wait = run([], args.queries, args.writers)
    nowait = run(["--gsi-propagation-delay", "1"], args.queries, args.writers)
    print(f"{'':34} {'p50 ms':>8} {'p99 ms':>8} {'found':>7}")
    print(f"{'default (reads wait)':34} {wait[0]:8.3f} {wait[1]:8.3f} {wait[2]:7.1%}")
    print(f"{'--gsi-propagation-delay 1':34} {nowait[0]:8.3f} {nowait[1]:8.3f} {nowait[2]:7.1%}")
    print(f"{'default / no wait':34} {wait[0] / nowait[0]:8.3f} {wait[1] / nowait[1]:8.3f}")


if __name__ == "__main__":
    main()
