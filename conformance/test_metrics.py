"""GET /metrics (Prometheus text) and GET /partitions (ddbd only)."""

import json
import re
import urllib.request

import pytest

from conftest import unique_table_name
from helpers import metric_value as metric

pytestmark = pytest.mark.ddbd_only


def fetch(server, path):
    with urllib.request.urlopen(f"{server.endpoint}{path}") as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def test_metrics_count_requests_capacity_and_gsi_lag(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    table = unique_table_name("metrics")
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "g", "AttributeType": "S"}],
                     GlobalSecondaryIndexes=[{"IndexName": "by_g",
                                              "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                              "Projection": {"ProjectionType": "ALL"}}])
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}, "g": {"S": "x"}})
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.get_item(TableName="no-such-table", Key={"pk": {"S": "a"}})
    status, content_type, text = fetch(server, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    assert metric(text, "ddbd_requests_total", operation="PutItem", outcome="OK") == 3
    assert metric(text, "ddbd_requests_total", operation="GetItem",
                  outcome="ResourceNotFoundException") == 1
    assert metric(text, "ddbd_request_duration_seconds_count", operation="PutItem") == 3
    assert re.search(r'ddbd_request_duration_seconds_bucket\{operation="PutItem",le="\+Inf"\} 3', text)
    assert metric(text, "ddbd_gsi_lag_records", table=table, index="by_g") is not None
    assert metric(text, "ddbd_table_partitions", table=table) == 4
    consumed = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("ddbd_consumed_write_units_total") and f'table="{table}"' in line)
    assert consumed == 3.0
    status, content_type, body = fetch(server, f"/partitions?table={table}")
    view = json.loads(body)["tables"][0]
    assert view["table"] == table and len(view["partitions"]) == 4
    assert sum(p["items"] for p in view["partitions"]) == 3
    assert view["globalSecondaryIndexes"][0]["index"] == "by_g"
