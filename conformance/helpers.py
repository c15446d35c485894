"""Value builders and small helpers shared by the conformance tests."""

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


def put_new(ddb, table, **attrs):
    key = {"pk": S(new_key())}
    ddb.put_item(TableName=table, Item=dict(key, **attrs))
    return key

