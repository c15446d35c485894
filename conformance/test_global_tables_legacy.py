"""Global tables version 2017.11.29 (docs/global-tables.md): CreateGlobalTable joins existing
empty tables with streams in several regions; UpdateGlobalTable adds and removes regions;
DescribeGlobalTable, ListGlobalTables and the settings operations; items carry the aws:rep:*
attributes. Plus the AWS CLI commands of both versions.

The service no longer creates global tables of this version (since 2026 CreateGlobalTable
answers "DynamoDB global tables version 2017.11.29 is not supported...": crossplane-contrib/
provider-aws issue 2308, aws-controllers-k8s/dynamodb-controller PR 167), so the tests that
create one are ddbd_only; ddbd keeps the version for older tooling, and answers as the service
does today with --no-legacy-global-tables. Facts about the version come from the developer
guide (globaltables_HowItWorks, globaltables_reqs_bestpractices, DetermineVersion) and the
items and outputs quoted in public issues named beside them; messages marked "unverified" were
not found in public sources."""

import json
import os
import time

import boto3
import pytest

from conftest import DdbdProcess, client_config, delete_table_quietly, unique_table_name
from helpers import S, rejected, wait_for
from test_cli import AWS, cli_runner

HOME, EU, AP = "us-east-1", "eu-west-1", "ap-southeast-2"
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def regional(endpoint, credentials, region):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=region,
                        aws_access_key_id=credentials[0], aws_secret_access_key=credentials[1],
                        config=client_config())


@pytest.fixture(scope="module")
def regions(endpoint, credentials):
    return {r: regional(endpoint, credentials, r) for r in (HOME, EU, AP)}


