"""Capacity: throttling of provisioned tables and hot partitions, partition splits
(ddbd only: these start servers with throttling enforced and small limits, and read the
per-partition view at GET /partitions)."""

import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import unique_table_name
from helpers import partitions, raw_call

pytestmark = pytest.mark.ddbd_only

S = lambda v: {"S": v}  # noqa: E731
N = lambda v: {"N": str(v)}  # noqa: E731
THROTTLED = "ProvisionedThroughputExceededException"


def write_at_rate(ddb, table, rate, seconds, key=lambda i: f"k{i}"):
    """Puts items at about `rate` per second; returns (writes, throttles)."""
    throttles = 0
    start = time.time()
    i = 0
    while time.time() - start < seconds:
        try:
            ddb.put_item(TableName=table, Item={"pk": S(key(i)), "v": N(i)})
        except ClientError as e:
            assert e.response["Error"]["Code"] == THROTTLED, e.response
            throttles += 1
        i += 1
        time.sleep(max(0.0, start + i / rate - time.time()))
    return i, throttles


def test_provisioned_table_throttles_once_burst_is_spent(ddbd_factory):
    # One second of burst credit instead of the service's 300 keeps the test short.
    server = ddbd_factory(extra_args=["--burst-seconds", "1"], throttling=True)
    ddb = server.client()
    table = unique_table_name("wcu10")
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10})
    writes, throttles = write_at_rate(ddb, table, rate=50, seconds=3)
    assert throttles > writes / 2, (writes, throttles)
    # The exact message of a provisioned table.
    with pytest.raises(ClientError) as info:
        for i in range(100):
            ddb.put_item(TableName=table, Item={"pk": S(f"x{i}")})
    assert info.value.response["Error"]["Message"] == (
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.")
    # ThrottlingReasons (API model): what was throttled, and why.
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    status, answer = raw_call(server.endpoint, "PutItem", {"TableName": table, "Item": {"pk": S("y")}})
    while status == 200:
        status, answer = raw_call(server.endpoint, "PutItem", {"TableName": table, "Item": {"pk": S("y")}})
    assert answer["ThrottlingReasons"] == [
        {"reason": "TableWriteProvisionedThroughputExceeded", "resource": arn}]
    status, answer = raw_call(server.endpoint, "GetItem", {"TableName": table, "Key": {"pk": S("y")}})
    while status == 200:
        status, answer = raw_call(server.endpoint, "GetItem", {"TableName": table, "Key": {"pk": S("y")}})
    assert answer["ThrottlingReasons"] == [
        {"reason": "TableReadProvisionedThroughputExceeded", "resource": arn}]
    ddb.update_table(TableName=table,
                     ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 1000})
    time.sleep(0.2)
    writes, throttles = write_at_rate(ddb, table, rate=50, seconds=2)
    assert throttles == 0, (writes, throttles)
    assert sum(p["throttledWrites"] for p in partitions(server, table)) > 0


def batch_writer(endpoint_client, table, key_of, stop, counters):
    ddb = endpoint_client()
    pad = "x" * 1000
    n = 0
    while not stop.is_set():
        items = [{"PutRequest": {"Item": {"pk": S(key_of(n + j)), "sk": N(n + j), "pad": S(pad)}}}
                 for j in range(25)]
        n += 25
        try:
            r = ddb.batch_write_item(RequestItems={table: items})
            counters["unprocessed"] += sum(len(v) for v in r["UnprocessedItems"].values())
        except ClientError as e:
            assert e.response["Error"]["Code"] == THROTTLED
            counters["unprocessed"] += 25
        counters["sent"] += 25


def run_load(server, table, key_of, seconds=3.0, threads=4):
    stop = threading.Event()
    counters = {"sent": 0, "unprocessed": 0}
    workers = [threading.Thread(target=batch_writer, args=(server.client, table, key_of, stop, counters))
               for _ in range(threads)]
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    return counters


def create_on_demand(ddb, table):
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}])


def test_hot_partition_throttles_where_spread_keys_do_not(ddbd_factory):
    server = ddbd_factory(throttling=True)
    ddb = server.client()
    hot, spread = unique_table_name("hot"), unique_table_name("spread")
    create_on_demand(ddb, hot)
    create_on_demand(ddb, spread)
    # ~1 KB items in batches of 25: well over a partition's 1000 WCU/s for one key.
    hot_counts = run_load(server, hot, key_of=lambda i: "the-one-key")
    spread_counts = run_load(server, spread, key_of=lambda i: f"key-{i}")
    hot_rate = hot_counts["sent"] / 3.0
    assert hot_counts["unprocessed"] > 0, hot_counts
    # The spread table received at least as much, over its 4 partitions, and was not throttled
    # beyond a partition's ceiling of 1000 WCU/s each.
    if spread_counts["sent"] / 3.0 < 3500:
        assert spread_counts["unprocessed"] == 0, spread_counts
    views = partitions(server, hot)
    assert len(views) == 4
    hot_partitions = [p for p in views if p["throttledWrites"] > 0]
    assert len(hot_partitions) == 1, views
    assert hot_rate > 0


