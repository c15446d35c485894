"""Backups, restores and point-in-time recovery (docs/backups.md): what the service's
operations answer, and that a restore gives back exactly the table as it was.

Messages are the service's (aws-controllers-k8s/dynamodb-controller docs/api-quirks, backup.md,
table-restore.md, table-subresources.md). ddbd-only tests start their own server: with
--test-hooks to move its clock (LatestRestorableDateTime trails it by 5 minutes), or to kill it."""

import math
import random
import re
import time
import urllib.request

import pytest

from conftest import DdbdProcess, delete_table_quietly, unique_table_name
from helpers import N, S, rejected, scan_pages, wait_for

VALIDATION = "ValidationException"


def backup_arn_pattern(name):
    return re.compile(r"arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table/" + re.escape(name) +
                      r"/backup/\d{14}-[0-9a-f]{8}$")


def backup_status(ddb, arn):
    return ddb.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]["BackupStatus"]


def create_backup(ddb, table, name="nightly"):
    arn = ddb.create_backup(TableName=table, BackupName=name)["BackupDetails"]["BackupArn"]
    wait_for(lambda: backup_status(ddb, arn) == "AVAILABLE")
    return arn


def wait_active(ddb, name):
    wait_for(lambda: ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE",
             timeout=120)


def items_of(ddb, name, index=None):
    """Every item of a table or index, in a stable order."""
    kwargs = {"TableName": name, "ConsistentRead": index is None}
    if index:
        kwargs["IndexName"] = index
    out = [it for page in scan_pages(ddb, **kwargs) for it in page["Items"]]
    return sorted(out, key=lambda item: repr(sorted(item.items())))


