"""Lambda triggers: event source mappings on DynamoDB streams (ddbd only).

ddbd serves the Lambda event-source-mapping API (CreateEventSourceMapping, Get, List, Update,
Delete) on its port, reads each mapping's stream and delivers batches of records to the
function with the Lambda Invoke API (POST {endpoint}/2015-03-31/functions/{name}/invocations)
at the URL given by --lambda-endpoint or --lambda-function NAME=URL, or by running a program
(--lambda-function NAME=exec:PATH, the event on its stdin).

The functions here are a local HTTP server (conformance/lambda_endpoint.py) whose answers each
test programs. Messages marked "unverified" were not seen in a captured service response.
"""

import datetime
import json
import os
import random
import subprocess
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import FAKE_ACCESS_KEY, FAKE_SECRET_KEY, REGION, make_client, unique_table_name
from helpers import N, S, metric, wait_for
from lambda_endpoint import LambdaEndpoint, batch_item_failures, function_error
from test_streams import read_all

pytestmark = pytest.mark.ddbd_only

AWS = "/usr/bin/aws"


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def lambda_client(server, **config):
    return make_client(server.endpoint, service="lambda", **config)


def create(ddb, view_type="NEW_AND_OLD_IMAGES", tag="trig"):
    """A hash-key (pk, S) table with a stream: (name, stream ARN)."""
    name = unique_table_name(tag)
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type})
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return name, ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def account_of(ddb, name):
    """The account ID in the table's ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME)."""
    return ddb.describe_table(TableName=name)["Table"]["TableArn"].split(":")[4]


def function_arn(account, function="fn"):
    return f"arn:aws:lambda:{REGION}:{account}:function:{function}"


class RawBodies:
    """Records the raw JSON body of every response a boto3 client receives.

    botocore drops fields its model does not know (EventSourceMappingArn in older versions)
    and parses timestamps; the raw body is what the server said."""

    def __init__(self, client):
        self.bodies = []
        client.meta.events.register("after-call", self._after)

    def _after(self, http_response=None, model=None, **kwargs):
        if not model.has_streaming_output:
            self.bodies.append((model.name, http_response.content))

    def last(self, operation):
        for name, body in reversed(self.bodies):
            if name == operation:
                return json.loads(body)
        raise AssertionError(f"no {operation} response recorded")


def raw_stream_records(server, arn):
    """Every record of the stream as GetRecords returns it (raw JSON), shard by shard."""
    streams = server.streams_client()
    raw = RawBodies(streams)
    read_all(streams, arn)
    records = []
    for name, body in raw.bodies:
        if name == "GetRecords":
            records += json.loads(body)["Records"]
    return records


def failure(call, **kwargs):
    """(code, message, HTTP status) of a call that must fail."""
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    response = excinfo.value.response
    return (response["Error"].get("Code"), response["Error"].get("Message"),
            response["ResponseMetadata"]["HTTPStatusCode"])


def wait_state(lam, mapping_uuid, state, timeout=15):
    return wait_for(lambda: lam.get_event_source_mapping(UUID=mapping_uuid)["State"] == state,
                    timeout=timeout)


def new_image(record):
    return record["dynamodb"].get("NewImage") or {}


def ids(records):
    return [r["eventID"] for r in records]


def trigger_server(ddbd_factory, endpoint, *more):
    return ddbd_factory(extra_args=["--lambda-endpoint", endpoint.url, *more])


def settle(seconds=1.0):
    """Gives a server that has delivered what a test waited for the time to deliver more (which
    the test then asserts it did not)."""
    time.sleep(seconds)


EXPECTED_DEFAULTS = {
    "StartingPosition": "TRIM_HORIZON",
    "BatchSize": 100,
    "MaximumBatchingWindowInSeconds": 0,
    "ParallelizationFactor": 1,
    "LastProcessingResult": "No records processed",
    "State": "Creating",
    "StateTransitionReason": "User action",
    "DestinationConfig": {"OnFailure": {}},
    "MaximumRecordAgeInSeconds": -1,
    "BisectBatchOnFunctionError": False,
    "MaximumRetryAttempts": -1,
    "TumblingWindowInSeconds": 0,
    "FunctionResponseTypes": [],
}


