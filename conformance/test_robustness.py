"""Hostile and oversized input, bounded resources (issue 9).

Strings must be valid Unicode: the service cannot decode a body with invalid UTF-8 or a lone
surrogate and answers SerializationException, before any write. The rest is ddbd_only: what
/metrics holds, how much WAL a data directory keeps, and index counters.
"""

import json
import os
import time
import urllib.request

import pytest

from conftest import unique_table_name
from helpers import S, get, new_key, wait_for
from test_protocol import Wire

SERIALIZATION = "com.amazon.coral.service#SerializationException"


@pytest.mark.parametrize("body", [
    '{{"TableName": "{t}", "Item": {{"pk": {{"S": "{k}"}}, "a": {{"S": "\\udc00"}}}}}}',
    '{{"TableName": "{t}", "Item": {{"pk": {{"S": "{k}"}}, "a": {{"S": "x\\ud800"}}}}}}',
    '{{"TableName": "{t}", "Item": {{"pk": {{"S": "{k}"}}, "\\ud800name": {{"S": "v"}}}}}}',
    '{{"TableName": "{t}", "Item": {{"pk": {{"S": "{k}"}}, "a": {{"SS": ["ok", "\\udfff"]}}}}}}',
])
def test_lone_surrogates_are_rejected_before_any_write(endpoint, credentials, ddb, table_s, body):
    key = new_key()
    wire = Wire(endpoint, credentials)
    try:
        reply = wire.send("PutItem", body=body.format(t=table_s, k=key).encode())
    finally:
        wire.close()
    assert reply.status == 400
    assert reply.type == SERIALIZATION
    assert get(ddb, table_s, {"pk": S(key)}) is None


@pytest.mark.parametrize("raw", [b"\xed\xa0\x80", b"\xc3\x28", b"\xff", b"\xf4\x90\x80\x80"])
def test_invalid_utf8_is_rejected(endpoint, credentials, ddb, table_s, raw):
    key = new_key()
    body = b'{"TableName": "' + table_s.encode() + b'", "Item": {"pk": {"S": "' + key.encode() + \
        b'"}, "a": {"S": "' + raw + b'"}}}'
    wire = Wire(endpoint, credentials)
    try:
        reply = wire.send("PutItem", body=body)
    finally:
        wire.close()
    assert reply.type == SERIALIZATION
    assert get(ddb, table_s, {"pk": S(key)}) is None


def test_a_surrogate_pair_is_fine(ddb_raw, table_s):
    key = new_key()
    ddb_raw.put_item(TableName=table_s, Item={"pk": S(key), "a": S("\U0001F600")})
    assert get(ddb_raw, table_s, {"pk": S(key)})["a"] == S("\U0001F600")


@pytest.mark.ddbd_only
def test_unknown_targets_do_not_grow_metrics(ddbd_factory):
    server = ddbd_factory()
    wire = Wire(server.endpoint, ("AKIDROBUST", "secret"))
    try:
        for i in range(5000):
            wire.send(None, {}, target=f"DynamoDB_20120810.Nope{i}")
    finally:
        wire.close()
    with urllib.request.urlopen(f"{server.endpoint}/metrics") as r:
        text = r.read()
    assert len(text) < 1 << 20
    assert b"Nope" not in text
    assert b'operation="unknown"' in text


@pytest.mark.ddbd_only
def test_gsi_item_count_after_a_backfill_under_writes(ddbd_factory):
    server = ddbd_factory(extra_args=["--test-backfill-pause-ms", "50"])
    ddb = server.client()
    table = unique_table_name("gsicount")
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for start in range(0, 3000, 25):
        ddb.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": S(f"k{i}"), "g": S("x")}}} for i in range(start, start + 25)]})
    ddb.update_table(TableName=table,
                     AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                     GlobalSecondaryIndexUpdates=[{"Create": {
                         "IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                         "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    # Writes during the backfill: new items, and items the scan has not reached yet.
    for i in range(3000, 3200):
        ddb.put_item(TableName=table, Item={"pk": S(f"k{i}"), "g": S("x")})
    for i in range(2900, 3000):
        ddb.put_item(TableName=table, Item={"pk": S(f"k{i}"), "g": S("x"), "v": S("new")})

    def index():
        return ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]

    wait_for(lambda: index()["IndexStatus"] == "ACTIVE", timeout=60)
    assert index()["ItemCount"] == 3200
    held = ddb.query(TableName=table, IndexName="by_g", KeyConditionExpression="g = :x",
                     ExpressionAttributeValues={":x": S("x")}, Select="COUNT")
    count = held["Count"]
    while "LastEvaluatedKey" in held:
        held = ddb.query(TableName=table, IndexName="by_g", KeyConditionExpression="g = :x",
                         ExpressionAttributeValues={":x": S("x")}, Select="COUNT",
                         ExclusiveStartKey=held["LastEvaluatedKey"])
        count += held["Count"]
    assert count == 3200


def wal_bytes(data_dir):
    return sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir)
               if f.endswith(".log"))


@pytest.mark.ddbd_only
def test_wal_stays_bounded_with_many_tables(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    tables = [unique_table_name(f"wal{i}") for i in range(30)]
    for t in tables:
        ddb.create_table(TableName=t, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        ddb.put_item(TableName=t, Item={"pk": S("one")})  # every table holds some WAL
    pad = "x" * 16000
    written = 0
    i = 0
    while written < 200 << 20:
        ddb.batch_write_item(RequestItems={tables[0]: [
            {"PutRequest": {"Item": {"pk": S(f"k{i}-{j}"), "pad": S(pad)}}} for j in range(25)]})
        written += 25 * len(pad)
        i += 1
    time.sleep(1)
    assert wal_bytes(server.data_dir) < 300 << 20
