"""WarmThroughput of tables and GSIs: the values DescribeTable shows, how CreateTable and
UpdateTable set them, and the service's errors. In ddbd (only) warm throughput sizes the
table's partitions.

Messages are as probed against the service (aws-controllers-k8s/dynamodb-controller,
docs/api-quirks, findings DDB-TABLE-028..459) unless marked unverified.
"""

import pytest

from conftest import unique_table_name
from helpers import partitions, rejected, wait_for

VALIDATION = "ValidationException"
INVALID = "One or more parameter values were invalid: "
ON_DEMAND_URL = ("https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
                 "on-demand-capacity-mode.html#on-demand-capacity-mode-initial")


def table_args(name, provisioned=None, gsi=False, **extra):
    args = dict(TableName=name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], **extra)
    if provisioned:
        args["ProvisionedThroughput"] = {"ReadCapacityUnits": provisioned[0],
                                         "WriteCapacityUnits": provisioned[1]}
    else:
        args["BillingMode"] = "PAY_PER_REQUEST"
    if gsi:
        args["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "S"})
        index = {"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "KEYS_ONLY"}}
        if provisioned:
            index["ProvisionedThroughput"] = args["ProvisionedThroughput"]
        if isinstance(gsi, dict):
            index.update(gsi)
        args["GlobalSecondaryIndexes"] = [index]
    return args


@pytest.fixture
def create(ddb):
    names = []

    def make(tag, **kwargs):
        name = unique_table_name(tag)
        names.append(name)
        answer = ddb.create_table(**table_args(name, **kwargs))["TableDescription"]
        ddb.get_waiter("table_exists").wait(TableName=name)
        return name, answer

    yield make
    for name in names:
        try:
            ddb.delete_table(TableName=name)
        except Exception:
            pass


def warm(ddb, name, index=None):
    table = ddb.describe_table(TableName=name)["Table"]
    if index is None:
        value = table["WarmThroughput"]
    else:
        value = [i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == index][0][
            "WarmThroughput"]
    return value["ReadUnitsPerSecond"], value["WriteUnitsPerSecond"], value["Status"]


def settled(ddb, name, expected, index=None):
    wait_for(lambda: warm(ddb, name, index) == expected + ("ACTIVE",), timeout=900)


def test_an_on_demand_table_and_its_gsis_start_at_12000_and_4000(ddb, create):
    name, answer = create("warmod", gsi=True)
    # Not set by the request: CreateTable's reply leaves it out, DescribeTable shows it.
    assert "WarmThroughput" not in answer
    assert "WarmThroughput" not in answer["GlobalSecondaryIndexes"][0]
    assert warm(ddb, name) == (12000, 4000, "ACTIVE")
    assert warm(ddb, name, "byG") == (12000, 4000, "ACTIVE")


def test_a_provisioned_table_starts_at_its_capacity_which_is_a_high_water_mark(ddb, create):
    name, _ = create("warmpt", provisioned=(5, 5), gsi=True)
    assert warm(ddb, name) == (5, 5, "ACTIVE")
    assert warm(ddb, name, "byG") == (5, 5, "ACTIVE")
    ddb.update_table(TableName=name,
                     ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 6})
    ddb.get_waiter("table_exists").wait(TableName=name)
    settled(ddb, name, (7, 6))
    ddb.update_table(TableName=name,
                     ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})
    ddb.get_waiter("table_exists").wait(TableName=name)
    assert warm(ddb, name)[:2] == (7, 6)


def test_create_table_sets_warm_throughput(ddb, create):
    name, answer = create("warmset", WarmThroughput={"ReadUnitsPerSecond": 13000},
                          gsi={"WarmThroughput": {"WriteUnitsPerSecond": 5000}})
    assert answer["WarmThroughput"] == {"ReadUnitsPerSecond": 13000, "WriteUnitsPerSecond": 4000,
                                        "Status": "UPDATING"}
    assert answer["GlobalSecondaryIndexes"][0]["WarmThroughput"]["Status"] == "UPDATING"
    settled(ddb, name, (13000, 4000))
    settled(ddb, name, (12000, 5000), "byG")
    name, _ = create("warmpt2", provisioned=(5, 5), WarmThroughput={"ReadUnitsPerSecond": 100,
                                                                     "WriteUnitsPerSecond": 100})
    settled(ddb, name, (100, 100))