# --------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------

def test_create_answers_202_with_the_defaults(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    raw = RawBodies(lam)
    name, arn = create(ddb)
    account = account_of(ddb, name)
    before = datetime.datetime.now(datetime.timezone.utc)
    created = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                              StartingPosition="TRIM_HORIZON")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    mapping_uuid = created["UUID"]
    assert str(uuid.UUID(mapping_uuid)) == mapping_uuid  # lower-case 8-4-4-4-12
    config = {k: v for k, v in created.items()
              if k not in ("ResponseMetadata", "LastModified", "EventSourceMappingArn")}
    assert config == dict(EXPECTED_DEFAULTS, UUID=mapping_uuid, EventSourceArn=arn,
                          FunctionArn=function_arn(account))
    assert isinstance(created["LastModified"], datetime.datetime)
    assert abs((created["LastModified"] - before).total_seconds()) < 60
    body = raw.last("CreateEventSourceMapping")
    assert body["EventSourceMappingArn"] == \
        f"arn:aws:lambda:{REGION}:{account}:event-source-mapping:{mapping_uuid}"

    # It becomes Enabled; Get answers 200 with the same configuration.
    wait_state(lam, mapping_uuid, "Enabled")
    got = lam.get_event_source_mapping(UUID=mapping_uuid)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    for k in ("UUID", "EventSourceArn", "FunctionArn", "BatchSize", "StartingPosition",
              "MaximumRetryAttempts", "BisectBatchOnFunctionError", "FunctionResponseTypes"):
        assert got[k] == created[k], k
    assert raw.last("GetEventSourceMapping")["EventSourceMappingArn"] == body["EventSourceMappingArn"]


def test_create_takes_the_given_settings(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    created = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="fn", StartingPosition="LATEST", BatchSize=7,
        MaximumBatchingWindowInSeconds=3, MaximumRetryAttempts=2, BisectBatchOnFunctionError=True,
        FunctionResponseTypes=["ReportBatchItemFailures"])
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (created["StartingPosition"], created["BatchSize"], created["MaximumBatchingWindowInSeconds"],
            created["MaximumRetryAttempts"], created["BisectBatchOnFunctionError"],
            created["FunctionResponseTypes"]) == ("LATEST", 7, 3, 2, True, ["ReportBatchItemFailures"])
    got = lam.get_event_source_mapping(UUID=created["UUID"])
    assert (got["BatchSize"], got["MaximumBatchingWindowInSeconds"], got["MaximumRetryAttempts"],
            got["BisectBatchOnFunctionError"]) == (7, 3, 2, True)


def test_list_filters_and_pages(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    _, arn1 = create(ddb)
    _, arn2 = create(ddb)
    made = {}
    for arn, function in ((arn1, "fn"), (arn1, "fn2"), (arn2, "fn")):
        made[(arn, function)] = lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName=function, StartingPosition="TRIM_HORIZON")["UUID"]

    def listed(**kwargs):
        page = lam.list_event_source_mappings(**kwargs)
        assert page["ResponseMetadata"]["HTTPStatusCode"] == 200
        return sorted(m["UUID"] for m in page["EventSourceMappings"])

    assert listed() == sorted(made.values())
    assert listed(EventSourceArn=arn1) == sorted([made[(arn1, "fn")], made[(arn1, "fn2")]])
    assert listed(FunctionName="fn") == sorted([made[(arn1, "fn")], made[(arn2, "fn")]])
    assert listed(EventSourceArn=arn1, FunctionName="fn2") == [made[(arn1, "fn2")]]
    assert listed(EventSourceArn=arn2, FunctionName="fn2") == []

    # Listed mappings are whole configurations.
    one = lam.list_event_source_mappings(EventSourceArn=arn2)["EventSourceMappings"][0]
    assert one["EventSourceArn"] == arn2 and one["BatchSize"] == 100
    assert one["FunctionArn"].endswith(":function:fn")

    # MaxItems pages; NextMarker leads to the rest; no mapping twice.
    seen, marker, pages = [], None, 0
    while True:
        kwargs = {"Marker": marker} if marker else {}
        page = lam.list_event_source_mappings(MaxItems=1, **kwargs)
        pages += 1
        assert len(page["EventSourceMappings"]) <= 1
        seen += [m["UUID"] for m in page["EventSourceMappings"]]
        marker = page.get("NextMarker")
        if not marker:
            break
        assert pages < 10, "NextMarker never ends"
    assert sorted(seen) == sorted(made.values())
    assert pages >= 3


