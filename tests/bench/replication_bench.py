#!/usr/bin/env python3
"""Replication lag of a global table under a light load, in one server, in one run.

  python3 tests/bench/replication_bench.py [--seconds 20] [--rate 50]

Starts ddbd (in memory, SigV4 on, two I/O threads), creates an on-demand table with a GSI in
us-east-1 and adds a replica in eu-west-1. One client then writes `--rate` items a second
(PutItem, ~200 bytes, about one in ten an UpdateItem or DeleteItem of an earlier key) in
us-east-1 for `--seconds`, while a second client polls eu-west-1 (GetItem, strongly consistent)
for every tenth written key until it appears, so the lag is also seen as a client sees it.
Reports the server's own measure (GET /metrics ddbd_replication_latency_seconds, p99 over the
last 1,000 records: commit in us-east-1 to commit in eu-west-1), the client-observed lag
(median, p99; includes one poll interval of 1 ms and a request), and each p99 against the
100 ms goal. Requires build/release/ddbd and boto3.
"""

import argparse
import statistics
import threading
import time
import urllib.request

import boto3
from botocore.config import Config

import compare


def client(port, region):
    return boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name=region,
                        aws_access_key_id=compare.ACCESS, aws_secret_access_key=compare.SECRET,
                        config=Config(retries={"max_attempts": 3}, max_pool_connections=4))


def metric(port, name, **labels):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def wait(predicate, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=50, help="writes a second")
    args = parser.parse_args()
    compare.EXTRA[:] = ["--threads", "2"]
    proc, port, _, _ = compare.start_ddbd()
    try:
        home, eu = client(port, "us-east-1"), client(port, "eu-west-1")
        home.create_table(
            TableName="bench", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "byG",
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        home.update_table(TableName="bench", ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}])
        wait(lambda: any(r["ReplicaStatus"] == "ACTIVE" for r in
                         home.describe_table(TableName="bench")["Table"].get("Replicas", [])))

        observed, lock = [], threading.Lock()
        pending = []  # (key, time written)
        stop = threading.Event()

        def poll():
            c = client(port, "eu-west-1")
            while not stop.is_set() or pending:
                with lock:
                    item = pending.pop(0) if pending else None
                if item is None:
                    time.sleep(0.001)
                    continue
                key, t0 = item
                while "Item" not in c.get_item(TableName="bench", Key={"pk": {"S": key}},
                                               ConsistentRead=True):
                    time.sleep(0.001)
                observed.append(time.perf_counter() - t0)

        poller = threading.Thread(target=poll)
        poller.start()
        interval, n, start = 1.0 / args.rate, 0, time.perf_counter()
        while time.perf_counter() - start < args.seconds:
            key = f"k{n}"
            if n % 10 == 9:
                home.update_item(TableName="bench", Key={"pk": {"S": f"k{n - 5}"}},
                                 UpdateExpression="SET c = :c",
                                 ExpressionAttributeValues={":c": {"N": str(n)}})
            elif n % 10 == 4 and n > 20:
                home.delete_item(TableName="bench", Key={"pk": {"S": f"k{n - 20}"}})
            else:
                home.put_item(TableName="bench", Item={"pk": {"S": key}, "g": {"S": key[-1]},
                                                       "pad": {"S": "x" * 180}})
                if n % 10 == 0:
                    with lock:
                        pending.append((key, time.perf_counter()))
            n += 1
            time.sleep(max(0.0, start + n * interval - time.perf_counter()))
        stop.set()
        poller.join()
        wait(lambda: metric(port, "ddbd_replication_pending_records", source_region="us-east-1",
                            target_region="eu-west-1") == 0)
        server_p99 = metric(port, "ddbd_replication_latency_seconds", quantile="0.99",
                            source_region="us-east-1", target_region="eu-west-1")
        observed.sort()
        client_p50 = statistics.median(observed)
        client_p99 = observed[int(len(observed) * 0.99)]
        print(f"writes: {n} in {args.seconds:.0f} s ({args.rate:.0f}/s); polled keys: {len(observed)}")
        print("| measurement | result | goal |")
        print("|---|---|---|")
        print(f"| replication latency p99 (server, /metrics) | {server_p99 * 1e3:.2f} ms "
              f"= {server_p99 / 0.1:.3f} × goal | < 100 ms |")
        print(f"| lag seen by a client, median | {client_p50 * 1e3:.2f} ms | |")
        print(f"| lag seen by a client, p99 | {client_p99 * 1e3:.2f} ms "
              f"= {client_p99 / 0.1:.3f} × goal | < 100 ms |")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
