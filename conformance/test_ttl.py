"""Time to Live: UpdateTimeToLive / DescribeTimeToLive as the service answers them, and a
sweeper that really deletes expired items (ddbd-only tests start servers with
--ttl-interval 1, and --test-hooks to move the clock)."""

import random
import time
import urllib.request

import pytest

from conftest import unique_table_name
from helpers import N, S, metric, partitions, rejected, scan_count, wait_for
from test_streams import read_all

VALIDATION = "ValidationException"


def ttl_spec(ddb, name, enabled, attribute="exp"):
    return ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": enabled, "AttributeName": attribute})



def test_enabling_and_describing(ddb, table_factory):
    name = table_factory(tag="ttl")
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"}
    answer = ttl_spec(ddb, name, True)
    assert answer["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "exp"}
    description = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert description["AttributeName"] == "exp"
    assert description["TimeToLiveStatus"] in ("ENABLING", "ENABLED")


def test_the_services_errors(ddb, table_factory):
    name = table_factory(tag="ttlerr")
    # Disabling when disabled, enabling when enabled (message as the service answers).
    assert rejected(ttl_spec, ddb=ddb, name=name, enabled=False) == (
        VALIDATION, "TimeToLive is already disabled")
    ttl_spec(ddb, name, True)
    assert rejected(ttl_spec, ddb=ddb, name=name, enabled=True) == (
        VALIDATION, "TimeToLive is already enabled")
    # Another attribute while enabled, to enable or to disable; these come before the interval
    # check (aws-controllers-k8s/dynamodb-controller docs/api-quirks, DDB-TABLE-146/147).
    for enabled in (True, False):
        assert rejected(ttl_spec, ddb=ddb, name=name, enabled=enabled, attribute="other") == (
            VALIDATION,
            "TimeToLive is active on a different AttributeName: current AttributeName is exp")
    # A second change within the hour (quoted from the service: aws/aws-cdk pull request 13720).
    assert rejected(ttl_spec, ddb=ddb, name=name, enabled=False) == (
        VALIDATION, "Time to live has been modified multiple times within a fixed interval")


def test_attribute_name_limits(ddb_raw, table_factory):
    name = table_factory(tag="ttlname")
    code, message = rejected(ddb_raw.update_time_to_live, TableName=name,
                             TimeToLiveSpecification={"Enabled": True, "AttributeName": ""})
    assert (code, message) == (VALIDATION, "1 validation error detected: Value '' at "
                                           "'timeToLiveSpecification.attributeName' failed to "
                                           "satisfy constraint: Member must have length greater "
                                           "than or equal to 1")
    code, message = rejected(ddb_raw.update_time_to_live, TableName=name,
                             TimeToLiveSpecification={"Enabled": True, "AttributeName": "a" * 256})
    assert (code, message) == (VALIDATION, "1 validation error detected: Value '" + "a" * 256 +
                               "' at 'timeToLiveSpecification.attributeName' failed to satisfy "
                               "constraint: Member must have length less than or equal to 255")
    null = "' at 'timeToLiveSpecification.{}' failed to satisfy constraint: Member must not be null"
    assert rejected(ddb_raw.update_time_to_live, TableName=name,
                    TimeToLiveSpecification={"Enabled": True}) == (
        VALIDATION, "1 validation error detected: Value null" + null.format("attributeName")[1:])
    assert rejected(ddb_raw.update_time_to_live, TableName=name,
                    TimeToLiveSpecification={}) == (
        VALIDATION, "2 validation errors detected: Value null" + null.format("attributeName")[1:] +
        "; Value null" + null.format("enabled")[1:])


def test_unknown_table(ddb):
    missing = unique_table_name("nottl")
    expected = ("ResourceNotFoundException", f"Requested resource not found: Table: {missing} not found")
    assert rejected(ddb.describe_time_to_live, TableName=missing) == expected
    assert rejected(ttl_spec, ddb=ddb, name=missing, enabled=True) == expected


# --------------------------------------------------------------------------
# The sweeper (ddbd only)
# --------------------------------------------------------------------------

def create_indexed_table(ddb, streams=False):
    name = unique_table_name("sweep")
    extra = {}
    if streams:
        extra["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "g", "AttributeType": "S"},
                              {"AttributeName": "l", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[{"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        LocalSecondaryIndexes=[{"IndexName": "byL", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                 {"AttributeName": "l", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        **extra)
    return name


def put_all(ddb, name, items):
    for i in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[i:i + 25]]
        while requests:
            answer = ddb.batch_write_item(RequestItems={name: requests})
            requests = answer.get("UnprocessedItems", {}).get(name, [])


@pytest.mark.ddbd_only
def test_ten_thousand_items_go_within_seconds_of_their_expiry(ddbd_factory):
    """10,000 items expiring over 10 s leave the table, its GSI and its LSI within 3 s of their
    expiry and never before it; items with a future, a string or an ancient expiry stay; no
    capacity is consumed."""
    server = ddbd_factory(extra_args=["--ttl-interval", "1"])
    ddb = server.client()
    name = create_indexed_table(ddb)
    ttl_spec(ddb, name, True)
    start = int(time.time()) + 20  # after the load, even on a slow machine
    rng = random.Random(5)
    expiries = [start + rng.randrange(10) for _ in range(10000)]
    items = [{"pk": S(f"p{i % 100}"), "sk": N(i), "g": S(f"g{i % 50}"), "l": N(i), "exp": N(e)}
             for i, e in enumerate(expiries)]
    keep = [{"pk": S("keep"), "sk": N(1), "g": S("k"), "l": N(1), "exp": N(start + 3600)},
            {"pk": S("keep"), "sk": N(2), "g": S("k"), "l": N(2), "exp": S(str(start - 100))},
            {"pk": S("keep"), "sk": N(3), "g": S("k"), "l": N(3), "exp": N(start - 6 * 365 * 86400)},
            {"pk": S("keep"), "sk": N(4), "g": S("k"), "l": N(4)}]
    put_all(ddb, name, items + keep)
    assert time.time() < start, "the load took too long for the test's schedule"
    time.sleep(max(0.0, start - 2 - time.time()))
    consumed_before = sum(p["consumedWriteUnits"] for p in partitions(server, name))
    while time.time() < start + 14:
        now = time.time()
        remaining = scan_count(ddb, name) - len(keep)
        not_yet = sum(1 for e in expiries if e >= int(now) - 0)  # expiry not passed: must stay
        due = sum(1 for e in expiries if e + 3 >= now)           # may still be there
        assert not_yet - 50 <= remaining <= due, (now - start, remaining, not_yet, due)
        time.sleep(0.5)
    wait_for(lambda: scan_count(ddb, name) == len(keep), timeout=5)
    assert scan_count(ddb, name, "byG") == len(keep)
    assert scan_count(ddb, name, "byL") == len(keep)
    assert sum(p["consumedWriteUnits"] for p in partitions(server, name)) == consumed_before
    assert metric(server, "ddbd_ttl_deleted_items_total") == 10000


@pytest.mark.ddbd_only
def test_stream_records_of_ttl_deletions_carry_the_service_identity(ddbd_factory):
    server = ddbd_factory(extra_args=["--ttl-interval", "1"])
    ddb, streams = server.client(), server.streams_client()
    name = create_indexed_table(ddb, streams=True)
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    ttl_spec(ddb, name, True)
    past = int(time.time()) - 5
    ddb.put_item(TableName=name, Item={"pk": S("a"), "sk": N(1), "exp": N(past)})
    wait_for(lambda: scan_count(ddb, name) == 0, timeout=10)
    records = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "REMOVE"]
    assert "userIdentity" not in records[0]
    # boto3 reads the model's member names (PrincipalId, Type).
    assert records[1]["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    assert records[1]["dynamodb"]["OldImage"]["exp"] == N(past)


@pytest.mark.ddbd_only
def test_enabling_ttl_on_a_table_with_expired_items_deletes_them(ddbd_factory):
    server = ddbd_factory(extra_args=["--ttl-interval", "1"])
    ddb = server.client()
    name = create_indexed_table(ddb)
    past = int(time.time()) - 60
    put_all(ddb, name, [{"pk": S("p"), "sk": N(i), "exp": N(past)} for i in range(3000)] +
            [{"pk": S("p"), "sk": N(-1), "exp": N(past + 7200)}])
    time.sleep(1.5)
    assert scan_count(ddb, name) == 3001  # nothing goes while TTL is off
    ttl_spec(ddb, name, True)
    wait_for(lambda: scan_count(ddb, name) == 1, timeout=20)


@pytest.mark.ddbd_only
def test_an_update_that_moves_the_expiry_is_honoured(ddbd_factory):
    server = ddbd_factory(extra_args=["--ttl-interval", "1", "--test-hooks"])
    ddb = server.client()
    name = create_indexed_table(ddb)
    ttl_spec(ddb, name, True)
    now = int(time.time())
    ddb.put_item(TableName=name, Item={"pk": S("a"), "sk": N(1), "exp": N(now + 3600)})
    ddb.put_item(TableName=name, Item={"pk": S("a"), "sk": N(2), "exp": N(now + 3600)})
    # One item's expiry moves later, one's is removed: neither goes at the old time.
    ddb.update_item(TableName=name, Key={"pk": S("a"), "sk": N(1)}, UpdateExpression="SET exp = :e",
                    ExpressionAttributeValues={":e": N(now + 7 * 86400)})
    ddb.update_item(TableName=name, Key={"pk": S("a"), "sk": N(2)}, UpdateExpression="REMOVE exp")
    urllib.request.urlopen(urllib.request.Request(
        f"{server.endpoint}/test/advance-clock?seconds=7200", method="POST")).read()
    time.sleep(2.5)
    assert scan_count(ddb, name) == 2
    urllib.request.urlopen(urllib.request.Request(
        f"{server.endpoint}/test/advance-clock?seconds={8 * 86400}", method="POST")).read()
    wait_for(lambda: scan_count(ddb, name) == 1, timeout=10)


@pytest.mark.ddbd_only
def test_kill_9_mid_sweep_loses_nothing_and_deletes_nothing_early(ddbd_factory, tmp_path):
    server = ddbd_factory(extra_args=["--ttl-interval", "1"], data_dir=str(tmp_path / "data"))
    ddb = server.client()
    name = create_indexed_table(ddb)
    ttl_spec(ddb, name, True)
    now = int(time.time())
    expiring = [{"pk": S(f"x{i % 20}"), "sk": N(i), "g": S("g"), "exp": N(now + 2)} for i in range(5000)]
    staying = [{"pk": S(f"s{i % 20}"), "sk": N(i), "g": S("g"), "exp": N(now + 3600)} for i in range(500)]
    put_all(ddb, name, expiring + staying)
    wait_for(lambda: scan_count(ddb, name) < len(expiring) + len(staying), timeout=15, interval=0.02)
    server.kill9()
    server.start()
    ddb = server.client()
    wait_for(lambda: scan_count(ddb, name) == len(staying), timeout=30)
    wait_for(lambda: scan_count(ddb, name, "byG") == len(staying), timeout=10)
    left = {int(i["sk"]["N"]) for i in ddb.scan(TableName=name)["Items"]}
    assert left == set(range(500))