def test_update_changes_settings_and_disables(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    _, arn = create(ddb)
    mapping_uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                                   StartingPosition="TRIM_HORIZON",
                                                   BatchSize=10)["UUID"]
    wait_state(lam, mapping_uuid, "Enabled")
    updated = lam.update_event_source_mapping(UUID=mapping_uuid, BatchSize=20)
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert updated["UUID"] == mapping_uuid
    assert updated["BatchSize"] == 20
    assert lam.get_event_source_mapping(UUID=mapping_uuid)["BatchSize"] == 20
    wait_state(lam, mapping_uuid, "Enabled")

    disabled = lam.update_event_source_mapping(UUID=mapping_uuid, Enabled=False)
    assert disabled["ResponseMetadata"]["HTTPStatusCode"] == 202
    wait_state(lam, mapping_uuid, "Disabled")
    got = lam.get_event_source_mapping(UUID=mapping_uuid)
    assert got["BatchSize"] == 20  # other settings kept

    lam.update_event_source_mapping(UUID=mapping_uuid, Enabled=True)
    wait_state(lam, mapping_uuid, "Enabled")


def test_a_disabled_mapping_delivers_nothing_until_enabled(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    mapping_uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                                   StartingPosition="TRIM_HORIZON")["UUID"]
    ddb.put_item(TableName=name, Item={"pk": S("a"), "v": N(1)})
    lambda_endpoint.wait_for_records(1, "fn")
    lam.update_event_source_mapping(UUID=mapping_uuid, Enabled=False)
    wait_state(lam, mapping_uuid, "Disabled")
    ddb.put_item(TableName=name, Item={"pk": S("a"), "v": N(2)})
    settle(2.0)
    assert len(lambda_endpoint.records("fn")) == 1
    lam.update_event_source_mapping(UUID=mapping_uuid, Enabled=True)
    lambda_endpoint.wait_for_records(2, "fn")
    settle(0.5)
    assert [new_image(r)["v"] for r in lambda_endpoint.records("fn")] == [N(1), N(2)]


def test_delete(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    _, arn = create(ddb)
    mapping_uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                                   StartingPosition="TRIM_HORIZON")["UUID"]
    wait_state(lam, mapping_uuid, "Enabled")
    deleted = lam.delete_event_source_mapping(UUID=mapping_uuid)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert deleted["UUID"] == mapping_uuid
    assert deleted["State"] == "Deleting"
    assert deleted["EventSourceArn"] == arn

    def gone():
        try:
            lam.get_event_source_mapping(UUID=mapping_uuid)
            return None
        except ClientError as e:
            return e
    e = wait_for(gone, timeout=15)
    assert e.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.response["Error"]["Message"] == "The resource you requested does not exist."
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []
    # Deleting again, or getting a UUID that never was: the same error.
    assert failure(lam.delete_event_source_mapping, UUID=mapping_uuid)[0] == "ResourceNotFoundException"
    assert failure(lam.get_event_source_mapping, UUID=str(uuid.uuid4())) == (
        "ResourceNotFoundException", "The resource you requested does not exist.", 404)
    # The pair can be mapped again.
    again = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                            StartingPosition="TRIM_HORIZON")
    assert again["UUID"] != mapping_uuid


def test_a_second_mapping_of_a_stream_to_a_function_conflicts(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    _, arn = create(ddb)
    first = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                            StartingPosition="TRIM_HORIZON")["UUID"]
    assert failure(lam.create_event_source_mapping, EventSourceArn=arn, FunctionName="fn",
                   StartingPosition="LATEST") == (
        "ResourceConflictException",
        f'The event source arn (" {arn} ") and function (" fn ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {first}", 409)
    # Another function on the same stream is fine.
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn2",
                                    StartingPosition="TRIM_HORIZON")
    assert len(lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]) == 2