def test_update_table_raises_and_never_lowers(ddb, create):
    name, _ = create("warmup", gsi=True)
    answer = ddb.update_table(TableName=name, WarmThroughput={"ReadUnitsPerSecond": 14000,
                                                              "WriteUnitsPerSecond": 4500})
    description = answer["TableDescription"]
    assert description["TableStatus"] == "ACTIVE"  # only the warm throughput updates
    assert description["WarmThroughput"]["Status"] == "UPDATING"
    settled(ddb, name, (14000, 4500))
    assert rejected(ddb.update_table, TableName=name,
                    WarmThroughput={"ReadUnitsPerSecond": 13000}) == (
        VALIDATION, INVALID + "Requested ReadUnitsPerSecond for WarmThroughput for table is lower "
                              "than current WarmThroughput, decreasing WarmThroughput is not supported")
    answer = ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "byG", "WarmThroughput": {"ReadUnitsPerSecond": 15000}}}])
    assert answer["TableDescription"]["TableStatus"] == "ACTIVE"
    settled(ddb, name, (15000, 4000), "byG")
    assert rejected(ddb.update_table, TableName=name, GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "byG", "WarmThroughput": {"ReadUnitsPerSecond": 12000}}}]) == (
        VALIDATION, INVALID + "Requested ReadUnitsPerSecond for WarmThroughput for index byG is "
                              "lower than current WarmThroughput, decreasing WarmThroughput is not "
                              "supported")
    assert warm(ddb, name)[:2] == (14000, 4500)


def test_the_services_errors(ddb, create):
    name = unique_table_name("warmbad")
    assert rejected(ddb.create_table, **table_args(
        name, WarmThroughput={"ReadUnitsPerSecond": 1000, "WriteUnitsPerSecond": 4000})) == (
        VALIDATION, INVALID + "Requested ReadUnitsPerSecond for WarmThroughput for table is lower "
                              "than initial throughput for OnDemand. See: " + ON_DEMAND_URL)
    assert rejected(ddb.create_table, **table_args(
        name, provisioned=(10, 10), WarmThroughput={"ReadUnitsPerSecond": 5,
                                                    "WriteUnitsPerSecond": 5})) == (
        VALIDATION, INVALID + "Requested ReadUnitsPerSecond for WarmThroughput for table is lower "
                              "than ReadCapacityUnits of ProvisionedThroughput")
    assert rejected(ddb.describe_table, TableName=name)[0] == "ResourceNotFoundException"

    name, _ = create("warmerr", gsi=True)
    raise_warm = {"ReadUnitsPerSecond": 20000}
    assert rejected(ddb.update_table, TableName=name, WarmThroughput=raise_warm,
                    BillingMode="PAY_PER_REQUEST") == (
        VALIDATION, INVALID + "WarmThroughput must be the only operation in the request")
    assert rejected(ddb.update_table, TableName=name, WarmThroughput=raise_warm,
                    AttributeDefinitions=[{"AttributeName": "h", "AttributeType": "S"}],
                    GlobalSecondaryIndexUpdates=[{"Create": {
                        "IndexName": "byH", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"}}}]) == (
        VALIDATION, INVALID + "Create global secondary index cannot be specified when updating "
                              "WarmThroughput")
    assert rejected(ddb.update_table, TableName=name, GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "byG", "WarmThroughput": {}}}]) == (
        VALIDATION, INVALID + "WarmThroughput must have at least one of ReadUnitsPerSecond or "
                              "WriteUnitsPerSecond specified for index: byG")
    assert rejected(ddb.update_table, TableName=name) == (
        VALIDATION, "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                    "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
                    "MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
                    "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass "
                    "is required")
    # Nothing of the rejected requests was applied.
    assert warm(ddb, name) == (12000, 4000, "ACTIVE")


@pytest.mark.ddbd_only
def test_warm_throughput_sizes_the_partitions(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    name = unique_table_name("warmparts")
    ddb.create_table(**table_args(name))
    assert len(partitions(server, name)) == 4  # 12,000 reads / 3,000 per partition
    ddb.update_table(TableName=name, WarmThroughput={"ReadUnitsPerSecond": 30000})
    assert len(partitions(server, name)) == 10
    server.restart()
    ddb = server.client()
    assert warm(ddb, name) == (30000, 4000, "ACTIVE")
    assert len(partitions(server, name)) == 10
