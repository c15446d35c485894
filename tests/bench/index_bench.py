#!/usr/bin/env python3
"""Index and Query benchmarks for ddbd (issue: Query, Scan, batches, secondary indexes).

Starts its own ddbd (in memory) on a free loopback port and measures, in one run:
  1. Query cost vs partition size: the first 10 items of a 200,000-item partition against
     the first 10 of a 100-item partition (median and p99 latency over many queries). A
     Query is one contiguous range read, so the ratio should be close to 1.
  2. GSI lag under light load: items written one at a time (~100/s); for each, the time
     until a Query on the GSI returns it (p50/p99).
  3. GSI convergence after a burst of 10,000 writes (BatchWriteItem): time from the last
     acknowledged write until the index holds every item.
  4. Backfill: a GSI added with UpdateTable to a 100,000-item table while writes continue
     (puts of new matching items and deletes of old ones); time until ACTIVE, and a check that
     the index then holds exactly the matching items.
Requests are sent on one keep-alive connection with a precomputed SigV4 header (ddbd accepts
any well-formed signature by default), so client overhead stays small.

Usage: python3 tests/bench/index_bench.py [--ddbd build/release/ddbd] [--big 200000]
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time

AUTH = ("AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64)


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)

    def call(self, op, body):
        data = json.dumps(body)
        self.conn.request("POST", "/", data, {
            "X-Amz-Target": "DynamoDB_20120810." + op, "Authorization": AUTH,
            "X-Amz-Date": "20260101T000000Z", "Content-Type": "application/x-amz-json-1.0"})
        resp = self.conn.getresponse()
        payload = json.loads(resp.read() or b"{}")
        if resp.status != 200:
            raise RuntimeError(f"{op}: {payload}")
        return payload


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def timed(fn, n):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def load(client, table, pk, count, pad):
    for start in range(0, count, 25):
        requests = [{"PutRequest": {"Item": {"pk": {"S": pk}, "sk": {"N": str(i)}, "pad": {"S": pad}}}}
                    for i in range(start, min(count, start + 25))]
        client.call("BatchWriteItem", {"RequestItems": {table: requests}})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ddbd", default=os.path.join(os.path.dirname(__file__), "../../build/release/ddbd"))
    parser.add_argument("--big", type=int, default=200000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen([args.ddbd, "--port", str(port), "--in-memory", "--log-level", "warn",
                               "--no-throttling"])  # bulk loads into one partition key
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.01)
        c = Client(port)
        c.call("CreateTable", {
            "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "N"},
                                     {"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexes": [{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                        "Projection": {"ProjectionType": "KEYS_ONLY"}}]})
        t0 = time.perf_counter()
        load(c, "bench", "big", args.big, "x" * 100)
        load(c, "bench", "small", 100, "x" * 100)
        print(f"loaded {args.big + 100} items in {time.perf_counter() - t0:.1f} s")

        def query(pk):
            return lambda: c.call("Query", {"TableName": "bench", "KeyConditionExpression": "pk = :p",
                                            "ExpressionAttributeValues": {":p": {"S": pk}}, "Limit": 10})
        timed(query("big"), 200)  # warm up
        big = timed(query("big"), args.queries)
        small = timed(query("small"), args.queries)
        print(f"Query first 10 of {args.big}-item partition: median {statistics.median(big) * 1e6:.0f} us, "
              f"p99 {percentile(big, 99) * 1e6:.0f} us")
        print(f"Query first 10 of 100-item partition:     median {statistics.median(small) * 1e6:.0f} us, "
              f"p99 {percentile(small, 99) * 1e6:.0f} us")
        print(f"ratio big/small (median): {statistics.median(big) / statistics.median(small):.2f}")

        lags = []
        for i in range(300):
            key = f"lag{i}"
            c.call("PutItem", {"TableName": "bench", "Item": {"pk": {"S": key}, "sk": {"N": "0"}, "g": {"S": key}}})
            written = time.perf_counter()
            while True:
                r = c.call("Query", {"TableName": "bench", "IndexName": "by_g", "KeyConditionExpression": "g = :g",
                                     "ExpressionAttributeValues": {":g": {"S": key}}})
                if r["Count"]:
                    lags.append(time.perf_counter() - written)
                    break
            time.sleep(0.01)
        print(f"GSI lag under light load (300 writes): p50 {statistics.median(lags) * 1e3:.2f} ms, "
              f"p99 {percentile(lags, 99) * 1e3:.2f} ms, max {max(lags) * 1e3:.2f} ms")

        burst = 10000
        t0 = time.perf_counter()
        for start in range(0, burst, 25):
            requests = [{"PutRequest": {"Item": {"pk": {"S": f"burst{i}"}, "sk": {"N": "0"}, "g": {"S": "burst"}}}}
                        for i in range(start, start + 25)]
            c.call("BatchWriteItem", {"RequestItems": {"bench": requests}})
        acked = time.perf_counter()
        while True:
            r = c.call("Query", {"TableName": "bench", "IndexName": "by_g", "KeyConditionExpression": "g = :g",
                                 "ExpressionAttributeValues": {":g": {"S": "burst"}}, "Select": "COUNT"})
            if r["Count"] == burst:
                break
            time.sleep(0.001)
        print(f"burst of {burst} writes in {acked - t0:.2f} s; GSI converged {1e3 * (time.perf_counter() - acked):.1f} ms "
              f"after the last acknowledged write")

        c.call("CreateTable", {
            "TableName": "backfill", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
        total = 100000
        for start in range(0, total, 25):
            requests = [{"PutRequest": {"Item": {"pk": {"S": f"b{i:06d}"}, "g": {"S": f"g{i % 100}"},
                                                 "pad": {"S": "y" * 100}}}} for i in range(start, start + 25)]
            c.call("BatchWriteItem", {"RequestItems": {"backfill": requests}})
        t0 = time.perf_counter()
        c.call("UpdateTable", {
            "TableName": "backfill", "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {
                "IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}}]})
        extra = 0
        deleted = 0
        while True:
            index = c.call("DescribeTable", {"TableName": "backfill"})["Table"]["GlobalSecondaryIndexes"][0]
            if index["IndexStatus"] == "ACTIVE":
                break
            # Writes continue during the backfill.
            c.call("PutItem", {"TableName": "backfill",
                               "Item": {"pk": {"S": f"new{extra}"}, "g": {"S": "g1"}}})
            extra += 1
            c.call("DeleteItem", {"TableName": "backfill", "Key": {"pk": {"S": f"b{deleted:06d}"}}})
            deleted += 1
        active = time.perf_counter() - t0
        expected = total - deleted + extra
        count = 0
        for g in range(100):
            count += c.call("Query", {"TableName": "backfill", "IndexName": "by_g", "Select": "COUNT",
                                      "KeyConditionExpression": "g = :g",
                                      "ExpressionAttributeValues": {":g": {"S": f"g{g}"}}})["Count"]
        print(f"backfill of {total} items with {extra} puts and {deleted} deletes during it: ACTIVE after "
              f"{active:.2f} s; index holds {count} items, expected {expected}: "
              f"{'exact' if count == expected else 'MISMATCH'}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
