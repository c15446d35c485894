"""Reading a GSI right after a write (ddbd's choice, docs/architecture.md "Read-your-writes").

The service's GSIs are eventually consistent: an item written a moment ago may be missing from
a Query on a GSI. ddbd by default makes a GSI Query or Scan wait (bounded) for the index to
apply every write that returned before it, so test suites are not flaky; with
--gsi-propagation-delay MS it holds index updates back instead, to test code against the
service's eventual consistency. Neither is a fact about the service, so these run on ddbd only.
"""

import pytest

from conftest import unique_table_name
from helpers import N, S, wait_for

pytestmark = pytest.mark.ddbd_only

ROUNDS = 200


def create_gsi_table(ddb):
    name = unique_table_name("gsirw")
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"},
                              {"AttributeName": "n", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "byG",
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                          {"AttributeName": "n", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])
    return name


def rounds_found(ddb, name, update=False):
    """Writes an item (PutItem, or UpdateItem of its GSI key) and queries the GSI at once."""
    found = 0
    for i in range(ROUNDS):
        group = f"{'u' if update else 'g'}{i}"
        if update:
            ddb.update_item(TableName=name, Key={"pk": S(f"k{i % 7}")},
                            UpdateExpression="SET g = :g, n = :n",
                            ExpressionAttributeValues={":g": S(group), ":n": N(i)})
        else:
            ddb.put_item(TableName=name, Item={"pk": S(f"k{i}"), "g": S(group), "n": N(i)})
        items = ddb.query(TableName=name, IndexName="byG", KeyConditionExpression="g = :g",
                          ExpressionAttributeValues={":g": S(group)})["Items"]
        found += len(items) == 1 and items[0]["n"] == N(i)
    return found


def test_a_gsi_query_sees_every_write_that_returned_before_it(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    name = create_gsi_table(ddb)
    assert rounds_found(ddb, name) == ROUNDS
    assert rounds_found(ddb, name, update=True) == ROUNDS


def test_a_gsi_scan_sees_the_last_write(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    name = create_gsi_table(ddb)
    for i in range(50):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}"), "g": S("x"), "n": N(i)})
        assert ddb.scan(TableName=name, IndexName="byG", Select="COUNT")["Count"] == i + 1


def test_a_propagation_delay_makes_gsis_eventually_consistent(ddbd_factory):
    server = ddbd_factory(extra_args=["--gsi-propagation-delay", "200"])
    ddb = server.client()
    name = create_gsi_table(ddb)
    found = rounds_found(ddb, name)
    assert found < ROUNDS // 2, f"{found} of {ROUNDS} found at once despite a 200 ms delay"
    # ...and the index does catch up.

    wait_for(lambda: ddb.scan(TableName=name, IndexName="byG", Select="COUNT")["Count"] == ROUNDS,
             timeout=10)
