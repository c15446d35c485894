"""Contributor insights: the API's shapes, and (ddbd only) real counts of the hottest keys,
shown at GET /contributor-insights and in /metrics."""

import json
import subprocess
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import ddbd_binary, unique_table_name
from helpers import rejected, wait_for


def test_enable_describe_list_disable(ddb, table_factory):
    name = table_factory(tag="ci", range_key=("sk", "S"))
    described = ddb.describe_contributor_insights(TableName=name)
    assert described["TableName"] == name
    assert described["ContributorInsightsStatus"] == "DISABLED"
    answer = ddb.update_contributor_insights(TableName=name, ContributorInsightsAction="ENABLE")
    assert answer["TableName"] == name
    assert answer["ContributorInsightsStatus"] in ("ENABLING", "ENABLED")
    described = ddb.describe_contributor_insights(TableName=name)
    assert described["ContributorInsightsStatus"] in ("ENABLING", "ENABLED")
    rules = described.get("ContributorInsightsRuleList", [])
    assert len(rules) == 4 and all(r.startswith("DynamoDBContributorInsights-") for r in rules)
    summaries = ddb.list_contributor_insights(TableName=name)["ContributorInsightsSummaries"]
    assert [s["TableName"] for s in summaries] == [name]
    ddb.update_contributor_insights(TableName=name, ContributorInsightsAction="DISABLE")
    assert ddb.describe_contributor_insights(TableName=name)["ContributorInsightsStatus"] in (
        "DISABLING", "DISABLED")


def test_validation(ddb_raw, table_factory):
    name = table_factory(tag="civ")
    with pytest.raises(ClientError) as excinfo:
        ddb_raw.update_contributor_insights(TableName=name, ContributorInsightsAction="START")
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"
    assert excinfo.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'START' at 'contributorInsightsAction' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ENABLE, DISABLE]")
    with pytest.raises(ClientError) as excinfo:
        ddb_raw.describe_contributor_insights(TableName=unique_table_name("noci"))
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"


def indexed_table(table_factory):
    return table_factory(
        tag="cix", range_key=("sk", "S"),
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "g")],
        LocalSecondaryIndexes=[{
            "IndexName": "byLocal", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "g", "KeyType": "RANGE"}]}],
        GlobalSecondaryIndexes=[{
            "IndexName": "byG", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}])


def test_the_services_messages(ddb_raw, table_factory):
    name = indexed_table(table_factory)
    update = ddb_raw.update_contributor_insights
    # An LSI has no contributor insights of its own: it is not found, as an unknown index.
    for index in ("nope", "byLocal"):
        assert rejected(update, TableName=name, IndexName=index,
                        ContributorInsightsAction="ENABLE") == (
            "ResourceNotFoundException",
            f"Requested resource not found: Index: {index} not found for table: {name}")
        assert rejected(ddb_raw.describe_contributor_insights, TableName=name,
                        IndexName=index) == (
            "ResourceNotFoundException",
            f"Requested resource not found: Index: {index} not found for table: {name}")
    missing = unique_table_name("noci")
    assert rejected(update, TableName=missing, ContributorInsightsAction="ENABLE") == (
        "ResourceNotFoundException", f"Requested resource not found: Table: {missing} not found")
    assert rejected(update, TableName=name, ContributorInsightsAction="ENABLE",
                    ContributorInsightsMode="SOME_KEYS") == (
        "ValidationException",
        "1 validation error detected: Value 'SOME_KEYS' at 'contributorInsightsMode' failed to "
        "satisfy constraint: Member must satisfy enum value set: "
        "[THROTTLED_KEYS, ACCESSED_AND_THROTTLED_KEYS]")
    assert rejected(update, TableName=name, IndexName="", ContributorInsightsAction="ENABLE") == (
        "ValidationException",
        "IndexName must be at least 3 characters long and at most 255 characters long")


def settled(ddb, name, status, **index):
    return wait_for(lambda: ddb.describe_contributor_insights(
        TableName=name, **index)["ContributorInsightsStatus"] == status, timeout=60)


def test_modes_and_repeated_requests(ddb, table_factory):
    name = indexed_table(table_factory)
    update = ddb.update_contributor_insights
    # Disabling what was never enabled changes nothing and says so.
    answer = update(TableName=name, ContributorInsightsAction="DISABLE")
    assert answer["ContributorInsightsStatus"] == "DISABLED"
    assert "ContributorInsightsMode" not in answer
    answer = update(TableName=name, IndexName="byG", ContributorInsightsAction="ENABLE",
                    ContributorInsightsMode="THROTTLED_KEYS")
    assert (answer["IndexName"], answer["ContributorInsightsMode"]) == ("byG", "THROTTLED_KEYS")
    settled(ddb, name, "ENABLED", IndexName="byG")
    described = ddb.describe_contributor_insights(TableName=name, IndexName="byG")
    assert described["ContributorInsightsMode"] == "THROTTLED_KEYS"
    assert len(described["ContributorInsightsRuleList"]) == 1  # throttled partition keys
    # The same request again is answered with the settled state.
    answer = update(TableName=name, IndexName="byG", ContributorInsightsAction="ENABLE",
                    ContributorInsightsMode="THROTTLED_KEYS")
    assert answer["ContributorInsightsStatus"] == "ENABLED"
    # ENABLE without a mode goes back to the default mode.
    answer = update(TableName=name, IndexName="byG", ContributorInsightsAction="ENABLE")
    assert answer["ContributorInsightsMode"] == "ACCESSED_AND_THROTTLED_KEYS"
    settled(ddb, name, "ENABLED", IndexName="byG")
    # DISABLE keeps (and answers) the current mode, whatever the request names.
    answer = update(TableName=name, IndexName="byG", ContributorInsightsAction="DISABLE",
                    ContributorInsightsMode="THROTTLED_KEYS")
    assert answer["ContributorInsightsStatus"] == "DISABLING"
    assert answer["ContributorInsightsMode"] == "ACCESSED_AND_THROTTLED_KEYS"
    # The table's own setting is separate from its index's.
    assert ddb.describe_contributor_insights(TableName=name)["ContributorInsightsStatus"] == \
        "DISABLED"


@pytest.mark.ddbd_only
def test_a_zipfian_workload_shows_its_hottest_keys_in_order(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    bench = ddbd_binary().parent / "ddbd-bench"
    address = server.endpoint.replace("http://", "")
    common = [str(bench), "--endpoint", address, "--table", "zipf", "--keys", "1000",
              "--item-size", "200", "--connections", "2"]
    subprocess.run(common + ["--setup", "--requests", "1"], check=True, capture_output=True)
    ddb.update_contributor_insights(TableName="zipf", ContributorInsightsAction="ENABLE")
    subprocess.run(common + ["--mix", "get=1,put=1", "--zipf", "1.2", "--requests", "20000"],
                   check=True, capture_output=True)
    with urllib.request.urlopen(f"{server.endpoint}/contributor-insights?table=zipf") as r:
        view = json.loads(r.read())["tables"][0]
    top = [e["partitionKey"] for e in view["mostAccessedPartitionKeys"]]
    assert top[:3] == ["key0", "key1", "key2"], view["mostAccessedPartitionKeys"][:5]
    counts = [e["count"] for e in view["mostAccessedPartitionKeys"]]
    assert counts == sorted(counts, reverse=True)
    assert view["mostThrottledPartitionKeys"] == []
    with urllib.request.urlopen(f"{server.endpoint}/metrics") as r:
        metrics = r.read().decode()
    assert 'ddbd_contributor_insights_top{table="zipf",index="",rule="accessed",rank="1",key="key0"}' \
        in metrics