def test_a_function_without_an_endpoint_is_not_found(lambda_endpoint, ddbd_factory):
    server = ddbd_factory(extra_args=["--lambda-function", f"other={lambda_endpoint.url}"])
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    account = account_of(ddb, name)
    assert failure(lam.create_event_source_mapping, EventSourceArn=arn, FunctionName="nofn",
                   StartingPosition="TRIM_HORIZON") == (
        "ResourceNotFoundException", f"Function not found: {function_arn(account, 'nofn')}", 404)
    created = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="other",
                                              StartingPosition="TRIM_HORIZON")
    assert created["FunctionArn"] == function_arn(account, "other")


def test_parameter_errors(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    account = account_of(ddb, name)
    missing = (f"arn:aws:dynamodb:{REGION}:{account}:table/{unique_table_name('nosuch')}"
               f"/stream/2020-01-01T00:00:00.000")
    assert failure(lam.create_event_source_mapping, EventSourceArn=missing, FunctionName="fn",
                   StartingPosition="TRIM_HORIZON") == (
        "InvalidParameterValueException",
        f"Cannot access stream {missing}. Please ensure the role can perform the GetRecords, "
        "GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.", 400)
    code, message, status = failure(lam.create_event_source_mapping, EventSourceArn=arn,
                                    FunctionName="fn", StartingPosition="TRIM_HORIZON",
                                    BatchSize=10001)
    assert (code, message) == (
        "ValidationException",
        "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: "
        "Member must have value less than or equal to 10000")
    assert status == 400
    code, _, status = failure(lam.create_event_source_mapping, EventSourceArn=arn, FunctionName="fn")
    assert (code, status) == ("InvalidParameterValueException", 400)  # message unverified
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []


# --------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------

def random_writes(ddb, name, rng, count, first, state, keys=5):
    """``count`` puts, updates and deletes over ``keys`` keys, each changing its item (so each
    makes one stream record)."""
    for i in range(first, first + count):
        key = f"k{rng.randrange(keys)}"
        op = rng.random()
        if key in state and op < 0.2:
            ddb.delete_item(TableName=name, Key={"pk": S(key)})
            del state[key]
        elif key in state and op < 0.6:
            ddb.update_item(TableName=name, Key={"pk": S(key)}, UpdateExpression="SET v = :v",
                            ExpressionAttributeValues={":v": N(i)})
        else:
            ddb.put_item(TableName=name, Item={"pk": S(key), "v": N(i), "s": S(f"value {i}")})
            state[key] = True


def test_every_record_delivered_once_in_order_in_batches(lambda_endpoint, ddbd_factory):
    """Records written before and after the mapping: each arrives once, as GetRecords shows it
    plus eventSourceARN, each key's in the order of its writes, in batches of at most 10."""
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    rng, state = random.Random(11), {}
    random_writes(ddb, name, rng, 15, 0, state)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                    StartingPosition="TRIM_HORIZON", BatchSize=10)
    random_writes(ddb, name, rng, 30, 15, state)
    expected = raw_stream_records(server, arn)
    assert len(expected) == 45
    lambda_endpoint.wait_for_records(45, "fn")
    settle()
    calls = lambda_endpoint.calls("fn")
    delivered = [r for c in calls for r in c.records]
    assert len(delivered) == 45, "a record was delivered more than once"
    assert {r["eventID"]: r for r in delivered} == \
        {r["eventID"]: dict(r, eventSourceARN=arn) for r in expected}
    names = ("fn", function_arn(account_of(ddb, name)))
    for call in calls:
        assert set(call.event) == {"Records"}
        assert 1 <= len(call.records) <= 10
        assert call.path_name in names

    def per_key(records):
        out = {}
        for r in records:
            out.setdefault(r["dynamodb"]["Keys"]["pk"]["S"], []).append(r["eventID"])
        return out
    assert per_key(delivered) == per_key(expected)
    assert lambda_endpoint.unknown_requests == []


