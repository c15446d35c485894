"""ConsumedCapacity by the service's rules (docs/capacity.md has the rule table):
1 KB write units on the larger of the old and new item, 4 KB read units halved for eventually
consistent reads, index writes per index (two when an index key changes)."""

import pytest

from conftest import unique_table_name

S = lambda v: {"S": v}  # noqa: E731
N = lambda v: {"N": str(v)}  # noqa: E731


def item_of_size(pk, size):
    """An item of exactly `size` bytes: "pk" (2) + pk value + "d" (1) + padding."""
    pad = size - 2 - len(pk) - 1
    assert pad >= 0
    return {"pk": S(pk), "d": S("z" * pad)}


@pytest.fixture(scope="module")
def plain_table(ddb):
    name = unique_table_name("cc")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    yield name
    ddb.delete_table(TableName=name)


@pytest.mark.parametrize("size,write_units,strong_read,eventual_read", [
    (4, 1.0, 1.0, 0.5),                   # the smallest item: pk "a" + empty pad... 4 bytes
    (1024, 1.0, 1.0, 0.5),
    (1025, 2.0, 1.0, 0.5),
    (4096, 4.0, 1.0, 0.5),
    (4097, 5.0, 2.0, 1.0),
    (400 * 1024, 400.0, 100.0, 50.0),
])
def test_item_sizes(ddb, plain_table, size, write_units, strong_read, eventual_read):
    pk = f"s{size}"
    item = item_of_size(pk, size) if size >= 2 + len(pk) + 1 else {"pk": S(pk)}
    put = ddb.put_item(TableName=plain_table, Item=item, ReturnConsumedCapacity="TOTAL")
    assert put["ConsumedCapacity"]["CapacityUnits"] == write_units
    for consistent, expected in ((True, strong_read), (False, eventual_read)):
        got = ddb.get_item(TableName=plain_table, Key={"pk": S(pk)}, ConsistentRead=consistent,
                           ReturnConsumedCapacity="TOTAL")
        assert got["ConsumedCapacity"]["CapacityUnits"] == expected
    # Replacing a big item with a small one is charged on the larger (old) item.
    small = ddb.put_item(TableName=plain_table, Item={"pk": S(pk)}, ReturnConsumedCapacity="TOTAL")
    assert small["ConsumedCapacity"]["CapacityUnits"] == write_units
    # Deleting is charged on the deleted item; deleting nothing costs one unit.
    ddb.put_item(TableName=plain_table, Item=item)
    deleted = ddb.delete_item(TableName=plain_table, Key={"pk": S(pk)}, ReturnConsumedCapacity="TOTAL")
    assert deleted["ConsumedCapacity"]["CapacityUnits"] == write_units
    again = ddb.delete_item(TableName=plain_table, Key={"pk": S(pk)}, ReturnConsumedCapacity="TOTAL")
    assert again["ConsumedCapacity"]["CapacityUnits"] == 1.0


def test_missing_item_read_costs_the_minimum(ddb, plain_table):
    for consistent, expected in ((True, 1.0), (False, 0.5)):
        got = ddb.get_item(TableName=plain_table, Key={"pk": S("nothing-here")}, ConsistentRead=consistent,
                           ReturnConsumedCapacity="TOTAL")
        assert "Item" not in got
        assert got["ConsumedCapacity"]["CapacityUnits"] == expected


@pytest.fixture(scope="module")
def gsi_table(ddb):
    name = unique_table_name("ccgsi")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "g", "AttributeType": "S"}],
                     GlobalSecondaryIndexes=[{"IndexName": "by_g",
                                              "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                              "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    yield name
    ddb.delete_table(TableName=name)


def test_index_writes_are_charged_per_index(ddb, gsi_table):
    put = ddb.put_item(TableName=gsi_table, Item={"pk": S("a"), "g": S("one")}, ReturnConsumedCapacity="INDEXES")
    cc = put["ConsumedCapacity"]
    assert cc["Table"] == {"CapacityUnits": 1.0}
    assert cc["GlobalSecondaryIndexes"] == {"by_g": {"CapacityUnits": 1.0}}
    assert cc["CapacityUnits"] == 2.0
    # Changing the index key: the old entry is deleted and a new one written (two writes).
    moved = ddb.put_item(TableName=gsi_table, Item={"pk": S("a"), "g": S("two")},
                         ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert moved["GlobalSecondaryIndexes"] == {"by_g": {"CapacityUnits": 2.0}}
    assert moved["CapacityUnits"] == 3.0
    # A write that leaves the index entry unchanged does not write to the index.
    same = ddb.put_item(TableName=gsi_table, Item={"pk": S("a"), "g": S("two"), "other": N(1)},
                        ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert "GlobalSecondaryIndexes" not in same
    assert same["CapacityUnits"] == 1.0
    # An item without the index key is not in the index: no index write.
    sparse = ddb.put_item(TableName=gsi_table, Item={"pk": S("b")}, ReturnConsumedCapacity="TOTAL")
    assert sparse["ConsumedCapacity"]["CapacityUnits"] == 1.0


def test_conditional_failure_is_still_charged(ddb, plain_table):
    ddb.put_item(TableName=plain_table, Item=item_of_size("cf", 3000))
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName=plain_table, Item={"pk": S("cf")}, ConditionExpression="attribute_not_exists(pk)",
                     ReturnConsumedCapacity="TOTAL")
