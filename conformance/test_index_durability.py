"""Secondary indexes across crashes (ddbd only: these kill -9 and restart servers).

LSI entries are written in the same batch as their item, so items and LSI entries never
disagree. GSIs are fed from the change log with durable cursors, so after a kill -9 during
application or backfill the index converges to exactly the matching items.
"""

import threading
import time

import pytest

from conftest import unique_table_name
from helpers import wait_for

pytestmark = pytest.mark.ddbd_only

S = lambda v: {"S": v}  # noqa: E731
N = lambda v: {"N": str(v)}  # noqa: E731


def scan_all(ddb, table, **kwargs):
    items = []
    for page in ddb.get_paginator("scan").paginate(TableName=table, **kwargs):
        items.extend(page["Items"])
    return items


def batch_put(ddb, table, items):
    for start in range(0, len(items), 25):
        chunk = [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]
        ddb.batch_write_item(RequestItems={table: chunk})


def test_lsi_and_items_agree_after_kill_9_during_writes(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    table = unique_table_name("lsi-crash")
    ddb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "lk")],
        LocalSecondaryIndexes=[{
            "IndexName": "by_lk",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])
    stop = threading.Event()

    def writer(w):
        client = server.client()
        i = 0
        while not stop.is_set():
            try:
                client.put_item(TableName=table, Item={"pk": S(f"p{w}"), "sk": S(f"s{i % 50}"),
                                                       "lk": S(f"l{i}"), "v": N(i)})
            except Exception:  # the server is killed under the writers
                return
            i += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    server.kill9()
    stop.set()
    for t in threads:
        t.join()
    server.start()
    ddb = server.client()
    for w in range(4):
        items = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": S(f"p{w}")}, ConsistentRead=True)["Items"]
        entries = ddb.query(TableName=table, IndexName="by_lk", KeyConditionExpression="pk = :p",
                            ExpressionAttributeValues={":p": S(f"p{w}")}, ConsistentRead=True)["Items"]
        key = lambda item: (item["sk"]["S"], item["lk"]["S"], item["v"]["N"])  # noqa: E731
        assert sorted(map(key, items)) == sorted(map(key, entries))
        assert len(items) > 0


def create_gsi_table(ddb, table, **extra):
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    if "GlobalSecondaryIndexes" in extra:
        definitions.append({"AttributeName": "g", "AttributeType": "S"})
    ddb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=definitions, **extra)


GSI = {"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
       "Projection": {"ProjectionType": "KEYS_ONLY"}}


def gsi_keys(ddb, table):
    return sorted(item["pk"]["S"] for item in scan_all(ddb, table, IndexName="by_g"))


def test_gsi_converges_after_kill_9_during_application(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    table = unique_table_name("gsi-crash")
    create_gsi_table(ddb, table, GlobalSecondaryIndexes=[GSI])
    items = [{"pk": S(f"k{i:05d}"), "g": S(f"g{i % 7}")} for i in range(3000)]
    items += [{"pk": S(f"sparse{i}")} for i in range(100)]  # not in the index
    batch_put(ddb, table, items)
    server.kill9()
    server.start()
    ddb = server.client()
    expected = sorted(f"k{i:05d}" for i in range(3000))
    wait_for(lambda: gsi_keys(ddb, table) == expected)


def test_gsi_backfill_survives_kill_9(ddbd_factory):
    # A pause between backfill chunks of 1000 items makes the backfill last long enough to
    # be killed in the middle of it.
    server = ddbd_factory(extra_args=["--test-backfill-pause-ms", "100"])
    ddb = server.client()
    table = unique_table_name("gsi-backfill")
    create_gsi_table(ddb, table)
    count = 20000
    batch_put(ddb, table, [{"pk": S(f"k{i:06d}"), "g": S(f"g{i % 11}"), "pad": S("x" * 200)}
                           for i in range(count)])
    ddb.update_table(TableName=table,
                     AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                     GlobalSecondaryIndexUpdates=[{"Create": GSI}])
    # Writes continue during the backfill: some new items, some deletes.
    for i in range(count, count + 200):
        ddb.put_item(TableName=table, Item={"pk": S(f"k{i:06d}"), "g": S("new")})
    for i in range(0, 200):
        ddb.delete_item(TableName=table, Key={"pk": S(f"k{i:06d}")})
    index = ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]
    assert (index["IndexStatus"], index.get("Backfilling")) == ("CREATING", True)
    server.kill9()
    server.start()
    ddb = server.client()

    def active():
        index = ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]
        return index["IndexStatus"] == "ACTIVE"

    wait_for(active, timeout=120)
    expected = sorted(f"k{i:06d}" for i in range(200, count + 200))
    wait_for(lambda: gsi_keys(ddb, table) == expected, timeout=30)


def test_update_table_racing_a_backfill_never_undoes_it(ddbd_factory):
    # UpdateTable (throughput and billing changes) while a GSI is backfilled and turns ACTIVE:
    # every change applies to the current descriptor, so none of them puts back a stale one
    # (which once made the index CREATING again, or dropped it).
    server = ddbd_factory(extra_args=["--test-backfill-pause-ms", "30"])
    ddb = server.client()
    table = unique_table_name("gsi-race")
    ddb.create_table(
        TableName=table, ProvisionedThroughput={"ReadCapacityUnits": 100, "WriteCapacityUnits": 100},
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    count = 8000
    batch_put(ddb, table, [{"pk": S(f"k{i:05d}"), "g": S(f"g{i % 5}")} for i in range(count)])
    ddb.update_table(
        TableName=table, AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": dict(GSI, ProvisionedThroughput={
            "ReadCapacityUnits": 5, "WriteCapacityUnits": 5})}])
    seen_active = False
    rounds = 0
    rcu = 100
    while rounds < 40 or not seen_active:
        rounds += 1
        assert rounds < 5000, "the index never became ACTIVE"
        rcu += 1
        ddb.update_table(TableName=table, ProvisionedThroughput={
            "ReadCapacityUnits": rcu, "WriteCapacityUnits": 100})
        described = ddb.describe_table(TableName=table)["Table"]
        assert described["ProvisionedThroughput"]["ReadCapacityUnits"] == rcu
        indexes = described.get("GlobalSecondaryIndexes", [])
        assert [i["IndexName"] for i in indexes] == ["by_g"], "the index was dropped"
        status = indexes[0]["IndexStatus"]
        if seen_active:
            assert status == "ACTIVE", "an UpdateTable undid the finished backfill"
            assert not indexes[0].get("Backfilling", False)
        seen_active |= status == "ACTIVE"
    # A billing-mode change after it keeps the index as it is.
    ddb.update_table(TableName=table, BillingMode="PAY_PER_REQUEST")
    index = ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]
    assert index["IndexStatus"] == "ACTIVE"
    assert gsi_keys(ddb, table) == sorted(f"k{i:05d}" for i in range(count))