def test_batching_window_gathers_records_into_one_invocation(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    created = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                              StartingPosition="TRIM_HORIZON", BatchSize=100,
                                              MaximumBatchingWindowInSeconds=2)
    assert created["MaximumBatchingWindowInSeconds"] == 2
    wait_state(lam, created["UUID"], "Enabled")
    first_write = time.time()
    for i in range(5):  # one key: one shard
        ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(i)})
    lambda_endpoint.wait_for_records(5, "fn")
    settle()
    calls = lambda_endpoint.calls("fn")
    assert [len(c.records) for c in calls] == [5]
    assert calls[0].time - first_write >= 1.0


def test_a_function_endpoint_overrides_the_default_endpoint(lambda_endpoint, ddbd_factory):
    with LambdaEndpoint() as own:
        server = trigger_server(ddbd_factory, lambda_endpoint, "--lambda-function", f"fn={own.url}")
        ddb, lam = server.client(), lambda_client(server)
        name, arn = create(ddb)
        for function in ("fn", "g"):
            lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=function,
                                            StartingPosition="TRIM_HORIZON")
        ddb.put_item(TableName=name, Item={"pk": S("a")})
        own.wait_for_records(1, "fn")
        lambda_endpoint.wait_for_records(1, "g")
        settle(0.5)
        assert lambda_endpoint.calls("fn") == []
        assert own.calls("g") == []
        server.stop()


EXEC_SCRIPT = """#!/usr/bin/python3
import json, os, sys
event = json.loads(sys.stdin.read())
with open({log!r}, "a") as f:
    f.write(json.dumps(event) + "\\n")
fail = {fail!r}
if os.path.exists(fail):
    with open(fail) as f:
        left = int(f.read().strip() or 0)
    if left > 0:
        with open(fail, "w") as f:
            f.write(str(left - 1))
        sys.exit(3)
"""


def exec_function(tmp_path, failures=0):
    """A program for --lambda-function fn=exec:PATH that appends each event to a file, failing
    (exit 3) its first ``failures`` runs. (path, function returning the events so far)."""
    log, fail = tmp_path / "events.jsonl", tmp_path / "fail"
    script = tmp_path / "fn.py"
    script.write_text(EXEC_SCRIPT.format(log=str(log), fail=str(fail)))
    os.chmod(script, 0o755)
    if failures:
        fail.write_text(str(failures))

    def events():
        if not log.exists():
            return []
        lines = log.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    return script, events


def test_an_exec_function_gets_the_event_on_stdin(tmp_path, ddbd_factory):
    script, events = exec_function(tmp_path)
    server = ddbd_factory(extra_args=["--lambda-function", f"fn=exec:{script}"])
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(i)})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                    StartingPosition="TRIM_HORIZON")
    wait_for(lambda: sum(len(e["Records"]) for e in events()) >= 3, timeout=20)
    settle()
    expected = raw_stream_records(server, arn)
    delivered = [r for e in events() for r in e["Records"]]
    assert delivered == [dict(r, eventSourceARN=arn) for r in expected]


def test_an_exec_function_that_exits_non_zero_is_retried(tmp_path, ddbd_factory):
    script, events = exec_function(tmp_path, failures=2)
    server = ddbd_factory(extra_args=["--lambda-function", f"fn=exec:{script}"])
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(i)})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                    StartingPosition="TRIM_HORIZON")
    wait_for(lambda: len(events()) >= 3, timeout=20)
    wait_for(lambda: (tmp_path / "fail").read_text() == "0", timeout=20)
    for i in range(3, 5):
        ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(i)})
    wait_for(lambda: sum(len(e["Records"]) for e in events()) >= 11, timeout=20)
    settle()
    got = events()
    first = [ids(e["Records"]) for e in got[:3]]
    assert len(first[0]) == 3 and first == [first[0]] * 3  # the same batch, three times
    later = [r for e in got[3:] for r in e["Records"]]
    assert [new_image(r)["v"] for r in later] == [N(3), N(4)]


