"""DynamoDB Streams: enabling a stream, the Streams API, records per view type (docs/streams.md).

Messages marked "unverified" were not seen in a captured service response.
"""

import pytest
from botocore.exceptions import ClientError

from conftest import unique_table_name
from helpers import N, S, rejected

VIEW_TYPES = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]



def create_stream_table(ddb, view_type="NEW_AND_OLD_IMAGES", range_key=False, tag="strm"):
    name = unique_table_name(tag)
    key_schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        key_schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "sk", "AttributeType": "N"})
    spec = {"StreamEnabled": True, "StreamViewType": view_type} if view_type else None
    kwargs = {"StreamSpecification": spec} if spec else {}
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=key_schema,
                     AttributeDefinitions=definitions, **kwargs)
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return name


@pytest.fixture
def stream_tables(ddb):
    names = []
    yield names
    for name in names:
        try:
            ddb.delete_table(TableName=name)
        except ClientError:
            pass


def read_all(streams, arn, iterator_type="TRIM_HORIZON"):
    """Every record of the stream, parents' shards before their children's."""
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    done, records = set(), []
    while len(done) < len(shards):
        for shard in shards:
            if shard["ShardId"] in done:
                continue
            if shard.get("ParentShardId") and shard["ParentShardId"] not in done and \
                    any(s["ShardId"] == shard["ParentShardId"] for s in shards):
                continue
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                            ShardIteratorType=iterator_type)["ShardIterator"]
            while it:
                page = streams.get_records(ShardIterator=it)
                records += page["Records"]
                if not page["Records"] and "EndingSequenceNumber" not in shard["SequenceNumberRange"]:
                    break  # an open shard read to its end
                it = page.get("NextShardIterator")
            done.add(shard["ShardId"])
    return records


def test_enabling_a_stream_shows_it_in_describe_table(ddb, stream_tables):
    name = create_stream_table(ddb, "NEW_IMAGE")
    stream_tables.append(name)
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    label = table["LatestStreamLabel"]
    assert len(label) == len("2015-05-20T20:51:10.252") and label[10] == "T" and label[19] == "."
    assert table["LatestStreamArn"] == table["TableArn"] + "/stream/" + label


def test_disabling_keeps_the_stream_listed_and_reenabling_makes_a_new_one(ddb, streams, stream_tables):
    name = create_stream_table(ddb, "KEYS_ONLY")
    stream_tables.append(name)
    first = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    table = ddb.describe_table(TableName=name)["Table"]
    assert "StreamSpecification" not in table
    assert table["LatestStreamArn"] == first
    description = streams.describe_stream(StreamArn=first)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    assert description["StreamViewType"] == "KEYS_ONLY"
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True,
                                                          "StreamViewType": "NEW_IMAGE"})
    second = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    assert second != first
    listed = [s["StreamArn"] for s in streams.list_streams(TableName=name)["Streams"]]
    assert listed == [second, first]  # newest first


def test_stream_specification_errors(ddb, stream_tables):
    name = create_stream_table(ddb, "NEW_IMAGE")
    stream_tables.append(name)
    assert rejected(ddb.update_table, TableName=name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}) == (
        "ValidationException", f"Table already has an enabled stream: TableName: {name}")
    assert rejected(ddb.update_table, TableName=name, StreamSpecification={
        "StreamEnabled": False, "StreamViewType": "KEYS_ONLY"}) == (
        "ValidationException", "One or more parameter values were invalid: If stream is being "
        "disabled, then UpdateViewType must not be specified")
    absent = unique_table_name("nostrm")
    assert rejected(ddb.create_table, TableName=absent, BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                    StreamSpecification={"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"}) == (
        "ValidationException", "One or more parameter values were invalid: Table is being created "
        "with a stream disabled, UpdateViewType should not be specified")
    plain = create_stream_table(ddb, None, tag="plain")
    stream_tables.append(plain)
    code, _ = rejected(ddb.update_table, TableName=plain,
                       StreamSpecification={"StreamEnabled": False})
    assert code == "ValidationException"  # message unverified


