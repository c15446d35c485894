"""Global tables, version 2019.11.21 (docs/global-tables.md): UpdateTable ReplicaUpdates adds and
removes replicas in other regions, DescribeTable shows them, and writes made in any region reach
every other one, the last writer winning.

Against the service these tests need three enabled regions (us-east-1, eu-west-1,
ap-southeast-2) and leave nothing behind. Against ddbd one server holds every region (the
region of the request's signature). Messages marked "unverified" were not found in public
sources; the others are quoted from the issues named beside them."""

import random
import threading
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import (DdbdProcess, client_config, delete_table_quietly, free_port,
                      unique_table_name)
from helpers import N, S, metric, raw_call, rejected, scan_pages, wait_for

VALIDATION = "ValidationException"
HOME, EU, AP = "us-east-1", "eu-west-1", "ap-southeast-2"


def regional(endpoint, credentials, region, **config):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=region,
                        aws_access_key_id=credentials[0], aws_secret_access_key=credentials[1],
                        config=client_config(**config))


@pytest.fixture(scope="module")
def regions(endpoint, credentials):
    return {r: regional(endpoint, credentials, r) for r in (HOME, EU, AP)}


def replicas_of(client, name):
    return {r["RegionName"]: r["ReplicaStatus"]
            for r in client.describe_table(TableName=name)["Table"].get("Replicas", [])}


def table_status(client, name):
    try:
        return client.describe_table(TableName=name)["Table"]["TableStatus"]
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def add_replica(regions, name, region, source=HOME, **overrides):
    response = regions[source].update_table(
        TableName=name, ReplicaUpdates=[{"Create": {"RegionName": region, **overrides}}])
    wait_for(lambda: replicas_of(regions[source], name).get(region) == "ACTIVE", timeout=300)
    wait_for(lambda: table_status(regions[region], name) == "ACTIVE", timeout=60)
    return response


def remove_replica(regions, name, region, source=HOME):
    regions[source].update_table(TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": region}}])
    wait_for(lambda: table_status(regions[region], name) is None, timeout=300)


def drop_global_table(regions, name):
    """Removes every replica, then the table (the service refuses to delete a replica's source
    while it still has replicas it seeded within a day)."""
    for region in (EU, AP):
        try:
            if region in replicas_of(regions[HOME], name):
                remove_replica(regions, name, region)
        except ClientError:
            pass
    for region in (HOME, EU, AP):
        delete_table_quietly(regions[region], name)


@pytest.fixture
def global_table(regions):
    """A table in us-east-1 (on-demand, with a GSI) whose replicas a test adds; all are removed
    after the test."""
    made = []

    def make(tag="gt"):
        name = unique_table_name(tag)
        regions[HOME].create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "by-g",
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
            BillingMode="PAY_PER_REQUEST")
        wait_for(lambda: table_status(regions[HOME], name) == "ACTIVE")
        made.append(name)
        return name

    yield make
    for name in made:
        drop_global_table(regions, name)


def items_of(client, name):
    return {i["pk"]["S"]: i for page in scan_pages(client, TableName=name, ConsistentRead=True)
            for i in page["Items"]}


def index_entries(client, name):
    return sorted((i["pk"]["S"], i["g"]["S"])
                  for page in scan_pages(client, TableName=name, IndexName="by-g")
                  for i in page["Items"])


# --------------------------------------------------------------------------
# Adding, describing and removing replicas
# --------------------------------------------------------------------------