def test_a_failed_batch_is_retried_until_it_succeeds(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    lambda_endpoint.set_behaviour("fn", lambda event, call: function_error() if call.number <= 2 else None)
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(i)})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                    StartingPosition="TRIM_HORIZON")
    lambda_endpoint.wait_for(lambda calls: len(calls) >= 3 and calls[2].failed is False)
    for i in range(3, 5):
        ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(i)})
    lambda_endpoint.wait_for_records(11, "fn")
    settle()
    calls = lambda_endpoint.calls("fn")
    assert [c.failed for c in calls[:3]] == [True, True, False]
    assert len(calls[0].records) == 3
    assert calls[0].record_ids == calls[1].record_ids == calls[2].record_ids
    assert [c.attempt for c in calls[:3]] == [1, 2, 3]
    assert calls[0].event == calls[1].event == calls[2].event  # the same event each time
    later = [r for c in calls[3:] for r in c.records]
    assert [new_image(r)["v"] for r in later] == [N(3), N(4)]
    # Retries are delayed: 100 ms, then 200 ms.
    assert calls[1].time - calls[0].done >= 0.05
    assert calls[2].time - calls[1].done >= 0.1


def test_maximum_retry_attempts_skips_the_batch(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)

    def behaviour(event, call):
        if any("bad" in new_image(r) for r in event["Records"]):
            return function_error()
        return None
    lambda_endpoint.set_behaviour("fn", behaviour)
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(i), "bad": S("yes")})
    created = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                              StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=1)
    assert created["MaximumRetryAttempts"] == 1
    lambda_endpoint.wait_for_calls(2, "fn")
    for i in range(3, 5):
        ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(i)})
    lambda_endpoint.wait_for(lambda calls: any(
        new_image(r).get("v") == N(4) for c in calls for r in c.records))
    settle()
    calls = lambda_endpoint.calls("fn")
    bad = [c for c in calls if c.failed]
    assert len(bad) == 2  # one attempt and one retry
    assert bad[0].record_ids == bad[1].record_ids and len(bad[0].records) == 3
    assert [c.index for c in calls[:2]] == [c.index for c in bad]
    later = [r for c in calls[2:] for r in c.records]
    assert [new_image(r)["v"] for r in later] == [N(3), N(4)]
    assert all(not c.failed for c in calls[2:])


def test_bisect_on_error_isolates_the_poison_record(lambda_endpoint, ddbd_factory):
    """Four records in one batch, the third poison: the failing batches halve (4, 2, 1) until
    the poison record is alone; the others are acknowledged once each, the poison one never,
    and the stream goes on past it once its retries are spent."""
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)

    def behaviour(event, call):
        if any("poison" in new_image(r) for r in event["Records"]):
            return function_error()
        return None
    lambda_endpoint.set_behaviour("fn", behaviour)
    for i in range(4):
        item = {"pk": S("k"), "v": N(i)}
        if i == 2:
            item["poison"] = S("yes")
        ddb.put_item(TableName=name, Item=item)
    records = raw_stream_records(server, arn)
    assert len(records) == 4
    r0, r1, poison, r3 = ids(records)
    # Retries: 3, enough for the halving to reach one record also if halves count as retries.
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                    StartingPosition="TRIM_HORIZON", BatchSize=10,
                                    BisectBatchOnFunctionError=True, MaximumRetryAttempts=3)
    lambda_endpoint.wait_for(lambda calls: any(
        c.failed is False and r3 in c.record_ids for c in calls), timeout=30)
    settle()
    calls = lambda_endpoint.calls("fn")
    assert list(calls[0].record_ids) == [r0, r1, poison, r3]
    acknowledged = [i for c in calls if c.failed is False for i in c.record_ids]
    assert sorted(acknowledged) == sorted([r0, r1, r3])
    failing = [len(c.records) for c in calls if c.failed]
    assert all(poison in c.record_ids for c in calls if c.failed)
    assert failing[0] == 4 and failing[-1] == 1 and 2 in failing
    assert failing == sorted(failing, reverse=True), failing
    alone = [c.index for c in calls if c.record_ids == (poison,)]
    assert 1 <= len(alone) <= 1 + 3
    acked_r3 = min(c.index for c in calls if c.failed is False and r3 in c.record_ids)
    assert acked_r3 > max(alone)  # in order: past the poison record only once it is given up