@pytest.fixture
def tables(regions):
    """make(name, *regions, **create_table_args) creates the table in each region; all are
    deleted (and their group emptied) after the test."""
    made = []

    def make(name, *in_regions, stream=True, **extra):
        args = dict(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST")
        if stream:
            args["StreamSpecification"] = STREAM
        args.update(extra)
        for region in in_regions:
            regions[region].create_table(**args)
            made.append((region, name))
        return name

    yield make
    for region, name in made:
        try:
            regions[HOME].update_global_table(
                GlobalTableName=name, ReplicaUpdates=[{"Delete": {"RegionName": region}}])
        except Exception:
            pass
    for region, name in made:
        delete_table_quietly(regions[region], name)


pytestmark = pytest.mark.ddbd_only


def test_a_global_table_joins_empty_tables_and_replicates_with_rep_attributes(regions, tables):
    name = tables(unique_table_name("v1"), HOME, EU)
    created = regions[HOME].create_global_table(
        GlobalTableName=name, ReplicationGroup=[{"RegionName": HOME}, {"RegionName": EU}])
    description = created["GlobalTableDescription"]
    assert description["GlobalTableName"] == name
    assert description["GlobalTableStatus"] in ("CREATING", "ACTIVE")
    # The ARN has no region (aws-cli's describe-global-table example).
    assert description["GlobalTableArn"].startswith("arn:aws:dynamodb::")
    assert description["GlobalTableArn"].endswith(":global-table/" + name)
    described = regions[EU].describe_global_table(GlobalTableName=name)["GlobalTableDescription"]
    assert sorted(r["RegionName"] for r in described["ReplicationGroup"]) == sorted([HOME, EU])
    assert described["GlobalTableStatus"] == "ACTIVE"
    # DescribeTable of a member says nothing of version 2019.11.21's replicas (DetermineVersion).
    table = regions[HOME].describe_table(TableName=name)["Table"]
    assert "Replicas" not in table and "GlobalTableVersion" not in table

    regions[HOME].put_item(TableName=name, Item={"pk": S("a"), "v": S("1")})
    # Replicated copies carry the writer's region and time (an item quoted in
    # hashicorp/terraform-provider-aws issue 30690: deleting BOOL false, updateregion S,
    # updatetime N with six decimals).
    wait_for(lambda: "Item" in regions[EU].get_item(TableName=name, Key={"pk": S("a")}))
    copy = regions[EU].get_item(TableName=name, Key={"pk": S("a")})["Item"]
    assert copy["v"] == S("1")
    assert copy["aws:rep:deleting"] == {"BOOL": False}
    assert copy["aws:rep:updateregion"] == S(HOME)
    # (Numbers come back normalized: trailing zeros of the microseconds are dropped.)
    seconds, _, fraction = copy["aws:rep:updatetime"]["N"].partition(".")
    assert len(fraction) <= 6 and abs(int(seconds) - time.time()) < 60
    # The source's item is adorned too, by a write of its own after the user's.
    wait_for(lambda: "aws:rep:updateregion" in regions[HOME].get_item(
        TableName=name, Key={"pk": S("a")}, ConsistentRead=True)["Item"])
    home = regions[HOME].get_item(TableName=name, Key={"pk": S("a")}, ConsistentRead=True)["Item"]
    assert home == copy

    regions[EU].delete_item(TableName=name, Key={"pk": S("a")})
    wait_for(lambda: "Item" not in regions[HOME].get_item(TableName=name, Key={"pk": S("a")},
                                                          ConsistentRead=True))

    listed = regions[HOME].list_global_tables(RegionName=EU)["GlobalTables"]
    assert {"GlobalTableName": name,
            "ReplicationGroup": [{"RegionName": HOME}, {"RegionName": EU}]} in listed
    assert all(t["GlobalTableName"] != name
               for t in regions[HOME].list_global_tables(RegionName=AP)["GlobalTables"])


def test_the_prerequisites_of_the_version(regions, tables):
    name = unique_table_name("v1req")
    tables(name, HOME)
    # A region without the table (the message quoted in aws-controllers-k8s/community 1034).
    code, message = rejected(regions[HOME].create_global_table, GlobalTableName=name,
                          ReplicationGroup=[{"RegionName": HOME}, {"RegionName": EU}])
    assert code == "TableNotFoundException"
    assert message == f"Table not found: Table: '{name}' not found in region: '{EU}'."
    # Streams of new and old images in every region (message unverified).
    tables(name, EU, stream=False)
    code, _ = rejected(regions[HOME].create_global_table, GlobalTableName=name,
                    ReplicationGroup=[{"RegionName": HOME}, {"RegionName": EU}])
    assert code == "ValidationException"
    # Empty tables only (message unverified).
    other = tables(unique_table_name("v1full"), HOME, EU)
    regions[EU].put_item(TableName=other, Item={"pk": S("x")})
    code, _ = rejected(regions[HOME].create_global_table, GlobalTableName=other,
                    ReplicationGroup=[{"RegionName": HOME}, {"RegionName": EU}])
    assert code == "ValidationException"
    # The same key schema everywhere (message unverified).
    third = unique_table_name("v1keys")
    tables(third, HOME)
    tables(third, EU, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
           AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    code, _ = rejected(regions[HOME].create_global_table, GlobalTableName=third,
                    ReplicationGroup=[{"RegionName": HOME}, {"RegionName": EU}])
    assert code == "ValidationException"
    for n in (name, other, third):
        code, _ = rejected(regions[HOME].describe_global_table, GlobalTableName=n)
        assert code == "GlobalTableNotFoundException"


def test_group_changes_and_their_errors(regions, tables):
    name = tables(unique_table_name("v1upd"), HOME, EU, AP)
    regions[HOME].create_global_table(GlobalTableName=name,
                                      ReplicationGroup=[{"RegionName": HOME}])
    code, _ = rejected(regions[HOME].create_global_table, GlobalTableName=name,
                    ReplicationGroup=[{"RegionName": EU}])
    assert code == "GlobalTableAlreadyExistsException"
    regions[HOME].update_global_table(GlobalTableName=name,
                                      ReplicaUpdates=[{"Create": {"RegionName": EU}}])
    code, _ = rejected(regions[HOME].update_global_table, GlobalTableName=name,
                    ReplicaUpdates=[{"Create": {"RegionName": EU}}])
    assert code == "ReplicaAlreadyExistsException"
    code, _ = rejected(regions[HOME].update_global_table, GlobalTableName=name,
                    ReplicaUpdates=[{"Delete": {"RegionName": AP}}])
    assert code == "ReplicaNotFoundException"
    code, _ = rejected(regions[HOME].update_global_table, GlobalTableName=name + "-none",
                    ReplicaUpdates=[{"Create": {"RegionName": AP}}])
    assert code == "GlobalTableNotFoundException"
    # Version 2019.11.21's ReplicaUpdates do not apply to this version's tables.
    code, _ = rejected(regions[HOME].update_table, TableName=name,
                    ReplicaUpdates=[{"Create": {"RegionName": AP}}])
    assert code == "ValidationException"

    regions[EU].put_item(TableName=name, Item={"pk": S("e")})
    wait_for(lambda: "Item" in regions[HOME].get_item(TableName=name, Key={"pk": S("e")}))
    # Removing a region keeps its table, which stops replicating.
    regions[HOME].update_global_table(GlobalTableName=name,
                                      ReplicaUpdates=[{"Delete": {"RegionName": EU}}])
    assert [r["RegionName"] for r in regions[HOME].describe_global_table(
        GlobalTableName=name)["GlobalTableDescription"]["ReplicationGroup"]] == [HOME]
    assert regions[EU].describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    regions[EU].put_item(TableName=name, Item={"pk": S("after")})
    regions[HOME].put_item(TableName=name, Item={"pk": S("marker")})
    wait_for(lambda: "aws:rep:updateregion" in regions[HOME].get_item(
        TableName=name, Key={"pk": S("marker")}, ConsistentRead=True)["Item"])
    assert "Item" not in regions[HOME].get_item(TableName=name, Key={"pk": S("after")},
                                                ConsistentRead=True)
    # The last region's removal ends the global table (terraform's delete waits for
    # GlobalTableNotFoundException after removing every region).
    regions[HOME].update_global_table(GlobalTableName=name,
                                      ReplicaUpdates=[{"Delete": {"RegionName": HOME}}])
    code, _ = rejected(regions[HOME].describe_global_table, GlobalTableName=name)
    assert code == "GlobalTableNotFoundException"


def test_settings_of_every_replica(regions, tables):
    name = tables(unique_table_name("v1set"), HOME, EU, BillingMode="PROVISIONED",
                  ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    regions[HOME].create_global_table(
        GlobalTableName=name, ReplicationGroup=[{"RegionName": HOME}, {"RegionName": EU}])
    settings = regions[HOME].describe_global_table_settings(GlobalTableName=name)
    assert settings["GlobalTableName"] == name
    by_region = {r["RegionName"]: r for r in settings["ReplicaSettings"]}
    assert set(by_region) == {HOME, EU}
    assert by_region[EU]["ReplicaBillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert by_region[EU]["ReplicaProvisionedWriteCapacityUnits"] == 5
    updated = regions[HOME].update_global_table_settings(
        GlobalTableName=name, GlobalTableProvisionedWriteCapacityUnits=8,
        ReplicaSettingsUpdate=[{"RegionName": EU, "ReplicaProvisionedReadCapacityUnits": 7}])
    by_region = {r["RegionName"]: r for r in updated["ReplicaSettings"]}
    assert by_region[HOME]["ReplicaProvisionedWriteCapacityUnits"] == 8
    assert by_region[EU]["ReplicaProvisionedWriteCapacityUnits"] == 8
    assert by_region[EU]["ReplicaProvisionedReadCapacityUnits"] == 7
    assert by_region[HOME]["ReplicaProvisionedReadCapacityUnits"] == 5
    eu = regions[EU].describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert (eu["ReadCapacityUnits"], eu["WriteCapacityUnits"]) == (7, 8)
    code, _ = rejected(regions[HOME].update_global_table_settings, GlobalTableName=name,
                    ReplicaSettingsUpdate=[{"RegionName": AP,
                                            "ReplicaProvisionedReadCapacityUnits": 7}])
    assert code == "ReplicaNotFoundException"
    code, _ = rejected(regions[HOME].describe_global_table_settings, GlobalTableName=name + "-none")
    assert code == "GlobalTableNotFoundException"


def test_without_the_legacy_version_create_global_table_answers_as_the_service(tmp_path):
    server = DdbdProcess(in_memory=True, extra_args=["--no-legacy-global-tables"]).start()
    try:
        ddb = server.client()
        code, message = rejected(ddb.create_global_table, GlobalTableName="Music",
                              ReplicationGroup=[{"RegionName": HOME}])
        assert code == "ValidationException"
        assert message == (
            "One or more parameter values were invalid: DynamoDB global tables version "
            "2017.11.29 is not supported. We recommend using DynamoDB global tables version "
            "2019.11.21, instead of version 2017.11.29 (Legacy).")
    finally:
        server.stop()


@pytest.mark.skipif(not os.path.exists(AWS), reason=f"{AWS} not installed")
def test_cli_commands_of_both_versions(endpoint, credentials, tmp_path, tables):
    aws = cli_runner(endpoint, credentials, tmp_path)
    # Version 2019.11.21: update-table --replica-updates.
    current = unique_table_name("cli2019")
    aws("create-table", "--table-name", current, "--billing-mode", "PAY_PER_REQUEST",
        "--attribute-definitions", "AttributeName=pk,AttributeType=S",
        "--key-schema", "AttributeName=pk,KeyType=HASH",
        "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")
    try:
        aws("wait", "table-exists", "--table-name", current)
        out = aws.json("update-table", "--table-name", current, "--replica-updates",
                       json.dumps([{"Create": {"RegionName": EU}}]))
        assert out["TableDescription"]["TableName"] == current
        wait_for(lambda: aws.json("describe-table", "--table-name", current)["Table"]
                 .get("Replicas", [{}])[0].get("ReplicaStatus") == "ACTIVE", timeout=120)
        assert aws.json("describe-table", "--table-name", current)["Table"][
            "GlobalTableVersion"] == "2019.11.21"
        aws("put-item", "--table-name", current, "--item", '{"pk": {"S": "cli"}}')
        wait_for(lambda: "Item" in aws.json("get-item", "--table-name", current, "--key",
                                            '{"pk": {"S": "cli"}}', "--region", EU))
        proc = aws("update-table", "--table-name", current, "--replica-updates",
                   json.dumps([{"Create": {"RegionName": HOME}}]), check=False)
        assert proc.returncode != 0 and "ValidationException" in proc.stderr
        aws("update-table", "--table-name", current, "--replica-updates",
            json.dumps([{"Delete": {"RegionName": EU}}]))
        wait_for(lambda: aws("describe-table", "--table-name", current, "--region", EU,
                             check=False).returncode != 0, timeout=120)
    finally:
        aws("delete-table", "--table-name", current, check=False)

    # Version 2017.11.29: the global-table commands.
    legacy = tables(unique_table_name("cli2017"), HOME, EU)
    out = aws.json("create-global-table", "--global-table-name", legacy, "--replication-group",
                   f"RegionName={HOME}", f"RegionName={EU}")
    assert out["GlobalTableDescription"]["GlobalTableName"] == legacy
    out = aws.json("describe-global-table", "--global-table-name", legacy)
    assert len(out["GlobalTableDescription"]["ReplicationGroup"]) == 2
    assert legacy in [t["GlobalTableName"] for t in aws.json("list-global-tables")["GlobalTables"]]
    out = aws.json("describe-global-table-settings", "--global-table-name", legacy)
    assert {r["RegionName"] for r in out["ReplicaSettings"]} == {HOME, EU}
    out = aws.json("update-global-table-settings", "--global-table-name", legacy,
                   "--replica-settings-update", f"RegionName={EU},ReplicaTableClass=STANDARD")
    assert out["GlobalTableName"] == legacy
    aws("update-global-table", "--global-table-name", legacy, "--replica-updates",
        json.dumps([{"Delete": {"RegionName": EU}}]))
    proc = aws("update-global-table", "--global-table-name", legacy, "--replica-updates",
               json.dumps([{"Delete": {"RegionName": EU}}]), check=False)
    assert proc.returncode != 0 and "ReplicaNotFoundException" in proc.stderr
    proc = aws("describe-global-table", "--global-table-name", legacy + "-none", check=False)
    assert proc.returncode != 0 and "GlobalTableNotFoundException" in proc.stderr
