"""Streams over time and under load (ddbd only: a moved clock, partition splits, restarts).

The server runs with --test-hooks, so tests move its clock forward (POST /test/advance-clock)
instead of sleeping through 24 hours of retention or 15 minutes of iterator lifetime.
"""

import random
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import unique_table_name
from helpers import N, S, wait_for
from test_streams import read_all

pytestmark = pytest.mark.ddbd_only


def advance(server, seconds):
    req = urllib.request.Request(f"{server.endpoint}/test/advance-clock?seconds={seconds}",
                                 method="POST")
    urllib.request.urlopen(req).read()


def create(ddb, view_type="NEW_AND_OLD_IMAGES"):
    name = unique_table_name("life")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type})
    return name, ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def test_iterators_expire_after_15_minutes(ddbd_factory):
    server = ddbd_factory(extra_args=["--test-hooks"])
    ddb, streams = server.client(), server.streams_client()
    name, arn = create(ddb)
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    advance(server, 14 * 60)
    next_iterator = streams.get_records(ShardIterator=iterator)["NextShardIterator"]
    advance(server, 2 * 60)
    with pytest.raises(ClientError) as excinfo:
        streams.get_records(ShardIterator=iterator)
    assert excinfo.value.response["Error"] == {
        "Code": "ExpiredIteratorException",
        "Message": "The provided iterator exceeds the maximum age allowed."}  # unverified
    # The iterator GetRecords returned is younger.
    streams.get_records(ShardIterator=next_iterator)


def test_records_are_trimmed_after_24_hours(ddbd_factory):
    server = ddbd_factory(extra_args=["--test-hooks"])
    ddb, streams = server.client(), server.streams_client()
    name, arn = create(ddb)
    for i in range(5):
        ddb.put_item(TableName=name, Item={"pk": S(f"old{i}")})
    old = read_all(streams, arn)
    assert len(old) == 5
    advance(server, 23 * 3600)
    ddb.put_item(TableName=name, Item={"pk": S("young")})
    time.sleep(1.5)  # the trimmer's pass
    assert len(read_all(streams, arn)) == 6  # nothing is older than 24 hours yet
    advance(server, 2 * 3600)

    def keys_left():
        try:
            return [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, arn)]
        except ClientError as e:
            # As the service documents: an iterator taken just before a trim pass points at
            # trimmed records by the time GetRecords uses it.
            assert e.response["Error"]["Code"] == "TrimmedDataAccessException"
            return None
    wait_for(lambda: keys_left() == ["young"])
    # A position among the trimmed records is gone.
    record = old[0]
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    for shard in shards:
        try:
            streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                       ShardIteratorType="AT_SEQUENCE_NUMBER",
                                       SequenceNumber=record["dynamodb"]["SequenceNumber"])
        except ClientError as e:
            assert e.response["Error"]["Code"] in ("TrimmedDataAccessException", "ValidationException")
            if e.response["Error"]["Code"] == "TrimmedDataAccessException":
                assert e.response["Error"]["Message"] == \
                    "The data you are trying to access has been trimmed"
                break
    else:
        pytest.fail("no shard reported the trimmed record")


def test_a_disabled_stream_is_readable_for_24_hours(ddbd_factory):
    server = ddbd_factory(extra_args=["--test-hooks"])
    ddb, streams = server.client(), server.streams_client()
    name, arn = create(ddb, "KEYS_ONLY")
    ddb.put_item(TableName=name, Item={"pk": S("a")})
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    ddb.put_item(TableName=name, Item={"pk": S("b")})  # after the stream: not in it
    assert [r["dynamodb"]["Keys"] for r in read_all(streams, arn)] == [{"pk": S("a")}]
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in shards)
    server.restart()
    streams = server.streams_client()
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    advance(server, 25 * 3600)
    wait_for(lambda: streams.list_streams(TableName=name)["Streams"] == [])


def test_every_write_once_in_order_across_a_partition_split(ddbd_factory):
    """10,000 puts, updates and deletes over 500 keys while the table's partitions split: read
    from TRIM_HORIZON, parents before children, every write is there exactly once, each key's
    records in the order of its writes, with the images as written."""
    server = ddbd_factory(extra_args=["--partition-split-bytes", "20000"])
    ddb, streams = server.client(), server.streams_client()
    name, arn = create(ddb)
    rng = random.Random(7)
    state, expected = {}, {}
    for i in range(10000):
        key = f"k{rng.randrange(500)}"
        old = state.get(key)
        op = rng.random()
        if op < 0.15 and old is not None:
            ddb.delete_item(TableName=name, Key={"pk": S(key)})
            new = None
        elif op < 0.45 and old is not None:
            ddb.update_item(TableName=name, Key={"pk": S(key)}, UpdateExpression="SET v = :v",
                            ExpressionAttributeValues={":v": N(i)})
            new = dict(old, v=N(i))
        else:
            new = {"pk": S(key), "v": N(i), "pad": S("x" * 300)}
            ddb.put_item(TableName=name, Item=new)
        expected.setdefault(key, []).append((old, new))
        state[key] = new
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert any(s.get("ParentShardId") for s in shards), "no partition split happened"
    records = read_all(streams, arn)
    assert len(records) == 10000
    got = {}
    for r in records:
        body = r["dynamodb"]
        got.setdefault(body["Keys"]["pk"]["S"], []).append((body.get("OldImage"), body.get("NewImage")))
    assert got == expected
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert len(set(numbers)) == len(numbers)