def test_a_bulk_load_into_a_new_on_demand_table_goes_through(ddbd_factory):
    """10,000 items of 10 KB (100,000 write units) in batches of 25, unprocessed items re-sent
    at once and SDK retries off, into a table created a moment before: as on the service, the
    load goes through (a new on-demand table banks unused capacity, and the load is spread over
    many keys), so it never fails with ProvisionedThroughputExceededException."""
    server = ddbd_factory(throttling=True)
    ddb = server.client()  # retries off, as every conformance client
    table = unique_table_name("bulk")
    create_on_demand(ddb, table)
    pad = "x" * 10000
    for start in range(0, 10000, 25):
        requests = [{"PutRequest": {"Item": {"pk": S(f"k{i}"), "sk": N(i), "pad": S(pad)}}}
                    for i in range(start, start + 25)]
        while requests:
            answer = ddb.batch_write_item(RequestItems={table: requests})
            requests = answer.get("UnprocessedItems", {}).get(table, [])
    assert ddb.describe_table(TableName=table)["Table"]["ItemCount"] == 10000


def test_a_sustained_hot_key_meets_the_per_key_ceiling(ddbd_factory):
    """One key written far above 1000 write units a second is throttled within seconds, even in
    a new table whose partitions have burst credit to spare."""
    server = ddbd_factory(throttling=True)
    ddb = server.client()
    table = unique_table_name("hotkey")
    create_on_demand(ddb, table)
    counts = run_load(server, table, key_of=lambda i: "the-one-key", seconds=3.0)
    assert counts["unprocessed"] > 0, counts
    assert sum(p["throttledWrites"] for p in partitions(server, table)) > 0


def test_size_triggered_split_keeps_items_readable_and_ordered(ddbd_factory):
    server = ddbd_factory(extra_args=["--partition-split-bytes", "200000"])
    ddb = server.client()
    table = unique_table_name("split")
    create_on_demand(ddb, table)
    pad = "y" * 1000
    for start in range(0, 2000, 25):
        ddb.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": S(f"p{i % 40}"), "sk": N(i), "pad": S(pad)}}}
            for i in range(start, start + 25)]})
    before = len(partitions(server, table))
    assert before > 4, before

    def check(client):
        for p in range(40):
            items = client.query(TableName=table, KeyConditionExpression="pk = :p",
                                 ExpressionAttributeValues={":p": S(f"p{p}")}, ConsistentRead=True)["Items"]
            assert [int(it["sk"]["N"]) for it in items] == list(range(p, 2000, 40))
        assert ddb.describe_table(TableName=table)["Table"]["ItemCount"] == 2000

    check(ddb)
    server.stop()
    server.start()
    ddb = server.client()
    check(ddb)
    assert len(partitions(server, table)) == before


def test_on_demand_maximum_throttles_the_table(ddbd_factory):
    server = ddbd_factory(throttling=True)
    ddb = server.client()
    table = unique_table_name("odmax")
    status, _ = raw_call(server.endpoint, "CreateTable", {
        "TableName": table, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "OnDemandThroughput": {"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 10}})
    assert status == 200
    status, desc = raw_call(server.endpoint, "DescribeTable", {"TableName": table})
    assert desc["Table"]["OnDemandThroughput"] == {"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 10}
    throttled = 0
    for i in range(200):
        try:
            ddb.put_item(TableName=table, Item={"pk": S(f"k{i}")})
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ThrottlingException"
            throttled += 1
    assert throttled > 100
    status, answer = raw_call(server.endpoint, "PutItem", {"TableName": table, "Item": {"pk": S("z")}})
    assert status == 400
    assert answer["throttlingReasons"] == [{"reason": "TableWriteMaxOnDemandThroughputExceeded",
                                            "resource": desc["Table"]["TableArn"]}]
    # Raising the maximum lifts the limit.
    status, _ = raw_call(server.endpoint, "UpdateTable", {
        "TableName": table, "OnDemandThroughput": {"MaxReadRequestUnits": -1, "MaxWriteRequestUnits": -1}})
    assert status == 200
    time.sleep(0.1)
    for i in range(50):
        ddb.put_item(TableName=table, Item={"pk": S(f"after{i}")})
