#!/usr/bin/env python3
"""Crash loop: kill -9 at random moments under a mixed write load, then check everything.

  python3 tests/long/crash_loop.py [--rounds 20] [--workers 4] [--seed 1]

A table with a GSI (on g) and an LSI (on l) takes puts, updates, deletes and BatchWriteItems
from several workers, each owning its own keys so that the order of its writes is known. In
every round ddbd (build/release/ddbd, or $DDBD_BIN) is killed with SIGKILL after a random
0.3-2.5 s and restarted on the same data directory. After each restart:

  - every key holds the state of its last acknowledged write, or of the one write that was in
    flight at the kill (0 lost writes, nothing from nowhere);
  - once the GSI applier has caught up, the GSI holds exactly the entries the items imply, and
    so does the LSI (0 index mismatches).

Exits non-zero at the first violation. Too long for CI's budget; run it after changes to the
storage, commit path, change log or GSI applier (docs/architecture.md).
"""

import argparse
import os
import random
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "conformance"))

from botocore.exceptions import ClientError  # noqa: E402

from conftest import DdbdProcess  # noqa: E402

TABLE = "crashloop"
KEYS_PER_WORKER = 40


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def item_for(pk, sk, version):
    return {"pk": S(pk), "sk": S(sk), "v": N(version), "g": S(f"g{version % 5}"),
            "l": S(f"l{version:08d}")}


class Worker:
    """Owns keys (pk = w<id>-<n % 4>, sk = <n>) and remembers what it wrote."""

    def __init__(self, wid, seed):
        self.wid = wid
        self.rng = random.Random(seed)
        self.keys = [(f"w{wid}-{n % 4}", f"{n:03d}") for n in range(KEYS_PER_WORKER)]
        self.acked = {}      # key -> version, or None if deleted (absent: never written)
        self.pending = {}    # key -> possible state of the write in flight
        self.version = 0

    def run(self, client_of, stop):
        while not stop.is_set():
            try:
                self.step(client_of())
            except Exception:
                time.sleep(0.02)  # the server is down; the pending writes stay uncertain

    def step(self, ddb):
        self.version += 1
        op = self.rng.random()
        if op < 0.15:
            keys = self.rng.sample(self.keys, 10)
            requests = []
            for key in keys:
                if self.rng.random() < 0.8:
                    self.pending[key] = self.version
                    requests.append({"PutRequest": {"Item": item_for(*key, self.version)}})
                else:
                    self.pending[key] = None
                    requests.append({"DeleteRequest": {"Key": {"pk": S(key[0]), "sk": S(key[1])}}})
            r = ddb.batch_write_item(RequestItems={TABLE: requests})
            assert not r.get("UnprocessedItems"), "unexpected unprocessed items"
            for key in keys:
                self.acked[key] = self.pending.pop(key)
            return
        key = self.rng.choice(self.keys)
        pk, sk = key
        if op < 0.55:
            self.pending[key] = self.version
            ddb.put_item(TableName=TABLE, Item=item_for(pk, sk, self.version))
        elif op < 0.85:
            self.pending[key] = self.version
            ddb.update_item(TableName=TABLE, Key={"pk": S(pk), "sk": S(sk)},
                            UpdateExpression="SET v = :v, g = :g, l = :l",
                            ExpressionAttributeValues={":v": N(self.version),
                                                       ":g": S(f"g{self.version % 5}"),
                                                       ":l": S(f"l{self.version:08d}")})
        else:
            self.pending[key] = None
            try:
                ddb.delete_item(TableName=TABLE, Key={"pk": S(pk), "sk": S(sk)},
                                ConditionExpression="attribute_exists(pk)")
            except ClientError as e:
                if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                self.pending[key] = self.acked.get(key)  # nothing to delete: unchanged
        self.acked[key] = self.pending.pop(key)

    def settle(self, stored):
        """Checks the stored state against what was written; adopts it as acknowledged."""
        problems = []
        for key in self.keys:
            have = stored.get(key)
            allowed = {self.acked.get(key)}
            if key in self.pending:
                allowed.add(self.pending[key])
            if have not in allowed:
                problems.append(f"{key}: stored {have}, acknowledged {self.acked.get(key)}, "
                                f"in flight {self.pending.get(key, '-')}")
            self.acked[key] = have
        self.pending.clear()
        return problems


def scan(ddb, **kwargs):
    items, kwargs = [], dict(kwargs, TableName=TABLE, ConsistentRead=kwargs.get("ConsistentRead", False))
    while True:
        page = ddb.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def check_indexes(ddb, items, timeout=30):
    expected_gsi = sorted((i["pk"]["S"], i["sk"]["S"], i["g"]["S"]) for i in items)
    deadline = time.time() + timeout
    while True:
        gsi = sorted((i["pk"]["S"], i["sk"]["S"], i["g"]["S"]) for i in scan(ddb, IndexName="by_g"))
        if gsi == expected_gsi:
            break
        if time.time() > deadline:
            return [f"GSI holds {len(gsi)} entries, the items imply {len(expected_gsi)}"]
        time.sleep(0.1)
    lsi = sorted((i["pk"]["S"], i["sk"]["S"], i["l"]["S"])
                 for i in scan(ddb, IndexName="by_l", ConsistentRead=True))
    expected_lsi = sorted((i["pk"]["S"], i["sk"]["S"], i["l"]["S"]) for i in items)
    return [] if lsi == expected_lsi else [f"LSI holds {len(lsi)}, items imply {len(expected_lsi)}"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    server = DdbdProcess().start()
    try:
        ddb = server.client()
        ddb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "g", "l")],
            GlobalSecondaryIndexes=[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            LocalSecondaryIndexes=[{"IndexName": "by_l", "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}])
        workers = [Worker(w, args.seed * 1000 + w) for w in range(args.workers)]
        clients = {}

        def client_of():
            key = (threading.get_ident(), server.port)
            if key not in clients:
                clients[key] = server.client(connect_timeout=1, read_timeout=5)
            return clients[key]

        total_writes = 0
        for round_ in range(1, args.rounds + 1):
            stop = threading.Event()
            threads = [threading.Thread(target=w.run, args=(client_of, stop)) for w in workers]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.3, 2.5))
            server.kill9()
            stop.set()
            for t in threads:
                t.join()
            server.start()
            ddb = server.client()
            items = scan(ddb, ConsistentRead=True)
            stored = {(i["pk"]["S"], i["sk"]["S"]): int(i["v"]["N"]) for i in items}
            problems = []
            for w in workers:
                total_writes += w.version
                problems += w.settle(stored)
            problems += check_indexes(ddb, items)
            print(f"round {round_:2d}: {len(items)} items, lost or wrong: {len(problems)}", flush=True)
            if problems:
                print("\n".join(problems[:20]))
                return 1
        print(f"{args.rounds} rounds, {sum(w.version for w in workers)} writes attempted: "
              "0 lost writes, 0 index mismatches")
        return 0
    finally:
        server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