def test_a_new_replica_is_filled_and_described_in_both_regions(regions, global_table):
    name = global_table()
    home, eu = regions[HOME], regions[EU]
    for i in range(50):
        home.put_item(TableName=name, Item={"pk": S(f"k{i}"), "g": S(f"g{i % 3}"), "n": N(i)})
    response = home.update_table(TableName=name,
                                 ReplicaUpdates=[{"Create": {"RegionName": EU}}])
    description = response["TableDescription"]
    assert description["GlobalTableVersion"] == "2019.11.21"
    assert [r["RegionName"] for r in description["Replicas"]] == [EU]
    assert description["Replicas"][0]["ReplicaStatus"] in ("CREATING", "ACTIVE")
    # Adding a replica turns a stream of new and old images on.
    assert description["StreamSpecification"] == {"StreamEnabled": True,
                                                  "StreamViewType": "NEW_AND_OLD_IMAGES"}
    wait_for(lambda: replicas_of(home, name).get(EU) == "ACTIVE", timeout=120)
    wait_for(lambda: table_status(eu, name) == "ACTIVE")
    # The replica lists the other regions only, and has the table's schema, index and stream.
    replica = eu.describe_table(TableName=name)["Table"]
    assert replica["GlobalTableVersion"] == "2019.11.21"
    assert [(r["RegionName"], r["ReplicaStatus"]) for r in replica["Replicas"]] == [(HOME, "ACTIVE")]
    assert replica["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert [i["IndexName"] for i in replica["GlobalSecondaryIndexes"]] == ["by-g"]
    assert replica["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert replica["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert ":" + EU + ":" in replica["TableArn"]
    assert items_of(eu, name) == items_of(home, name)
    assert len(items_of(eu, name)) == 50
    assert index_entries(eu, name) == index_entries(home, name)


def test_writes_reach_every_region_and_deletes_too(regions, global_table):
    name = global_table()
    add_replica(regions, name, EU)
    home, eu = regions[HOME], regions[EU]
    home.put_item(TableName=name, Item={"pk": S("a"), "g": S("x"), "v": N(1)})
    wait_for(lambda: eu.get_item(TableName=name, Key={"pk": S("a")}).get("Item"))
    eu.update_item(TableName=name, Key={"pk": S("a")}, UpdateExpression="SET v = v + :one",
                   ExpressionAttributeValues={":one": N(1)})
    wait_for(lambda: home.get_item(TableName=name, Key={"pk": S("a")})["Item"]["v"] == N(2))
    eu.put_item(TableName=name, Item={"pk": S("b"), "g": S("y")})
    wait_for(lambda: "Item" in home.get_item(TableName=name, Key={"pk": S("b")}))
    home.delete_item(TableName=name, Key={"pk": S("b")})
    wait_for(lambda: "Item" not in eu.get_item(TableName=name, Key={"pk": S("b")}))
    # Each region's GSI follows its own table.
    wait_for(lambda: eu.query(TableName=name, IndexName="by-g", KeyConditionExpression="g = :g",
                              ExpressionAttributeValues={":g": S("x")})["Count"] == 1)
    # Transactions and batches replicate like any write.
    home.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": S("t1"), "g": S("x")}}},
        {"Put": {"TableName": name, "Item": {"pk": S("t2"), "g": S("x")}}}])
    eu.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": S(f"b{i}")}}}
                                             for i in range(10)]})
    wait_for(lambda: items_of(home, name) == items_of(eu, name) and len(items_of(eu, name)) == 13)


def test_the_replicas_streams_show_the_writes_of_every_region(regions, global_table, endpoint,
                                                             credentials):
    name = global_table()
    add_replica(regions, name, EU)
    home, eu = regions[HOME], regions[EU]
    home.put_item(TableName=name, Item={"pk": S("from-home")})
    eu.put_item(TableName=name, Item={"pk": S("from-eu")})
    wait_for(lambda: len(items_of(home, name)) == 2 and len(items_of(eu, name)) == 2)
    for region in (HOME, EU):
        streams = boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name=region,
                               aws_access_key_id=credentials[0],
                               aws_secret_access_key=credentials[1], config=client_config())
        arn = regions[region].describe_table(TableName=name)["Table"]["LatestStreamArn"]

        def keys():
            seen = []
            for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
                for record in streams.get_records(ShardIterator=it)["Records"]:
                    seen.append(record["dynamodb"]["Keys"]["pk"]["S"])
            return sorted(seen) == ["from-eu", "from-home"]

        wait_for(keys, timeout=10)


