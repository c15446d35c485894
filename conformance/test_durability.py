"""Durability across restarts (ddbd only: these start, kill and restart servers).

An acknowledged write must survive both a clean stop (SIGTERM) and a crash
(SIGKILL) of the server, when it is restarted on the same --data-dir.
"""

import pytest

from conftest import unique_table_name

pytestmark = pytest.mark.ddbd_only

ITEMS = 500


def make_item(i):
    item = {
        "pk": {"S": f"item-{i:04d}"},
        "n": {"N": str(i * 7 - 1000)},
        "s": {"S": f"value {i} " + "\u00e9" * (i % 13)},
        "b": {"B": bytes([i % 256, (i * 31) % 256]) * (1 + i % 5)},
        "flag": {"BOOL": i % 2 == 0},
        "m": {"M": {"i": {"N": str(i)}, "l": {"L": [{"S": "x"}, {"NULL": True}]}}},
    }
    if i % 3 == 0:
        item["ss"] = {"SS": [f"a{i}", f"b{i}"]}
    if i % 50 == 0:
        item["big"] = {"S": "y" * 20000}
    return item


def canonical(item):
    if "ss" in item:
        item = dict(item, ss={"SS": sorted(item["ss"]["SS"])})
    return item


def create_table(ddb, name, **extra):
    kwargs = dict(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    kwargs.update(extra)
    return ddb.create_table(**kwargs)["TableDescription"]


@pytest.mark.slow
def test_acknowledged_writes_survive_kill_9(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    name = unique_table_name("crash")
    create_table(ddb, name)
    for i in range(ITEMS):
        ddb.put_item(TableName=name, Item=make_item(i))
    # Overwrites and deletes must survive too.
    ddb.put_item(TableName=name, Item={"pk": {"S": "item-0001"}, "v": {"S": "overwritten"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "item-0002"}})

    server.kill9()
    server.start()

    ddb = server.client()
    assert ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    for i in range(ITEMS):
        key = {"pk": {"S": f"item-{i:04d}"}}
        got = ddb.get_item(TableName=name, Key=key, ConsistentRead=True).get("Item")
        if i == 1:
            assert got == {"pk": {"S": "item-0001"}, "v": {"S": "overwritten"}}
        elif i == 2:
            assert got is None
        else:
            assert got is not None, f"item {i} lost after kill -9"
            assert canonical(got) == canonical(make_item(i)), f"item {i} changed after kill -9"


def test_table_and_items_survive_clean_restart(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    name = unique_table_name("restart")
    created = create_table(
        ddb, name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
    )
    gone = unique_table_name("gone")
    create_table(ddb, gone)
    ddb.delete_table(TableName=gone)
    item = {"pk": {"S": "p"}, "sk": {"N": "1.5"}, "v": {"SS": ["x"]}}
    ddb.put_item(TableName=name, Item=item)

    assert server.stop() == 0, "ddbd did not exit with status 0 on SIGTERM"
    server.start()

    ddb = server.client()
    desc = ddb.describe_table(TableName=name)["Table"]
    for field in ("TableName", "TableArn", "TableId", "KeySchema", "CreationDateTime"):
        assert desc[field] == created[field], field
    assert desc["TableStatus"] == "ACTIVE"
    pt = desc["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (3, 4)
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "1.5"}}, ConsistentRead=True)
    assert got["Item"] == item
    tables = ddb.list_tables()["TableNames"]
    assert name in tables
    assert gone not in tables


def test_restart_twice_on_same_data_dir(ddbd_factory):
    server = ddbd_factory()
    name = unique_table_name("twice")
    create_table(server.client(), name)
    for round_ in range(2):
        server.client().put_item(TableName=name, Item={"pk": {"S": f"r{round_}"}})
        server.restart()
    ddb = server.client()
    for round_ in range(2):
        key = {"pk": {"S": f"r{round_}"}}
        assert ddb.get_item(TableName=name, Key=key, ConsistentRead=True)["Item"] == key
