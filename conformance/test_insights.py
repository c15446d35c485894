"""Contributor insights: the API's shapes, and (ddbd only) real counts of the hottest keys,
shown at GET /contributor-insights and in /metrics."""

import json
import subprocess
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import ddbd_binary, unique_table_name


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
