#!/usr/bin/env python3
"""What a PartiQL SELECT with a partition-key equality costs next to the equivalent Query, in
one run.

  python3 tests/bench/partiql_bench.py [--items 200000] [--requests 3000]

Starts ddbd (in memory, SigV4 on), loads `--items` items (10 per partition key, ~100 bytes
each), then sends, alternately, a Query (KeyConditionExpression pk = :pk) and an
ExecuteStatement `SELECT * FROM "bench" WHERE pk = ?` for the same random partition key,
`--requests` of each over one keep-alive connection (boto3), and records each latency.
Reports the medians and their ratio (about 1 when the SELECT runs as a Query), and, for
scale, the median of a few SELECTs that must Scan (`WHERE n = ?`, first page only).
Requires build/release/ddbd and boto3.
"""

import argparse
import random
import statistics
import time

import compare


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200000)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    compare.EXTRA[:] = ["--threads", "2"]
    proc, port, _, _ = compare.start_ddbd()
    try:
        ddb = compare.boto_client(port)
        ddb.create_table(TableName="bench", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "N"}])
        partitions = args.items // 10
        t0 = time.time()
        compare.batch_load(port, "bench", 0, args.items,
                           lambda i: {"pk": {"S": f"p{i // 10}"}, "sk": {"N": str(i % 10)},
                                      "n": {"N": str(i)}, "pad": {"S": "x" * 60}})
        print(f"loaded {args.items} items in {time.time() - t0:.0f} s")
        rng = random.Random(7)
        query, select = [], []
        for _ in range(args.requests):
            pk = f"p{rng.randrange(partitions)}"
            t = time.perf_counter()
            a = ddb.query(TableName="bench", KeyConditionExpression="pk = :pk",
                          ExpressionAttributeValues={":pk": {"S": pk}})
            query.append(time.perf_counter() - t)
            t = time.perf_counter()
            b = ddb.execute_statement(Statement='SELECT * FROM "bench" WHERE pk = ?',
                                      Parameters=[{"S": pk}])
            select.append(time.perf_counter() - t)
            assert a["Items"] == b["Items"] and len(a["Items"]) == 10
        scans = []
        for _ in range(5):
            t = time.perf_counter()
            ddb.execute_statement(Statement='SELECT * FROM "bench" WHERE n = ?',
                                  Parameters=[{"N": str(rng.randrange(args.items))}])
            scans.append(time.perf_counter() - t)
        q, s, sc = (statistics.median(x) * 1e3 for x in (query, select, scans))
        print(f"Query                       p50 {q:8.3f} ms")
        print(f"SELECT ... WHERE pk = ?     p50 {s:8.3f} ms   SELECT / Query {s / q:.3f}")
        print(f"SELECT ... WHERE n = ? (scan, one page) p50 {sc:8.3f} ms   scan / Query {sc / q:.1f}")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