def test_removing_a_replica_deletes_its_table_and_stops_replication(regions, global_table):
    name = global_table()
    add_replica(regions, name, EU)
    home, eu = regions[HOME], regions[EU]
    home.put_item(TableName=name, Item={"pk": S("before")})
    wait_for(lambda: "Item" in eu.get_item(TableName=name, Key={"pk": S("before")}))
    response = home.update_table(TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": EU}}])
    assert response["TableDescription"]["Replicas"][0]["ReplicaStatus"] in ("DELETING", "ACTIVE")
    wait_for(lambda: table_status(eu, name) is None, timeout=120)
    wait_for(lambda: "Replicas" not in home.describe_table(TableName=name)["Table"])
    home.put_item(TableName=name, Item={"pk": S("after")})
    # A table of that name made in the region later is a table of its own.
    eu.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST")
    wait_for(lambda: table_status(eu, name) == "ACTIVE")
    time.sleep(0.5)
    assert items_of(eu, name) == {}
    eu.delete_table(TableName=name)


def test_delete_table_of_a_replica_leaves_the_global_table(regions, global_table):
    name = global_table()
    add_replica(regions, name, EU)
    home, eu = regions[HOME], regions[EU]
    eu.delete_table(TableName=name)
    wait_for(lambda: table_status(eu, name) is None)
    wait_for(lambda: EU not in replicas_of(home, name))
    home.put_item(TableName=name, Item={"pk": S("still-works")})


def test_three_regions_converge_under_concurrent_writers(regions, global_table, endpoint,
                                                        credentials):
    """Acceptance: 8 clients write the same 100 keys in all three regions for 20 s (puts, updates,
    deletes); afterwards every region holds the same items within 1 s, each the last write by
    time, and every region's GSI agrees with its table."""
    name = global_table("gt-conv")
    add_replica(regions, name, EU)
    add_replica(regions, name, AP)
    keys = [f"key{i}" for i in range(100)]
    writes = []  # (key, id or None for a delete, started, acknowledged)
    lock = threading.Lock()
    stop = time.monotonic() + 20

    def client_loop(n):
        rng = random.Random(n)
        clients = {r: regional(endpoint, credentials, r) for r in (HOME, EU, AP)}
        seq = 0
        while time.monotonic() < stop:
            region = rng.choice((HOME, EU, AP))
            key = rng.choice(keys)
            seq += 1
            wid = f"c{n}-{seq}"
            op = rng.random()
            started = time.time()
            if op < 0.5:
                clients[region].put_item(TableName=name, Item={
                    "pk": S(key), "w": S(wid), "g": S(f"g{rng.randrange(5)}"), "r": S(region)})
                done = wid
            elif op < 0.8:
                clients[region].update_item(
                    TableName=name, Key={"pk": S(key)},
                    UpdateExpression="SET w = :w, g = :g, n = if_not_exists(n, :z) + :one",
                    ExpressionAttributeValues={":w": S(wid), ":g": S(f"g{rng.randrange(5)}"),
                                               ":z": N(0), ":one": N(1)})
                done = wid
            else:
                clients[region].delete_item(TableName=name, Key={"pk": S(key)})
                done = None
            with lock:
                writes.append((key, done, started, time.time()))

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stopped = time.monotonic()

    def converged():
        states = [items_of(regions[r], name) for r in (HOME, EU, AP)]
        return states if states[0] == states[1] == states[2] else None

    states = wait_for(converged, timeout=30, interval=0.02)
    took = time.monotonic() - stopped
    assert took < 1.0, f"regions converged {took:.2f} s after the writers stopped"
    final = states[0]
    assert len(writes) > 500
    # Each key holds a write that no other write of the key followed (started after it was
    # acknowledged): the last writer by time; a key that is absent was last deleted.
    by_key = {}
    for key, wid, started, acked in writes:
        by_key.setdefault(key, []).append((wid, started, acked))
    for key, ws in by_key.items():
        latest_start = max(started for _, started, _ in ws)
        candidates = {wid for wid, _, acked in ws if acked >= latest_start}
        if key in final:
            assert final[key]["w"]["S"] in candidates, (key, final[key], candidates)
        else:
            assert None in candidates, (key, candidates)
    for region in (HOME, EU, AP):
        expected = sorted((k, i["g"]["S"]) for k, i in final.items())
        wait_for(lambda: index_entries(regions[region], name) == expected, timeout=5)


# --------------------------------------------------------------------------
# The service's errors
# --------------------------------------------------------------------------

def test_the_local_region_cannot_be_a_replica_update(regions, global_table):
    # aws/aws-cli issue 4906, aws/aws-cdk issue 6287
    name = global_table()
    for action in ({"Create": {"RegionName": HOME}}, {"Delete": {"RegionName": HOME}},
                   {"Update": {"RegionName": HOME}}):
        code, message = rejected(regions[HOME].update_table, TableName=name,
                                 ReplicaUpdates=[action])
        assert (code, message) == (
            VALIDATION,
            "Cannot add, delete, or update the local region through ReplicaUpdates. Use "
            "CreateTable, DeleteTable, or UpdateTable as required.")


def test_a_provisioned_table_without_auto_scaling_cannot_have_replicas(regions):
    # hashicorp/terraform-provider-aws issue 13097
    name = unique_table_name("gt-prov")
    home = regions[HOME]
    home.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                      AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                      ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    try:
        wait_for(lambda: table_status(home, name) == "ACTIVE")
        assert rejected(home.update_table, TableName=name,
                        ReplicaUpdates=[{"Create": {"RegionName": EU}}]) == (
            VALIDATION, "Table write capacity should either be Pay-Per-Request or AutoScaled.")
        assert table_status(regions[EU], name) is None
    finally:
        delete_table_quietly(home, name)


def test_a_replicas_stream_cannot_be_disabled(regions, global_table):
    # hashicorp/terraform-provider-aws issue 34450
    name = global_table()
    add_replica(regions, name, EU)
    for region in (HOME, EU):
        assert rejected(regions[region].update_table, TableName=name,
                        StreamSpecification={"StreamEnabled": False}) == (
            VALIDATION, "One or more parameter values were invalid: Disabling Stream is not "
                        "allowed for a Global Table replica.")


def test_the_source_of_a_new_replica_cannot_be_deleted_for_a_day(regions, global_table):
    # go-to-k/cdkd issue 1442
    name = global_table()
    add_replica(regions, name, EU)
    assert rejected(regions[HOME].delete_table, TableName=name) == (
        VALIDATION, "Replica cannot be deleted because it has acted as a source region for new "
                    "replica(s) being added to the table in the last 24 hours.")
    assert table_status(regions[HOME], name) == "ACTIVE"


def test_replica_update_shapes(regions, global_table, endpoint, credentials):
    name = global_table()
    raw = regional(endpoint, credentials, HOME, parameter_validation=False)
    code, message = rejected(raw.update_table, TableName=name, ReplicaUpdates=[])
    assert code == VALIDATION
    assert "at 'replicaUpdates' failed to satisfy constraint: Member must have length greater " \
           "than or equal to 1" in message
    code, message = rejected(raw.update_table, TableName=name,
                             ReplicaUpdates=[{"Create": {}}])
    assert code == VALIDATION
    assert "Value null at 'replicaUpdates.1.member.create.regionName' failed to satisfy " \
           "constraint: Member must not be null" in message
    # Removing a region that holds no replica (message unverified).
    code, _ = rejected(regions[HOME].update_table, TableName=name,
                       ReplicaUpdates=[{"Delete": {"RegionName": EU}}])
    assert code == VALIDATION
    # One replica change per request (message unverified).
    code, _ = rejected(regions[HOME].update_table, TableName=name,
                       ReplicaUpdates=[{"Create": {"RegionName": EU}},
                                       {"Create": {"RegionName": AP}}])
    assert code == VALIDATION
    assert table_status(regions[EU], name) is None
    # A replica change is the request's only change (message unverified).
    code, _ = rejected(regions[HOME].update_table, TableName=name, BillingMode="PAY_PER_REQUEST",
                       ReplicaUpdates=[{"Create": {"RegionName": EU}}])
    assert code == VALIDATION


def test_a_replica_cannot_be_added_where_the_table_name_is_taken(regions, global_table):
    name = global_table()
    regions[EU].create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST")
    wait_for(lambda: table_status(regions[EU], name) == "ACTIVE")
    code, _ = rejected(regions[HOME].update_table, TableName=name,
                       ReplicaUpdates=[{"Create": {"RegionName": EU}}])
    assert code == VALIDATION  # message unverified
    assert "Replicas" not in regions[HOME].describe_table(TableName=name)["Table"]


def test_replica_settings_overrides_are_described(regions, global_table):
    name = global_table()
    add_replica(regions, name, EU, TableClassOverride="STANDARD_INFREQUENT_ACCESS")
    replica = regions[HOME].describe_table(TableName=name)["Table"]["Replicas"][0]
    assert replica["ReplicaTableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    eu = regions[EU].describe_table(TableName=name)["Table"]
    assert eu["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"


def test_time_to_live_and_write_settings_are_shared_by_the_replicas(regions, global_table,
                                                                    endpoint, credentials):
    """The service keeps Time to Live, billing mode and write settings alike across a global
    table's replicas (developer guide, "Global tables: how it works", settings synchronized)."""
    name = global_table()
    add_replica(regions, name, EU)
    regions[HOME].update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    ttl = regions[EU].describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] in ("ENABLING", "ENABLED")
    assert ttl["AttributeName"] == "expires"
    status, _ = raw_call(endpoint, "UpdateTable", {
        "TableName": name, "OnDemandThroughput": {"MaxWriteRequestUnits": 500}},
        credentials=credentials)
    assert status == 200
    wait_for(lambda: regions[EU].describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE")
    status, described = raw_call(endpoint, "DescribeTable", {"TableName": name}, region=EU,
                                 credentials=credentials)
    assert described["Table"]["OnDemandThroughput"]["MaxWriteRequestUnits"] == 500


def test_multi_region_consistency_takes_its_enum(global_table, endpoint, credentials):
    name = global_table()
    status, answer = raw_call(endpoint, "UpdateTable", {
        "TableName": name, "MultiRegionConsistency": "SOMETIMES",
        "ReplicaUpdates": [{"Create": {"RegionName": EU}}]}, credentials=credentials)
    assert status == 400 and answer["__type"].endswith(VALIDATION)
    assert "Value 'SOMETIMES' at 'multiRegionConsistency' failed to satisfy constraint: Member " \
           "must satisfy enum value set: [EVENTUAL, STRONG]" in answer["message"]


@pytest.mark.ddbd_only
def test_what_ddbd_does_not_build_is_refused_not_ignored(global_table, endpoint, credentials):
    """Multi-Region strong consistency and multi-account global tables are not built: ddbd says
    so rather than answering as if they were (docs/global-tables.md)."""
    name = global_table()
    status, answer = raw_call(endpoint, "UpdateTable", {
        "TableName": name, "MultiRegionConsistency": "STRONG",
        "ReplicaUpdates": [{"Create": {"RegionName": EU}}]}, credentials=credentials)
    assert status == 400 and "multi-Region strong consistency" in answer["message"]
    status, answer = raw_call(endpoint, "CreateTable", {
        "TableName": name + "-x", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "GlobalTableSourceArn": "arn:aws:dynamodb:us-east-1:111122223333:table/" + name},
        credentials=credentials)
    assert status == 400 and "GlobalTableSourceArn" in answer["message"]
    status, _ = raw_call(endpoint, "DescribeTable", {"TableName": name + "-x"},
                         credentials=credentials)
    assert status == 400


# --------------------------------------------------------------------------
# Durability and scale (ddbd's own servers)
# --------------------------------------------------------------------------

def make_global(client_home, name):
    client_home.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST")
    wait_for(lambda: table_status(client_home, name) == "ACTIVE")


@pytest.mark.ddbd_only
def test_replication_survives_kill9_with_nothing_lost_or_repeated(tmp_path):
    server = DdbdProcess(data_dir=str(tmp_path / "data")).start()
    try:
        creds = ("AKIDGLOBAL", "secret")
        c = {r: regional(server.endpoint, creds, r, retries={"max_attempts": 0}) for r in (HOME, EU)}
        name = unique_table_name("gt-kill")
        make_global(c[HOME], name)
        add_replica(c, name, EU)
        acked = {HOME: {}, EU: {}}
        stop = threading.Event()

        def writer(region):
            n = 0
            while not stop.is_set():
                n += 1
                key = f"{region}-{n % 300}"
                try:
                    c2 = regional(server.endpoint, creds, region, retries={"max_attempts": 0})
                    c2.put_item(TableName=name, Item={"pk": S(key), "n": N(n)})
                except Exception:  # the server was killed: the write may or may not be there
                    return
                acked[region][key] = n

        threads = [threading.Thread(target=writer, args=(r,)) for r in (HOME, EU)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        server.kill9()
        stop.set()
        for t in threads:
            t.join()
        server.start()
        c = {r: regional(server.endpoint, creds, r) for r in (HOME, EU)}
        # Every acknowledged write is in both regions, in its last acknowledged version or a
        # later unacknowledged one.
        def complete():
            home, eu = items_of(c[HOME], name), items_of(c[EU], name)
            if home != eu:
                return False
            for region in (HOME, EU):
                for key, n in acked[region].items():
                    if key not in home or int(home[key]["n"]["N"]) < n:
                        return False
            return True

        wait_for(complete, timeout=30)
        assert sum(len(v) for v in acked.values()) > 50
        pending = metric(server, "ddbd_replication_pending_records", table=name,
                         source_region=HOME, target_region=EU)
        assert pending == 0
    finally:
        server.stop()
        server.cleanup()


@pytest.mark.ddbd_only
def test_a_replica_of_a_100000_item_table_is_filled_while_writes_continue(tmp_path):
    server = DdbdProcess(data_dir=str(tmp_path / "data")).start()
    try:
        creds = ("AKIDGLOBAL", "secret")
        c = {r: regional(server.endpoint, creds, r) for r in (HOME, EU)}
        name = unique_table_name("gt-big")
        make_global(c[HOME], name)
        payload = "x" * 100
        for start in range(0, 100_000, 25):
            c[HOME].batch_write_item(RequestItems={name: [
                {"PutRequest": {"Item": {"pk": S(f"item{i}"), "p": S(payload), "v": N(0)}}}
                for i in range(start, start + 25)]})
        stop = threading.Event()
        updated = {}

        def writer():
            w = regional(server.endpoint, creds, HOME)
            n = 0
            while not stop.is_set():
                n += 1
                key = f"item{(n * 7919) % 100_000}"
                w.update_item(TableName=name, Key={"pk": S(key)}, UpdateExpression="SET v = :n",
                              ExpressionAttributeValues={":n": N(n)})
                updated[key] = n

        t = threading.Thread(target=writer)
        t.start()
        try:
            c[HOME].update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": EU}}])
            wait_for(lambda: replicas_of(c[HOME], name).get(EU) == "ACTIVE", timeout=600,
                     interval=0.5)
            time.sleep(0.5)
        finally:
            stop.set()
            t.join()
        assert len(updated) > 10

        def same():
            return c[EU].describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE" and \
                items_of(c[HOME], name) == items_of(c[EU], name)

        wait_for(same, timeout=60, interval=1)
        eu = items_of(c[EU], name)
        assert len(eu) == 100_000
        for key, n in updated.items():
            assert int(eu[key]["v"]["N"]) >= n
    finally:
        server.stop()
        server.cleanup()


@pytest.mark.ddbd_only
def test_two_servers_replicate_through_an_outage_of_one(tmp_path):
    """Two ddbd processes serve one region each (--replica-peer) and replicate over HTTP signed
    with a key of their credentials file. Writes on both sides while one is killed (kill -9)
    and down for 10 s converge once it is back, with nothing acknowledged lost and nothing
    replicated back to where it came from."""
    creds_file = tmp_path / "credentials"
    creds = ("AKIDPEERS", "peers-secret")
    creds_file.write_text(f"[peers]\naws_access_key_id = {creds[0]}\n"
                          f"aws_secret_access_key = {creds[1]}\naws_account_id = 111122223333\n")
    port_a, port_b = free_port(), free_port()
    a = DdbdProcess(data_dir=str(tmp_path / "a"), port=port_a, extra_args=[
        "--credentials", str(creds_file), "--replica-peer", f"{EU}=http://127.0.0.1:{port_b}"])
    b = DdbdProcess(data_dir=str(tmp_path / "b"), port=port_b, extra_args=[
        "--credentials", str(creds_file), "--replica-peer", f"{HOME}=http://127.0.0.1:{port_a}"])
    a.start()
    b.start()
    try:
        ca = regional(a.endpoint, creds, HOME, retries={"max_attempts": 0})
        name = unique_table_name("gt-peers")
        make_global(ca, name)
        for i in range(200):
            ca.put_item(TableName=name, Item={"pk": S(f"seed-{i}"), "n": N(i)})
        ca.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": EU}}])
        wait_for(lambda: replicas_of(ca, name).get(EU) == "ACTIVE", timeout=60)
        cb = regional(b.endpoint, creds, EU, retries={"max_attempts": 0})
        assert replicas_of(cb, name) == {HOME: "ACTIVE"}
        wait_for(lambda: len(items_of(cb, name)) == 200)

        acked = {HOME: {}, EU: {}}
        stop = threading.Event()

        def writer(region, server):
            n = 0
            while not stop.is_set():
                n += 1
                key = f"{region}-{n % 150}"
                try:
                    regional(server.endpoint, creds, region, retries={"max_attempts": 0}).put_item(
                        TableName=name, Item={"pk": S(key), "n": N(n)})
                    acked[region][key] = n
                except Exception:  # the server is down: not acknowledged
                    time.sleep(0.05)

        threads = [threading.Thread(target=writer, args=(HOME, a)),
                   threading.Thread(target=writer, args=(EU, b))]
        for t in threads:
            t.start()
        time.sleep(1.5)
        b.kill9()
        time.sleep(10)  # the outage: A keeps taking writes and cannot reach B
        b.start()
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join()

        cb = regional(b.endpoint, creds, EU, retries={"max_attempts": 0})
        wait_for(lambda: items_of(ca, name) == items_of(cb, name), timeout=30)
        items = items_of(ca, name)
        for region in (HOME, EU):
            assert acked[region], region
            for key, n in acked[region].items():
                # Only the region's own writer writes its keys: its last acknowledged write is
                # there (a later unacknowledged one may have landed before the kill).
                assert int(items[key]["n"]["N"]) >= n, (key, n)
        # Nothing loops back: once converged, neither change log grows.
        def last_sequences():
            return (metric(a, "ddbd_change_log_last_sequence", table=name),
                    metric(b, "ddbd_change_log_last_sequence", table=name))
        before = last_sequences()
        time.sleep(2)
        assert last_sequences() == before
        assert metric(a, "ddbd_replication_pending_records", source_region=HOME,
                      target_region=EU) == 0
    finally:
        a.stop()
        b.stop()


@pytest.mark.ddbd_only
def test_a_replica_on_a_peer_is_removed_from_either_side(tmp_path):
    port_a, port_b = free_port(), free_port()
    a = DdbdProcess(in_memory=True, port=port_a,
                    extra_args=["--replica-peer", f"{EU}=http://127.0.0.1:{port_b}"]).start()
    b = DdbdProcess(in_memory=True, port=port_b,
                    extra_args=["--replica-peer", f"{HOME}=http://127.0.0.1:{port_a}"]).start()
    try:
        creds = ("AKIDPEERS", "peers-secret")
        ca, cb = regional(a.endpoint, creds, HOME), regional(b.endpoint, creds, EU)
        first, second = unique_table_name("gt-rm1"), unique_table_name("gt-rm2")
        for name in (first, second):
            make_global(ca, name)
            ca.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": EU}}])
            wait_for(lambda: replicas_of(ca, name).get(EU) == "ACTIVE", timeout=60)
        # ReplicaUpdates Delete on the source's server deletes the peer's table.
        ca.update_table(TableName=first, ReplicaUpdates=[{"Delete": {"RegionName": EU}}])
        wait_for(lambda: table_status(cb, first) is None, timeout=60)
        wait_for(lambda: "Replicas" not in ca.describe_table(TableName=first)["Table"])
        # DeleteTable on the peer: the source's server notices at its next write.
        cb.delete_table(TableName=second)
        ca.put_item(TableName=second, Item={"pk": S("after")})
        wait_for(lambda: "Replicas" not in ca.describe_table(TableName=second)["Table"])
        assert table_status(cb, second) is None
    finally:
        a.stop()
        b.stop()


@pytest.mark.ddbd_only
def test_malformed_replication_calls_are_refused_and_change_nothing(tmp_path):
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    server = DdbdProcess(in_memory=True).start()
    try:
        def call(op, body):
            request = AWSRequest(method="POST", url=f"{server.endpoint}/ddbd/replication/{op}",
                                 data=body)
            SigV4Auth(Credentials("AKIDPEER", "secret"), "dynamodb", EU).add_auth(request)
            prepared = urllib.request.Request(request.url, data=request.body,
                                              headers=dict(request.headers), method="POST")
            try:
                with urllib.request.urlopen(prepared) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code

        for op in ("create", "apply", "activate", "delete", "frobnicate"):
            for body in (b"", b"\xff" * 40, b"\x05abc"):
                assert call(op, body) in (400, 404), (op, body)
        # Unsigned calls are refused like any unsigned request.
        req = urllib.request.Request(f"{server.endpoint}/ddbd/replication/apply", data=b"x",
                                     method="POST")
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(req)
        assert excinfo.value.code == 400
        assert regional(server.endpoint, ("AKIDPEER", "secret"), EU).list_tables()[
            "TableNames"] == []
    finally:
        server.stop()
