"""Data directories written by earlier ddbd versions open, read and write (ddbd only).

conformance/data/ddbd-0.1.0-data.tar.gz was written by ddbd 0.1.0 (commit 128381a, before the
change-log module): a table "legacy" (pk, sk; LSI by_lk; GSI by_g) with 25 items, 5 of them
moved to g = "moved", and a table "plain" (id N) with 5 items. Its tables keep their own column
families, its items have no stored-item header, its change-log records are format version 1
and its GSI cursor is in the old place; the server must serve all of it and go on writing.
"""

import tarfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import N, S, metric, wait_for

pytestmark = pytest.mark.ddbd_only

FIXTURE = Path(__file__).parent / "data" / "ddbd-0.1.0-data.tar.gz"


@pytest.fixture
def upgraded(ddbd_factory, tmp_path):
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(tmp_path)
    return ddbd_factory(data_dir=str(tmp_path / "ddbd-data"))


def gsi_count(ddb, value):
    return ddb.query(TableName="legacy", IndexName="by_g", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": S(value)}, Select="COUNT")["Count"]


def test_old_data_directory_reads_and_writes(upgraded):
    ddb = upgraded.client()
    assert ddb.list_tables()["TableNames"] == ["legacy", "plain"]
    assert ddb.describe_table(TableName="legacy")["Table"]["ItemCount"] == 25
    item = ddb.get_item(TableName="legacy", Key={"pk": S("p1"), "sk": S("s07")})["Item"]
    assert item == {"pk": S("p1"), "sk": S("s07"), "lk": S("l22"), "g": S("g1"), "n": N(7)}
    assert ddb.get_item(TableName="plain", Key={"id": N(3)})["Item"]["v"] == S("xxx")
    # Indexes written by the old version.
    assert gsi_count(ddb, "moved") == 5
    lsi = ddb.query(TableName="legacy", IndexName="by_lk", KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": S("p0")})["Items"]
    assert [i["lk"]["S"] for i in lsi] == sorted(i["lk"]["S"] for i in lsi)
    assert len(lsi) == 9  # i % 3 == 0 for i < 25, and 27 deleted

    # The change log goes on after the old records, and the GSI follows new writes.
    last = metric(upgraded, "ddbd_change_log_last_sequence", table="legacy")
    assert last >= 40
    for i in range(10):
        ddb.put_item(TableName="legacy", Item={"pk": S("new"), "sk": S(f"n{i}"), "lk": S("x"),
                                               "g": S("moved")})
    ddb.delete_item(TableName="legacy", Key={"pk": S("p0"), "sk": S("s00")})  # was moved
    assert metric(upgraded, "ddbd_change_log_last_sequence", table="legacy") == last + 11
    wait_for(lambda: gsi_count(ddb, "moved") == 14)
    ddb.update_item(TableName="legacy", Key={"pk": S("p1"), "sk": S("s07")},
                    UpdateExpression="SET n = n + :one", ExpressionAttributeValues={":one": N(1)})

    # New tables (shared layout) live beside the old ones; both survive a restart.
    ddb.create_table(TableName="fresh", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    ddb.put_item(TableName="fresh", Item={"k": S("a")})
    upgraded.restart()
    ddb = upgraded.client()
    assert ddb.list_tables()["TableNames"] == ["fresh", "legacy", "plain"]
    assert ddb.get_item(TableName="legacy", Key={"pk": S("p1"), "sk": S("s07")})["Item"]["n"] == N(8)
    assert ddb.get_item(TableName="fresh", Key={"k": S("a")})["Item"] == {"k": S("a")}
    wait_for(lambda: gsi_count(ddb, "moved") == 14)

    # Deleting an old table drops its families; a table of the same name starts empty.
    ddb.delete_table(TableName="plain")
    ddb.create_table(TableName="plain", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}])
    assert ddb.scan(TableName="plain")["Count"] == 0
    upgraded.restart()
    assert upgraded.client().scan(TableName="plain")["Count"] == 0


def test_gsi_stalled_by_the_old_restart_bug_is_rebuilt(ddbd_factory, tmp_path):
    # ddbd-0.1.0-stalled-gsi.tar.gz: table "broken" (GSI by_g on g) whose change log was trimmed
    # empty with --change-log-retention-seconds 0 and then restarted by ddbd 0.1.0: its
    # sequence numbers started again from 1 behind the GSI's cursor, so 4 puts (b0..b3) and a
    # delete (a0) after the restart never reached the index (it showed 10 items, not 13).
    with tarfile.open(FIXTURE.parent / "ddbd-0.1.0-stalled-gsi.tar.gz") as tar:
        tar.extractall(tmp_path)
    server = ddbd_factory(data_dir=str(tmp_path / "ddbd-data"))
    ddb = server.client()

    def index_keys():
        try:
            items = ddb.scan(TableName="broken", IndexName="by_g")["Items"]
        except ClientError:  # CREATING while it is rebuilt
            return None
        return sorted(i["pk"]["S"] for i in items)

    expected = sorted([f"a{i}" for i in range(1, 10)] + [f"b{i}" for i in range(4)])
    wait_for(lambda: index_keys() == expected)
    index = ddb.describe_table(TableName="broken")["Table"]["GlobalSecondaryIndexes"][0]
    assert index["IndexStatus"] == "ACTIVE"
    assert index["ItemCount"] == 13
    ddb.put_item(TableName="broken", Item={"pk": S("c0"), "g": S("x")})
    wait_for(lambda: "c0" in index_keys())