def indexed_table(ddb, name, **extra):
    """A table with a GSI (gsi-g, ALL) and an LSI (lsi-g, KEYS_ONLY) on attribute g."""
    kwargs = dict(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "gsi-g",
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        LocalSecondaryIndexes=[{"IndexName": "lsi-g",
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "g", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    if "ProvisionedThroughput" in extra:
        for gsi in kwargs["GlobalSecondaryIndexes"]:
            gsi["ProvisionedThroughput"] = extra["ProvisionedThroughput"]
    else:
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    kwargs.update(extra)
    ddb.create_table(**kwargs)
    wait_active(ddb, name)
    return name


def item(pk, sk, g=None, **more):
    out = {"pk": S(pk), "sk": N(sk)}
    if g is not None:
        out["g"] = S(g)
    out.update(more)
    return out


def index_views(items):
    """What the GSI (ALL, items with g) and the LSI (KEYS_ONLY) hold for these items."""
    gsi = [i for i in items if "g" in i]
    lsi = [{k: i[k] for k in ("pk", "sk", "g")} for i in items if "g" in i]
    key = lambda i: repr(sorted(i.items()))
    return sorted(gsi, key=key), sorted(lsi, key=key)


def assert_same_table(ddb, name, expected):
    assert items_of(ddb, name) == sorted(expected, key=lambda i: repr(sorted(i.items())))
    gsi, lsi = index_views(expected)
    assert items_of(ddb, name, "gsi-g") == gsi
    assert items_of(ddb, name, "lsi-g") == lsi


@pytest.fixture
def tables(created_tables):
    return created_tables


# ---------------------------------------------------------------------------------------------
# On-demand backups
# ---------------------------------------------------------------------------------------------

def test_backup_lifecycle(ddb, tables):
    name = indexed_table(ddb, unique_table_name("bk"))
    tables.append(name)
    for i in range(5):
        ddb.put_item(TableName=name, Item=item("a", i, g=f"g{i % 2}"))
    created = ddb.create_backup(TableName=name, BackupName="first.backup-1")
    details = created["BackupDetails"]
    assert set(created) - {"ResponseMetadata"} == {"BackupDetails"}
    arn = details["BackupArn"]
    assert backup_arn_pattern(name).match(arn)
    assert details["BackupName"] == "first.backup-1"
    assert details["BackupType"] == "USER"
    assert details["BackupStatus"] in ("CREATING", "AVAILABLE")
    assert "BackupExpiryDateTime" not in details
    # The id starts with the creation time in milliseconds.
    created_ms = int(arn.rsplit("/", 1)[1].split("-")[0])
    assert abs(details["BackupCreationDateTime"].timestamp() * 1000 - created_ms) < 1
    wait_for(lambda: backup_status(ddb, arn) == "AVAILABLE")

    description = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
    source = description["SourceTableDetails"]
    assert source["TableName"] == name
    assert source["TableArn"].endswith(":table/" + name)
    assert source["BillingMode"] == "PAY_PER_REQUEST"
    assert source["ProvisionedThroughput"] == {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    assert [k["AttributeName"] for k in source["KeySchema"]] == ["pk", "sk"]
    features = description["SourceTableFeatureDetails"]
    assert [i["IndexName"] for i in features["GlobalSecondaryIndexes"]] == ["gsi-g"]
    assert features["LocalSecondaryIndexes"] == [{
        "IndexName": "lsi-g",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "g", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}]
    assert "StreamDescription" not in features and "TimeToLiveDescription" not in features

    summaries = ddb.list_backups(TableName=name)["BackupSummaries"]
    assert [s["BackupArn"] for s in summaries] == [arn]
    assert summaries[0]["BackupStatus"] == "AVAILABLE"
    assert summaries[0]["TableId"] == source["TableId"]

    deleted = ddb.delete_backup(BackupArn=arn)["BackupDescription"]
    assert deleted["BackupDetails"]["BackupStatus"] == "DELETED"
    assert rejected(ddb.describe_backup, BackupArn=arn) == (
        "BackupNotFoundException", f"Backup not found: {arn}")
    assert rejected(ddb.delete_backup, BackupArn=arn) == (
        "BackupNotFoundException", f"Backup not found: {arn}")
    assert ddb.list_backups(TableName=name)["BackupSummaries"] == []


def test_a_backup_is_the_table_when_it_was_requested(ddb, tables):
    """Writes after CreateBackup returned are not in the backup, however soon they come."""
    name = indexed_table(ddb, unique_table_name("bkpt"))
    tables.append(name)
    expected = [item(f"p{i % 7}", i, g=f"g{i % 3}" if i % 4 else None, v=N(i)) for i in range(200)]
    for it in expected:
        ddb.put_item(TableName=name, Item=it)
    arn = ddb.create_backup(TableName=name, BackupName="point")["BackupDetails"]["BackupArn"]
    for i in range(0, 200, 3):
        ddb.delete_item(TableName=name, Key={"pk": S(f"p{i % 7}"), "sk": N(i)})
    for i in range(1, 200, 3):
        ddb.update_item(TableName=name, Key={"pk": S(f"p{i % 7}"), "sk": N(i)},
                        UpdateExpression="SET g = :g, v = :v",
                        ExpressionAttributeValues={":g": S("changed"), ":v": N(-1)})
    for i in range(200, 260):
        ddb.put_item(TableName=name, Item=item("late", i, g="late"))
    wait_for(lambda: backup_status(ddb, arn) == "AVAILABLE")
    restored = unique_table_name("bkptr")
    tables.append(restored)
    ddb.restore_table_from_backup(TargetTableName=restored, BackupArn=arn)
    wait_active(ddb, restored)
    assert_same_table(ddb, restored, expected)


def test_restore_with_overrides_after_the_table_is_deleted(ddb, tables):
    name = unique_table_name("bkov")
    tables.append(name)
    indexed_table(ddb, name, ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 4})
    expected = [item(f"p{i % 5}", i, g=f"g{i % 4}") for i in range(60)]
    for it in expected:
        ddb.put_item(TableName=name, Item=it)
    arn = create_backup(ddb, name)
    ddb.delete_table(TableName=name)
    wait_for(lambda: name not in ddb.list_tables()["TableNames"])
    # The backup outlives its table.
    assert backup_status(ddb, arn) == "AVAILABLE"

    reply = ddb.restore_table_from_backup(
        TargetTableName=name, BackupArn=arn, BillingModeOverride="PAY_PER_REQUEST",
        GlobalSecondaryIndexOverride=[{
            "IndexName": "renamed-gsi",
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}],
        LocalSecondaryIndexOverride=[])
    table = reply["TableDescription"]
    assert table["TableStatus"] == "CREATING"
    assert table["RestoreSummary"]["SourceBackupArn"] == arn
    assert table["RestoreSummary"]["SourceTableArn"].endswith(":table/" + name)
    assert table["RestoreSummary"]["RestoreInProgress"] is True
    wait_active(ddb, name)
    table = ddb.describe_table(TableName=name)["Table"]
    assert "RestoreSummary" not in table
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["renamed-gsi"]
    assert "LocalSecondaryIndexes" not in table
    assert items_of(ddb, name) == sorted(expected, key=lambda i: repr(sorted(i.items())))
    assert len(items_of(ddb, name, "renamed-gsi")) == 60
    got = ddb.query(TableName=name, IndexName="renamed-gsi", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": S("g1")})
    assert got["Count"] == 15

    # Without overrides: the recorded settings and every index.
    again = unique_table_name("bkov2")
    tables.append(again)
    ddb.restore_table_from_backup(TargetTableName=again, BackupArn=arn)
    wait_active(ddb, again)
    table = ddb.describe_table(TableName=again)["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    assert table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert_same_table(ddb, again, expected)


def test_restore_keeps_sse_and_drops_stream_ttl_tags_and_protection(ddb, tables):
    name = unique_table_name("bkdrop")
    tables.append(name)
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST", SSESpecification={"Enabled": True},
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                     Tags=[{"Key": "team", "Value": "db"}], DeletionProtectionEnabled=True,
                     TableClass="STANDARD_INFREQUENT_ACCESS")
    wait_active(ddb, name)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "exp"})
    ddb.put_item(TableName=name, Item={"pk": S("x")})
    arn = create_backup(ddb, name)
    features = ddb.describe_backup(BackupArn=arn)["BackupDescription"]["SourceTableFeatureDetails"]
    assert features["StreamDescription"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert features["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED",
                                                 "AttributeName": "exp"}
    assert features["SSEDescription"]["Status"] == "ENABLED"
    restored = unique_table_name("bkdropr")
    tables.append(restored)
    ddb.restore_table_from_backup(TargetTableName=restored, BackupArn=arn)
    wait_active(ddb, restored)
    table = ddb.describe_table(TableName=restored)["Table"]
    assert table["SSEDescription"] == ddb.describe_table(TableName=name)["Table"]["SSEDescription"]
    assert "StreamSpecification" not in table and "LatestStreamArn" not in table
    assert table["DeletionProtectionEnabled"] is False
    assert "TableClassSummary" not in table
    assert ddb.describe_time_to_live(TableName=restored)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"}
    assert ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"] == []
    ddb.update_table(TableName=name, DeletionProtectionEnabled=False)


def test_backup_errors(ddb, tables, table_s):
    missing = unique_table_name("nobk")
    assert rejected(ddb.create_backup, TableName=missing, BackupName="abc") == (
        "TableNotFoundException", f"Table not found: {missing}")
    assert rejected(ddb.create_backup, TableName=table_s, BackupName="bad name!") == (
        VALIDATION, "1 validation error detected: Value 'bad name!' at 'backupName' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    table_arn = ddb.describe_table(TableName=table_s)["Table"]["TableArn"]
    assert rejected(ddb.describe_backup, BackupArn=table_arn + "/index/abcdefghijklmnop") == (
        VALIDATION, "Invalid Backup ARN")
    unknown = table_arn + "/backup/01700000000000-0badcafe"
    for call in (ddb.describe_backup, ddb.delete_backup):
        assert rejected(call, BackupArn=unknown) == (
            "BackupNotFoundException", f"Backup not found: {unknown}")
    other_account = re.sub(r":\d{12}:", ":123456789012:", unknown)
    assert rejected(ddb.describe_backup, BackupArn=other_account)[0] == "AccessDeniedException"
    assert rejected(ddb.restore_table_from_backup, TargetTableName="restored-x",
                    BackupArn=unknown) == ("BackupNotFoundException", f"Backup not found: {unknown}")

    arn = create_backup(ddb, table_s, "errs")
    try:
        # The target must not exist.
        assert rejected(ddb.restore_table_from_backup, TargetTableName=table_s, BackupArn=arn) == (
            "TableAlreadyExistsException", f"Table already exists: {table_s}")
        target = unique_table_name("bkerr")
        tables.append(target)
        assert rejected(ddb.restore_table_from_backup, TargetTableName="bad name!",
                        BackupArn=arn) == (
            VALIDATION, "1 validation error detected: Value 'bad name!' at 'targetTableName' "
            "failed to satisfy constraint: Member must satisfy regular expression pattern: "
            "[a-zA-Z0-9_.-]+")
        assert rejected(ddb.restore_table_from_backup, TargetTableName=target, BackupArn=arn,
                        ProvisionedThroughputOverride={"ReadCapacityUnits": 1,
                                                       "WriteCapacityUnits": 1}) == (
            VALIDATION, "Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED")
        assert rejected(ddb.restore_table_from_backup, TargetTableName=target, BackupArn=arn,
                        BillingModeOverride="PROVISIONED") == (
            VALIDATION,
            "Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED")
        assert rejected(ddb.restore_table_from_backup, TargetTableName=target, BackupArn=arn,
                        GlobalSecondaryIndexOverride=[{
                            "IndexName": "ghost",
                            "KeySchema": [{"AttributeName": "zz", "KeyType": "HASH"}],
                            "Projection": {"ProjectionType": "ALL"}}]) == (
            VALIDATION, "Invalid Request: Index ghost does not match a secondary index that "
            "existed in the source table and cannot be created during the restore operation")
        assert rejected(ddb.restore_table_from_backup, TargetTableName=target, BackupArn=arn,
                        OnDemandThroughputOverride={"MaxReadRequestUnits": 0}) == (
            VALIDATION,
            "Requested MaxReadRequestUnits for OnDemandThroughput is outside of valid range")
        # Nothing of a refused restore exists.
        assert target not in ddb.list_tables()["TableNames"]
    finally:
        ddb.delete_backup(BackupArn=arn)


def test_list_backups_filters_and_pages(ddb, tables):
    name = indexed_table(ddb, unique_table_name("bklist"))
    tables.append(name)
    arns = []
    for i in range(3):
        # One backup per second: the SDKs send timestamps in whole seconds.
        time.sleep(1 - time.time() % 1 + 0.01)
        arns.append(create_backup(ddb, name, f"b{i}-same"))
    listed = ddb.list_backups(TableName=name)["BackupSummaries"]
    assert [s["BackupArn"] for s in listed] == arns
    first = ddb.list_backups(TableName=name, Limit=2)
    assert [s["BackupArn"] for s in first["BackupSummaries"]] == arns[:2]
    assert first["LastEvaluatedBackupArn"] == arns[1]
    rest = ddb.list_backups(TableName=name, Limit=2, ExclusiveStartBackupArn=arns[1])
    assert [s["BackupArn"] for s in rest["BackupSummaries"]] == arns[2:]
    assert "LastEvaluatedBackupArn" not in rest
    # Exactly N matches for Limit N: no LastEvaluatedBackupArn.
    assert "LastEvaluatedBackupArn" not in ddb.list_backups(TableName=name, Limit=3)
    # Lower bound inclusive, upper bound exclusive (here: the seconds the backups were made in).
    seconds = [int(s["BackupCreationDateTime"].timestamp()) for s in listed]
    window = ddb.list_backups(TableName=name, TimeRangeLowerBound=seconds[1],
                              TimeRangeUpperBound=seconds[2])["BackupSummaries"]
    assert [s["BackupArn"] for s in window] == [arns[1]]
    times = [s["BackupCreationDateTime"] for s in listed]
    assert ddb.list_backups(TableName=name, BackupType="SYSTEM")["BackupSummaries"] == []
    assert len(ddb.list_backups(TableName=name, BackupType="ALL")["BackupSummaries"]) == 3
    assert ddb.list_backups(TableName=unique_table_name("none"))["BackupSummaries"] == []
    assert rejected(ddb.list_backups, TableName=name, Limit=101) == (
        VALIDATION, "1 validation error detected: Value '101' at 'limit' failed to satisfy "
        "constraint: Member must have value less than or equal to 100")
    assert rejected(ddb.list_backups, TableName=name, TimeRangeLowerBound=times[2],
                    TimeRangeUpperBound=times[0]) == (
        VALIDATION, "One or more parameter values were invalid: Time range lower bound must be "
        "less than or equal to upper bound")
    for arn in arns:
        ddb.delete_backup(BackupArn=arn)


# ---------------------------------------------------------------------------------------------
# Point-in-time recovery
# ---------------------------------------------------------------------------------------------

def pitr(ddb, name, enabled, **extra):
    spec = {"PointInTimeRecoveryEnabled": enabled, **extra}
    return ddb.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification=spec)["ContinuousBackupsDescription"]


def test_point_in_time_recovery_settings(ddb, table_factory):
    name = table_factory(tag="pitr")
    assert ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"] == {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    on = pitr(ddb, name, True)
    description = on["PointInTimeRecoveryDescription"]
    assert description["PointInTimeRecoveryStatus"] == "ENABLED"
    assert description["RecoveryPeriodInDays"] == 35
    earliest = description["EarliestRestorableDateTime"]
    assert earliest == description["LatestRestorableDateTime"]
    assert earliest.microsecond == 0  # whole seconds
    assert on == ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    # Changing the period keeps the window's start.
    seven = pitr(ddb, name, True, RecoveryPeriodInDays=7)["PointInTimeRecoveryDescription"]
    assert seven["RecoveryPeriodInDays"] == 7
    assert seven["EarliestRestorableDateTime"] == earliest
    off = pitr(ddb, name, False)
    assert off == {"ContinuousBackupsStatus": "ENABLED",
                   "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    assert pitr(ddb, name, True)["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 35


def test_point_in_time_recovery_errors(ddb, table_factory, tables):
    name = table_factory(tag="pitrerr")
    missing = unique_table_name("nopitr")
    assert rejected(ddb.describe_continuous_backups, TableName=missing) == (
        "TableNotFoundException", f"Table not found: {missing}")
    assert rejected(pitr, ddb=ddb, name=missing, enabled=True) == (
        "TableNotFoundException", f"Table not found: {missing}")
    assert rejected(pitr, ddb=ddb, name=name, enabled=True, RecoveryPeriodInDays=36) == (
        VALIDATION, "1 validation error detected: Value '36' at "
        "'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: "
        "Member must have value less than or equal to 35")
    assert rejected(pitr, ddb=ddb, name=name, enabled=False, RecoveryPeriodInDays=7) == (
        VALIDATION, "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling "
        "point-in-time recovery.")
    target = unique_table_name("pitrt")
    tables.append(target)
    restore = ddb.restore_table_to_point_in_time
    assert rejected(restore, SourceTableName=name, TargetTableName=target,
                    UseLatestRestorableTime=True) == (
        "PointInTimeRecoveryUnavailableException",
        f"Point in time recovery is not enabled for table '{name}'")
    pitr(ddb, name, True)
    assert rejected(restore, SourceTableName=name, TargetTableName=target) == (
        VALIDATION, "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime "
        "must be specified, but not both")
    assert rejected(restore, SourceTableName=name, TargetTableName=target,
                    UseLatestRestorableTime=True, RestoreDateTime=time.time())[1].startswith(
        "Invalid Request: Both RestoreDateTime and UseLatestRestorableTime cannot be set for "
        "point-in-time restore request.")
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    assert rejected(restore, SourceTableName=name, SourceTableArn=arn, TargetTableName=target,
                    UseLatestRestorableTime=True) == (
        VALIDATION, "Must provide exactly one of: sourceTableArn, sourceTableName")
    assert rejected(restore, TargetTableName=target, UseLatestRestorableTime=True) == (
        VALIDATION, "The parameter 'TableName' is required but was not present in the request")
    assert rejected(restore, SourceTableArn="not-an-arn", TargetTableName=target,
                    UseLatestRestorableTime=True) == (VALIDATION, "sourceTableArn is not a valid ARN")
    assert rejected(restore, SourceTableName=missing, TargetTableName=target,
                    UseLatestRestorableTime=True) == (
        "TableNotFoundException", f"Table not found: {missing}")
    assert rejected(restore, SourceTableArn=arn.rsplit("/", 1)[0] + "/" + missing,
                    TargetTableName=target, UseLatestRestorableTime=True) == (
        "TableNotFoundException", "Table not found")
    window = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]
    code, message = rejected(restore, SourceTableName=name, TargetTableName=target,
                             RestoreDateTime=window["EarliestRestorableDateTime"].timestamp() - 3600)
    assert code == "InvalidRestoreTimeException"
    stamp = lambda d: d.astimezone(tz=__import__("datetime").timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert message.startswith("RestoreDateTime '")
    assert message.endswith(f"' must be within EarliestRestorableDateTime "
                            f"'{stamp(window['EarliestRestorableDateTime'])}' and "
                            f"LatestRestorableDateTime "
                            f"'{stamp(window['LatestRestorableDateTime'])}'")
    # PITR is checked before the time, the time before the target.
    assert rejected(restore, SourceTableName=name, TargetTableName=name,
                    UseLatestRestorableTime=True) == (
        "TableAlreadyExistsException", f"Table already exists: {name}")
    assert target not in ddb.list_tables()["TableNames"]


def advance(server, seconds):
    urllib.request.urlopen(urllib.request.Request(
        f"{server.endpoint}/test/advance-clock?seconds={seconds}", method="POST")).read()


def test_restore_to_each_second_of_a_write_load():
    """Acceptance 1: a table with a GSI and an LSI under puts, updates and deletes; restores to
    ten different seconds each equal, item by item and index by index, the state the test
    recorded at that second (the server's clock is moved one second between phases)."""
    rng = random.Random(15)
    with DdbdProcess(extra_args=["--test-hooks"]) as server:
        ddb = server.client()
        name = indexed_table(ddb, "pitr-load")
        pitr(ddb, name, True)
        state = {}
        offset = 0.0
        marks = []
        for second in range(60):
            for _ in range(25):
                pk, sk = f"p{rng.randrange(8)}", rng.randrange(40)
                key = (pk, sk)
                op = rng.random()
                if op < 0.5:
                    it = item(pk, sk, g=f"g{rng.randrange(5)}" if rng.random() < 0.8 else None,
                              v=N(rng.randrange(1000)), second=N(second))
                    ddb.put_item(TableName=name, Item=it)
                    state[key] = it
                elif op < 0.8:
                    ddb.update_item(TableName=name, Key={"pk": S(pk), "sk": N(sk)},
                                    UpdateExpression="SET g = :g ADD n :one",
                                    ExpressionAttributeValues={":g": S(f"u{second % 3}"),
                                                               ":one": N(1)})
                    it = dict(state.get(key) or {"pk": S(pk), "sk": N(sk)})
                    it["g"] = S(f"u{second % 3}")
                    it["n"] = N(int(it["n"]["N"]) + 1 if "n" in it else 1)
                    state[key] = it
                else:
                    ddb.delete_item(TableName=name, Key={"pk": S(pk), "sk": N(sk)})
                    state.pop(key, None)
            if second % 6 == 3:
                # The next whole second of the server's clock (the SDKs send whole seconds):
                # every write so far was before it, the next phase's come after it.
                marks.append((math.ceil(time.time() + offset),
                              [dict(v) for v in state.values()]))
            advance(server, 1)
            offset += 1
        assert len(marks) == 10
        advance(server, 400)  # LatestRestorableDateTime trails the clock by 5 minutes
        for i, (when, expected) in enumerate(marks):
            target = f"pitr-load-at-{i}"
            reply = ddb.restore_table_to_point_in_time(
                SourceTableName=name, TargetTableName=target, RestoreDateTime=when)
            summary = reply["TableDescription"]["RestoreSummary"]
            assert summary["RestoreInProgress"] is True and "SourceBackupArn" not in summary
        for i, (when, expected) in enumerate(marks):
            target = f"pitr-load-at-{i}"
            wait_active(ddb, target)
            assert_same_table(ddb, target, expected)


def test_deleting_a_table_with_pitr_leaves_a_system_backup(ddb):
    name = unique_table_name("sysbk")
    indexed_table(ddb, name)
    expected = [item("a", i, g="x") for i in range(30)]
    for it in expected:
        ddb.put_item(TableName=name, Item=it)
    pitr(ddb, name, True)
    ddb.delete_table(TableName=name)
    system = wait_for(lambda: ddb.list_backups(TableName=name, BackupType="SYSTEM")[
        "BackupSummaries"])
    assert len(system) == 1
    backup = system[0]
    assert backup["BackupName"] == f"{name}$DeletedTableBackup"
    assert backup["BackupArn"].endswith("-00000000")
    assert backup["BackupStatus"] == "AVAILABLE" and backup["BackupType"] == "SYSTEM"
    days = (backup["BackupExpiryDateTime"] - backup["BackupCreationDateTime"]).total_seconds()
    assert days == 35 * 86400
    assert ddb.list_backups(TableName=name)["BackupSummaries"] == []  # USER by default
    description = ddb.describe_backup(BackupArn=backup["BackupArn"])["BackupDescription"]
    assert description["SourceTableFeatureDetails"] == {}
    code, message = rejected(ddb.delete_backup, BackupArn=backup["BackupArn"])
    assert code == VALIDATION
    assert message.startswith("Invalid Request: User is not allowed to delete the system backup "
                              f"with arn {backup['BackupArn']}. It will automatically expire on ")
    try:
        ddb.restore_table_from_backup(TargetTableName=name, BackupArn=backup["BackupArn"])
        wait_active(ddb, name)
        assert_same_table(ddb, name, expected)
    finally:
        delete_table_quietly(ddb, name)
    # Without PITR, no SYSTEM backup.
    other = unique_table_name("nosys")
    indexed_table(ddb, other)
    ddb.delete_table(TableName=other)
    assert ddb.list_backups(TableName=other, BackupType="ALL")["BackupSummaries"] == []


# ---------------------------------------------------------------------------------------------
# Durability
# ---------------------------------------------------------------------------------------------

def test_backups_and_pitr_survive_kill9():
    with DdbdProcess(extra_args=["--test-hooks"]) as server:
        ddb = server.client()
        name = indexed_table(ddb, "durable")
        expected = [item(f"p{i % 9}", i, g=f"g{i % 4}") for i in range(300)]
        for it in expected:
            ddb.put_item(TableName=name, Item=it)
        arn = create_backup(ddb, name)
        pitr(ddb, name, True, RecoveryPeriodInDays=3)
        mark = math.ceil(time.time() + 1)
        advance(server, 2)
        for i in range(0, 300, 2):
            ddb.delete_item(TableName=name, Key={"pk": S(f"p{i % 9}"), "sk": N(i)})
        server.kill9()
        server.start()
        ddb = server.client()
        assert backup_status(ddb, arn) == "AVAILABLE"
        description = ddb.describe_continuous_backups(TableName=name)[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert description["PointInTimeRecoveryStatus"] == "ENABLED"
        assert description["RecoveryPeriodInDays"] == 3
        advance(server, 400)
        ddb.restore_table_from_backup(TargetTableName="from-backup", BackupArn=arn)
        ddb.restore_table_to_point_in_time(SourceTableName=name, TargetTableName="from-pitr",
                                           RestoreDateTime=mark)
        for target in ("from-backup", "from-pitr"):
            wait_active(ddb, target)
            assert_same_table(ddb, target, expected)


def test_copies_and_restores_cut_short_by_kill9_are_finished_after_restart():
    with DdbdProcess(extra_args=["--test-hooks"]) as server:
        ddb = server.client()
        name = indexed_table(ddb, "interrupted")
        expected = [item(f"p{i % 50}", i, g=f"g{i % 7}", pad=S("x" * 200)) for i in range(4000)]
        for start in range(0, len(expected), 25):
            ddb.batch_write_item(RequestItems={name: [
                {"PutRequest": {"Item": it}} for it in expected[start:start + 25]]})
        arn = create_backup(ddb, name)
        # A restore killed while it copies resumes at the next start.
        ddb.restore_table_from_backup(TargetTableName="restored", BackupArn=arn)
        server.kill9()
        server.start()
        ddb = server.client()
        wait_active(ddb, "restored")
        assert_same_table(ddb, "restored", expected)
        # A backup killed while it copies is the table as it was when requested.
        second = ddb.create_backup(TableName=name, BackupName="cut")["BackupDetails"]["BackupArn"]
        for i in range(0, 4000, 2):
            ddb.delete_item(TableName=name, Key={"pk": S(f"p{i % 50}"), "sk": N(i)})
        server.kill9()
        server.start()
        ddb = server.client()
        wait_for(lambda: backup_status(ddb, second) == "AVAILABLE")
        ddb.restore_table_from_backup(TargetTableName="restored-2", BackupArn=second)
        wait_active(ddb, "restored-2")
        assert_same_table(ddb, "restored-2", expected)