@pytest.mark.parametrize("view_type", VIEW_TYPES)
def test_records_per_view_type(ddb, streams, stream_tables, view_type):
    name = create_stream_table(ddb, view_type, range_key=True)
    stream_tables.append(name)
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    key = {"pk": S("a"), "sk": N(1)}
    ddb.put_item(TableName=name, Item=dict(key, v=S("one")))
    ddb.put_item(TableName=name, Item=dict(key, v=S("one")))  # changes nothing: no record
    ddb.update_item(TableName=name, Key=key, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": S("two")})
    ddb.delete_item(TableName=name, Key=key)
    records = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    one, two = dict(key, v=S("one")), dict(key, v=S("two"))
    show_new = view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
    show_old = view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    expected = [(one if show_new else None, None), (two if show_new else None, one if show_old else None),
                (None, two if show_old else None)]
    for record, (new, old) in zip(records, expected):
        body = record["dynamodb"]
        assert body["Keys"] == key
        assert body.get("NewImage") == new
        assert body.get("OldImage") == old
        assert body["StreamViewType"] == view_type
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventVersion"] == "1.1"
        assert record["awsRegion"] == "us-east-1"
        assert len(record["eventID"]) == 32
        # SizeBytes: the item sizes of Keys and the images shown.
        size = 2 + 1 + 2 + 2  # pk "a", sk 1
        size += sum(3 + 4 + 1 + len(i["v"]["S"]) for i in (new, old) if i)  # pk, sk, v
        assert body["SizeBytes"] == size
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert all(len(r["dynamodb"]["SequenceNumber"]) >= 21 for r in records)


def test_iterator_types(ddb, streams, stream_tables):
    name = create_stream_table(ddb)
    stream_tables.append(name)
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(i)})
    shard = next(s for s in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
                 if read_shard(streams, arn, s["ShardId"], "TRIM_HORIZON"))
    sid = shard["ShardId"]
    records = read_shard(streams, arn, sid, "TRIM_HORIZON")
    assert len(records) == 3
    second = records[1]["dynamodb"]["SequenceNumber"]
    assert [r["dynamodb"]["NewImage"]["v"] for r in read_shard(streams, arn, sid, "AT_SEQUENCE_NUMBER", second)] == [N(1), N(2)]
    assert [r["dynamodb"]["NewImage"]["v"] for r in read_shard(streams, arn, sid, "AFTER_SEQUENCE_NUMBER", second)] == [N(2)]
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="LATEST")["ShardIterator"]
    assert streams.get_records(ShardIterator=latest)["Records"] == []
    ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(3)})
    page = streams.get_records(ShardIterator=latest, Limit=1)
    assert [r["dynamodb"]["NewImage"]["v"] for r in page["Records"]] == [N(3)]
    assert page["NextShardIterator"]


def read_shard(streams, arn, shard_id, iterator_type, sequence=None):
    kwargs = {"SequenceNumber": sequence} if sequence else {}
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType=iterator_type,
                                    **kwargs)["ShardIterator"]
    records = []
    while it:
        page = streams.get_records(ShardIterator=it)
        records += page["Records"]
        if not page["Records"]:
            break
        it = page.get("NextShardIterator")
    return records


def test_streams_api_errors(ddb, streams, streams_raw, stream_tables):
    name = create_stream_table(ddb)
    stream_tables.append(name)
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    code, _ = rejected(streams.describe_stream, StreamArn=arn[:-3] + "999")
    assert code == "ResourceNotFoundException"
    assert rejected(streams.get_shard_iterator, StreamArn=arn, ShardId="shardId-00000000000000000000-00000000",
                    ShardIteratorType="TRIM_HORIZON") == (
        "ResourceNotFoundException", "Requested resource not found: Shard does not exist")
    code, _ = rejected(streams.get_shard_iterator, StreamArn=arn, ShardId=shard,
                       ShardIteratorType="AT_SEQUENCE_NUMBER")
    assert code == "ValidationException"  # message unverified
    code, message = rejected(streams_raw.get_records, ShardIterator="x" * 30, Limit=1001)
    assert code == "ValidationException"
    assert "'limit' failed to satisfy constraint: Member must have value less than or equal to 1000" in message
    code, _ = rejected(streams.get_records, ShardIterator=arn + "|1|bm90IGFuIGl0ZXJhdG9y")
    assert code == "ValidationException"  # message unverified


def test_limit_and_paging(ddb, streams, stream_tables):
    name = create_stream_table(ddb, "KEYS_ONLY")
    stream_tables.append(name)
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    for i in range(30):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}")})
    shards = streams.describe_stream(StreamArn=arn, Limit=1)["StreamDescription"]
    assert len(shards["Shards"]) == 1
    assert shards["LastEvaluatedShardId"] == shards["Shards"][0]["ShardId"]
    rest = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=shards["LastEvaluatedShardId"])
    count = 0
    for shard in shards["Shards"] + rest["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while True:
            page = streams.get_records(ShardIterator=it, Limit=2)
            assert len(page["Records"]) <= 2
            count += len(page["Records"])
            if not page["Records"]:
                break
            it = page["NextShardIterator"]
    assert count == 30
