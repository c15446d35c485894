"""The change log across restarts and trims (ddbd only: these restart servers).

Every write appends a change-log record whose sequence number is strictly increasing for the
life of the table; GSIs (and later streams, TTL, PITR, replicas) follow the log with durable
cursors. A regression (issue 8): once every record of a table had been trimmed and the server
restarted, sequence numbers started again from 1, the GSI cursors were ahead of the log, and
the table's GSIs silently stopped receiving writes.
"""

import pytest

from conftest import unique_table_name
from helpers import N, S, metric, wait_for

pytestmark = pytest.mark.ddbd_only


def create_table_with_gsi(ddb, table):
    ddb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_g",
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])


def gsi_count(ddb, table):
    return ddb.query(TableName=table, IndexName="by_g", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": S("x")}, Select="COUNT")["Count"]


def test_gsi_receives_writes_after_log_fully_trimmed_and_restart(ddbd_factory):
    server = ddbd_factory(extra_args=["--change-log-retention-seconds", "0"])
    ddb = server.client()
    table = unique_table_name("trim-restart")
    create_table_with_gsi(ddb, table)
    for i in range(10):
        ddb.put_item(TableName=table, Item={"pk": S(f"a{i}"), "g": S("x"), "v": N(i)})
    wait_for(lambda: gsi_count(ddb, table) == 10)
    # Every record applied and past the (zero) retention: the log empties.
    wait_for(lambda: metric(server, "ddbd_change_log_records", table=table) == 0)
    last_before = metric(server, "ddbd_change_log_last_sequence", table=table)
    assert last_before >= 10

    server.restart()
    ddb = server.client()
    for i in range(10):
        ddb.put_item(TableName=table, Item={"pk": S(f"b{i}"), "g": S("x"), "v": N(i)})
    # Sequence numbers went on from where they were, never again from 1 ...
    assert metric(server, "ddbd_change_log_last_sequence", table=table) == last_before + 10
    # ... so the GSI sees the new writes.
    wait_for(lambda: gsi_count(ddb, table) == 20)


def test_sequence_numbers_never_repeat_across_restarts(ddbd_factory):
    server = ddbd_factory(extra_args=["--change-log-retention-seconds", "0"])
    ddb = server.client()
    table = unique_table_name("seq")
    create_table_with_gsi(ddb, table)
    last = 0
    for round_ in range(3):
        for i in range(5):
            ddb.put_item(TableName=table, Item={"pk": S(f"r{round_}-{i}"), "g": S("x")})
        now = metric(server, "ddbd_change_log_last_sequence", table=table)
        assert now == last + 5
        last = now
        wait_for(lambda: metric(server, "ddbd_change_log_records", table=table) == 0)
        if round_ == 1:
            server.kill9()
            server.start()
        else:
            server.restart()
        ddb = server.client()
    wait_for(lambda: gsi_count(ddb, table) == 15)
