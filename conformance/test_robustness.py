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


# --------------------------------------------------------------------------------------------
# Running out of things: disk space, descriptors, memory (ddbd only).


def count_index(ddb, table, index, value):
    kwargs = dict(TableName=table, IndexName=index, KeyConditionExpression="g = :x",
                  ExpressionAttributeValues={":x": S(value)}, Select="COUNT")
    total = 0
    while True:
        page = ddb.query(**kwargs)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def small_disk(tmp_path):
    """A 128 MB tmpfs (needs root); skipped where it cannot be mounted."""
    import subprocess
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=128m", "tmpfs", str(mount)]).returncode != 0:
        pytest.skip("needs root to mount a tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)])


# With the default guard ddbd refuses writes before the disk is full; with the guard off,
# RocksDB itself meets ENOSPC and ddbd recovers from that too.
@pytest.mark.ddbd_only
@pytest.mark.parametrize("min_free", [str(32 << 20), "0"])
def test_disk_full_fails_writes_keeps_reads_and_recovers(ddbd_factory, small_disk, min_free):
    from botocore.exceptions import ClientError
    server = ddbd_factory(data_dir=str(small_disk / "data"),
                          extra_args=["--min-free-disk-bytes", min_free])
    ddb = server.client()
    table = unique_table_name("full")
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "g", "AttributeType": "S"}],
                     GlobalSecondaryIndexes=[{"IndexName": "by_g",
                                              "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                              "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    filler = small_disk / "filler"
    # Something else fills the disk, leaving room for ~2,000 more items above the guard.
    fs = os.statvfs(str(small_disk))
    filler.write_bytes(b"x" * (fs.f_bavail * fs.f_frsize - int(min_free) - (16 << 20)))
    acked, failures, i = [], 0, 0
    while failures < 30:
        key = f"k{i}"
        i += 1
        try:
            ddb.put_item(TableName=table, Item={"pk": S(key), "g": S("x"), "pad": S("p" * 8000)})
            acked.append(key)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "InternalServerError"
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 500
            failures += 1
        assert server.running, "ddbd exited on a full disk"
    assert acked, "nothing was written before the disk filled"
    assert get(ddb, table, {"pk": S(acked[0])})["pk"] == S(acked[0])  # reads keep working
    with urllib.request.urlopen(f"{server.endpoint}/metrics") as r:
        assert b"ddbd_storage_writable 0" in r.read()

    filler.unlink()
    deadline = time.time() + 20
    while True:
        try:
            ddb.put_item(TableName=table, Item={"pk": S("after"), "g": S("x")})
            acked.append("after")
            break
        except ClientError:
            assert time.time() < deadline, "writes did not resume after space was freed"
            time.sleep(0.1)
    wait_for(lambda: count_index(ddb, table, "by_g", "x") == len(acked))
    server.kill9()
    server.start()
    ddb = server.client()
    for key in acked:
        assert get(ddb, table, {"pk": S(key)}) is not None, f"{key} lost"
    wait_for(lambda: count_index(ddb, table, "by_g", "x") == len(acked))


def server_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.ddbd_only
def test_descriptor_limit_with_many_idle_connections(ddbd_factory):
    import socket
    server = ddbd_factory(launcher=["prlimit", "--nofile=256:256"])
    ddb = server.client()
    table = unique_table_name("fds")
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    ddb.list_tables()  # this client's keep-alive connection is open before the flood
    idle = []
    try:
        for _ in range(300):
            idle.append(socket.create_connection(("127.0.0.1", server.port)))
        time.sleep(0.5)
        before = server_cpu(server.proc.pid)
        time.sleep(1.0)
        assert server_cpu(server.proc.pid) - before < 0.2, "the server spins at its limit"
        # 20 MB of writes: the storage switches memtables and opens new files meanwhile.
        for i in range(2000):
            ddb.put_item(TableName=table, Item={"pk": S(f"k{i}"), "pad": S("x" * 10000)})
    finally:
        for sock in idle:
            sock.close()
    # Once the idle ones go, new clients are served and writes work without a restart.
    fresh = server.client()
    for i in range(200):
        fresh.put_item(TableName=table, Item={"pk": S(f"after{i}"), "pad": S("x" * 1000)})
    assert get(fresh, table, {"pk": S("after199")}) is not None
    assert server.running


@pytest.mark.ddbd_only
def test_slow_large_uploads_keep_memory_bounded(ddbd_factory):
    import socket
    import threading
    server = ddbd_factory()
    size = 15 << 20
    body = (b'{"TableName": "x", "Item": {"pk": {"S": "' + b"p" * (size - 100))
    body += b'"}}}'

    def upload():
        with socket.create_connection(("127.0.0.1", server.port), timeout=120) as conn:
            conn.sendall((f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "X-Amz-Target: DynamoDB_20120810.PutItem\r\n"
                          "Content-Type: application/x-amz-json-1.0\r\n"
                          "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261203/us-east-1/"
                          "dynamodb/aws4_request, SignedHeaders=host, Signature=" + "0" * 64 + "\r\n"
                          f"X-Amz-Date: 20261203T000000Z\r\nContent-Length: {len(body)}\r\n\r\n").encode())
            for start in range(0, len(body), 1 << 20):
                conn.sendall(body[start:start + (1 << 20)])
                time.sleep(0.05)
            assert conn.recv(100).startswith(b"HTTP/1.1")

    threads = [threading.Thread(target=upload) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(f"/proc/{server.proc.pid}/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    assert peak < 400 * 1024, f"peak RSS {peak // 1024} MB"