def test_report_batch_item_failures_resumes_at_the_failed_record(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)

    def behaviour(event, call):
        if call.number == 1:
            return batch_item_failures(event["Records"][2]["dynamodb"]["SequenceNumber"])
        return None
    lambda_endpoint.set_behaviour("fn", behaviour)
    for i in range(5):
        ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(i)})
    records = ids(raw_stream_records(server, arn))
    created = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                              StartingPosition="TRIM_HORIZON", BatchSize=10,
                                              FunctionResponseTypes=["ReportBatchItemFailures"])
    assert created["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    lambda_endpoint.wait_for(lambda calls: len(calls) >= 2 and calls[1].failed is False)
    settle()
    calls = lambda_endpoint.calls("fn")
    assert list(calls[0].record_ids) == records
    assert list(calls[1].record_ids) == records[2:]
    assert len(calls) == 2


FILTER_CASES = {
    # pattern, the items written in turn to one key (None: delete), the indexes delivered
    "eventName": ({"eventName": ["INSERT"]},
                  [{"v": N(0)}, {"v": N(1)}, None, {"v": N(3)}],
                  [0, 3]),
    "equals": ({"dynamodb": {"NewImage": {"status": {"S": ["active"]}}}},
               [{"status": S("active")}, {"status": S("inactive")}, {"status": S("Active")},
                {"status": S("active"), "v": N(3)}, None, {"other": S("active")},
                {"status": S("active"), "v": N(6)}],
               [0, 3, 6]),
    "prefix": ({"dynamodb": {"NewImage": {"name": {"S": [{"prefix": "ab"}]}}}},
               [{"name": S("abc")}, {"name": S("xab")}, {"name": S("ab")}, {"name": S("a")},
                {"name": S("ABc")}, {"name": S("abz")}],
               [0, 2, 5]),
    "numeric": ({"dynamodb": {"NewImage": {"n": {"N": [{"numeric": [">", 10]}]}}}},
                [{"n": N(5)}, {"n": N(11)}, {"n": N(10)}, {"n": N("10.5")}, {"n": N(100)},
                 {"n": N(-20)}, {"n": N("9.99")}, {"n": N(12)}],
                [1, 3, 4, 7]),
}


def patterns(criteria):
    return [json.loads(f["Pattern"]) for f in criteria["Filters"]]


@pytest.mark.parametrize("case", sorted(FILTER_CASES))
def test_filter_criteria(lambda_endpoint, ddbd_factory, case):
    pattern, items, delivered_indexes = FILTER_CASES[case]
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    criteria = {"Filters": [{"Pattern": json.dumps(pattern)}]}
    created = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                              StartingPosition="TRIM_HORIZON", FilterCriteria=criteria)
    assert patterns(created["FilterCriteria"]) == [pattern]
    assert patterns(lam.get_event_source_mapping(UUID=created["UUID"])["FilterCriteria"]) == [pattern]
    for item in items:
        if item is None:
            ddb.delete_item(TableName=name, Key={"pk": S("k")})
        else:
            ddb.put_item(TableName=name, Item=dict(item, pk=S("k")))
    records = raw_stream_records(server, arn)
    assert len(records) == len(items)
    expected = [records[i]["eventID"] for i in delivered_indexes]
    # The last write matches: once it arrived, every earlier record was decided.
    assert delivered_indexes[-1] == len(items) - 1
    lambda_endpoint.wait_for(lambda calls: any(expected[-1] in c.record_ids for c in calls))
    settle(0.5)
    assert ids(lambda_endpoint.records("fn")) == expected


