"""Value builders and small helpers shared by the conformance tests."""

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import error_of


def new_key():
    return uuid.uuid4().hex


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def B(v):
    return {"B": v}


def L(*v):
    return {"L": list(v)}


def M(**v):
    return {"M": v}


def get(ddb, table, key, **kwargs):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True, **kwargs).get("Item")


def rejected(call, **kwargs):
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    return error_of(excinfo)


def scan_pages(ddb, **kwargs):
    """Every page of a Scan, following LastEvaluatedKey."""
    start = None
    while True:
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.scan(**kwargs)
        yield page
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def scan_count(ddb, table, index=None):
    """The number of items in a table (or index), counted by a paged Scan."""
    kwargs = {"TableName": table, "Select": "COUNT"}
    if index:
        kwargs["IndexName"] = index
    return sum(page["Count"] for page in scan_pages(ddb, **kwargs))


def partitions(server, table):
    """The partitions of a table, from ddbd's /partitions."""
    with urllib.request.urlopen(f"{server.endpoint}/partitions?table={table}") as r:
        return json.loads(r.read())["tables"][0]["partitions"]


def put_new(ddb, table, **attrs):
    key = {"pk": S(new_key())}
    ddb.put_item(TableName=table, Item=dict(key, **attrs))
    return key



def wait_for(predicate, timeout=30.0, interval=0.05):
    """Polls predicate() until it returns something truthy, and returns that."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not reached within %.0f s" % timeout)


def metric_value(text, name, **labels):
    """The value of a Prometheus series in ``text`` with all of ``labels``, or None."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def metric(server, name, **labels):
    """Fetches ddbd's GET /metrics and returns one series' value (None if absent)."""
    with urllib.request.urlopen(f"{server.endpoint}/metrics") as r:
        return metric_value(r.read().decode(), name, **labels)


def raw_call(endpoint, operation, body, region="us-east-1",
             credentials=("AKIDCONFORMANCE", "conformance-secret")):
    """A signed request sent without the SDK's model, for members Debian's botocore predates
    (OnDemandThroughput, MultiRegionConsistency, ...). Returns (HTTP status, decoded body)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    request = AWSRequest(method="POST", url=endpoint + "/", data=json.dumps(body),
                         headers={"X-Amz-Target": f"DynamoDB_20120810.{operation}",
                                  "Content-Type": "application/x-amz-json-1.0"})
    SigV4Auth(Credentials(*credentials), "dynamodb", region).add_auth(request)
    prepared = urllib.request.Request(request.url, data=request.body, headers=dict(request.headers),
                                      method="POST")
    try:
        with urllib.request.urlopen(prepared) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