def test_metrics_count_delivered_records(lambda_endpoint, ddbd_factory):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    mapping_uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                                   StartingPosition="TRIM_HORIZON",
                                                   BatchSize=3)["UUID"]
    for i in range(7):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}")})
    lambda_endpoint.wait_for_records(7, "fn")
    wait_for(lambda: metric(server, "ddbd_trigger_records_delivered_total", mapping=mapping_uuid) == 7,
             timeout=10)
    settle(0.5)
    assert len(lambda_endpoint.records("fn")) == 7
    assert metric(server, "ddbd_trigger_records_delivered_total", mapping=mapping_uuid) == 7


@pytest.mark.slow
def test_at_least_once_in_order_through_kill_9(lambda_endpoint, ddbd_factory):
    """300 writes over 30 keys, batches of 5 acknowledged after 50 ms; the server is killed with
    -9 mid-delivery and restarted: every record arrives, each key's first arrivals in write
    order, and only records of batches in flight at the kill arrive twice."""
    def slow(event, call):
        time.sleep(0.05)
        return None
    lambda_endpoint.set_behaviour("fn", slow)
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb, lam = server.client(), lambda_client(server)
    name, arn = create(ddb)
    for i in range(300):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i % 30}"), "v": N(i)})
    mapping_uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn",
                                                   StartingPosition="TRIM_HORIZON",
                                                   BatchSize=5)["UUID"]
    lambda_endpoint.wait_for_calls(10, "fn", timeout=30)
    server.kill9()
    before_kill = len(lambda_endpoint.calls("fn"))
    assert sum(len(c.records) for c in lambda_endpoint.calls("fn")) < 300, "delivery ended before the kill"
    server.start()
    lam = lambda_client(server)
    got = lam.get_event_source_mapping(UUID=mapping_uuid)
    assert (got["EventSourceArn"], got["BatchSize"]) == (arn, 5)

    def values():
        return [int(new_image(r)["v"]["N"]) for r in lambda_endpoint.records("fn")]
    wait_for(lambda: len(set(values())) == 300, timeout=60)
    settle()
    wait_state(lam, mapping_uuid, "Enabled")
    calls = lambda_endpoint.calls("fn")
    arrivals = [(c.index, int(new_image(r)["v"]["N"])) for c in calls for r in c.records]
    assert all(len(c.records) <= 5 for c in calls)
    first_seen, order = {}, {}
    for index, v in arrivals:
        if v not in first_seen:
            first_seen[v] = index
            order.setdefault(v % 30, []).append(v)
    assert sorted(first_seen) == list(range(300))
    for key, vs in order.items():
        assert vs == sorted(vs), f"k{key}: first arrivals out of write order: {vs}"
    shards = server.streams_client().describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    duplicates = [v for index, v in arrivals if first_seen[v] != index]
    assert len(duplicates) <= 5 * len(shards), (len(duplicates), len(shards))
    # A record arrives twice only if it first arrived before the kill.
    kill_boundary = calls[before_kill - 1].index
    assert all(first_seen[v] <= kill_boundary for v in duplicates)
    server.stop()


# --------------------------------------------------------------------------
# The AWS CLI
# --------------------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists(AWS), reason=f"{AWS} not installed")
def test_cli_create_and_list_event_source_mappings(lambda_endpoint, ddbd_factory, tmp_path):
    server = trigger_server(ddbd_factory, lambda_endpoint)
    ddb = server.client()
    _, arn = create(ddb)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PAGER": "",
        "AWS_MAX_ATTEMPTS": "1",
    }

    def aws(*args, service="lambda"):
        cmd = [AWS, service, *args, "--endpoint-url", server.endpoint, "--output", "json"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{cmd} exited {proc.returncode}: {proc.stderr}"
        return json.loads(proc.stdout) if proc.stdout.strip() else {}

    created = aws("create-event-source-mapping", "--event-source-arn", arn, "--function-name", "fn",
                  "--starting-position", "TRIM_HORIZON")
    assert created["EventSourceArn"] == arn
    assert created["State"] == "Creating"
    assert created["FunctionArn"].endswith(":function:fn")
    listed = aws("list-event-source-mappings")["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [created["UUID"]]
    listed = aws("list-event-source-mappings", "--event-source-arn", arn)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [created["UUID"]]
    got = aws("get-event-source-mapping", "--uuid", created["UUID"])
    assert got["BatchSize"] == 100
