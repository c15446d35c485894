"""Table control plane: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable.

Sources for the exact error messages are cited next to each assertion. A
message that could not be confirmed from AWS documentation or from reports of
the real service is not asserted (marked ``# message unverified``).
"""

import datetime
import re
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import (
    delete_table_quietly,
    error_of,
    key_schema_for,
    unique_table_name,
    wait_for_table,
)
from helpers import rejected

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def arn_re(name):
    return re.compile(r"^arn:aws:dynamodb:us-east-1:\d{12}:table/" + re.escape(name) + r"$")


def assert_table_missing(ddb, name):
    with pytest.raises(ClientError) as excinfo:
        ddb.describe_table(TableName=name)
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def assert_recent(ts):
    assert isinstance(ts, datetime.datetime)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - ts).total_seconds()) < 600


# --------------------------------------------------------------------------
# CreateTable / DescribeTable: response shape
# --------------------------------------------------------------------------

def test_create_table_on_demand_description(ddb, created_tables):
    name = unique_table_name("ondemand")
    created_tables.append(name)
    ks, ad = key_schema_for(("pk", "S"))
    resp = ddb.create_table(
        TableName=name,
        KeySchema=ks,
        AttributeDefinitions=ad,
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "team", "Value": "conformance"}, {"Key": "empty", "Value": ""}],
    )
    desc = resp["TableDescription"]
    assert desc["TableName"] == name
    assert arn_re(name).match(desc["TableArn"]), desc["TableArn"]
    assert UUID_RE.match(desc["TableId"]), desc["TableId"]
    assert desc["TableStatus"] in ("CREATING", "ACTIVE")
    assert_recent(desc["CreationDateTime"])
    assert desc["KeySchema"] == ks
    assert desc["AttributeDefinitions"] == ad
    assert desc["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 0,
        "WriteCapacityUnits": 0,
    }
    assert desc["TableSizeBytes"] == 0
    assert desc["ItemCount"] == 0
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_describe_table_matches_create(ddb, created_tables):
    name = unique_table_name("describe")
    created_tables.append(name)
    ks, ad = key_schema_for(("pk", "S"), ("sk", "N"))
    created = ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad,
                               BillingMode="PAY_PER_REQUEST")["TableDescription"]
    wait_for_table(ddb, name)
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["TableStatus"] == "ACTIVE"
    for field in ("TableName", "TableArn", "TableId", "CreationDateTime", "KeySchema"):
        assert desc[field] == created[field], field
    assert sorted(desc["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        ad, key=lambda a: a["AttributeName"])
    assert desc["ItemCount"] == 0
    assert desc["TableSizeBytes"] == 0
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_create_table_provisioned(ddb, created_tables):
    name = unique_table_name("prov")
    created_tables.append(name)
    ks, ad = key_schema_for(("id", "N"), ("ts", "B"))
    resp = ddb.create_table(
        TableName=name,
        KeySchema=ks,
        AttributeDefinitions=ad,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
        Tags=[{"Key": "k", "Value": "v"}],
    )
    desc = resp["TableDescription"]
    assert desc["TableName"] == name
    assert desc["KeySchema"] == ks
    pt = desc["ProvisionedThroughput"]
    assert pt["ReadCapacityUnits"] == 5
    assert pt["WriteCapacityUnits"] == 7
    assert pt["NumberOfDecreasesToday"] == 0
    wait_for_table(ddb, name)
    pt = ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (5, 7)


def test_create_table_without_billing_mode_is_provisioned(ddb, created_tables):
    name = unique_table_name("default")
    created_tables.append(name)
    ks, ad = key_schema_for(("pk", "S"))
    ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad,
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 2})
    wait_for_table(ddb, name)
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 1
    assert desc["ProvisionedThroughput"]["WriteCapacityUnits"] == 2
    assert desc.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED") == "PROVISIONED"


@pytest.mark.parametrize("name_len", [3, 255])
def test_table_name_length_limits_accepted(ddb, created_tables, name_len):
    # Table names are 3-255 characters of [a-zA-Z0-9_.-] (developer guide,
    # "Supported data types and naming rules in Amazon DynamoDB").
    if name_len == 3:
        name = "x" + uuid.uuid4().hex[:2]
    else:
        name = (unique_table_name("len") + "._-" * 100)[:name_len]
    assert len(name) == name_len
    created_tables.append(name)
    ks, ad = key_schema_for(("pk", "S"))
    desc = ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad,
                            BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert desc["TableName"] == name
    wait_for_table(ddb, name)
    assert ddb.describe_table(TableName=name)["Table"]["TableName"] == name


# --------------------------------------------------------------------------
# Existing / missing tables
# --------------------------------------------------------------------------

def test_create_existing_table(ddb, table_factory):
    name = table_factory()
    ks, ad = key_schema_for(("pk", "S"))
    with pytest.raises(ClientError) as excinfo:
        ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad,
                         BillingMode="PAY_PER_REQUEST")
    # Reported from the real service (github.com/joshsymonds/Dynamoid issue 178).
    assert error_of(excinfo) == ("ResourceInUseException", f"Table already exists: {name}")


def test_describe_missing_table(ddb):
    name = unique_table_name("missing")
    with pytest.raises(ClientError) as excinfo:
        ddb.describe_table(TableName=name)
    # Reported from the real service (Dynamoid PR 110; localstack PR 9038 quotes
    # the same wording for DescribeTimeToLive).
    assert error_of(excinfo) == ("ResourceNotFoundException",
                                 f"Requested resource not found: Table: {name} not found")


def test_delete_missing_table(ddb):
    name = unique_table_name("missing")
    with pytest.raises(ClientError) as excinfo:
        ddb.delete_table(TableName=name)
    # message unverified (expected the DescribeTable wording:
    # "Requested resource not found: Table: <name> not found")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


# --------------------------------------------------------------------------
# CreateTable validation
# --------------------------------------------------------------------------

def _create_raw(ddb_raw, name, key_schema=None, attribute_definitions=None, **extra):
    ks, ad = key_schema_for(("pk", "S"))
    kwargs = dict(TableName=name,
                  KeySchema=ks if key_schema is None else key_schema,
                  AttributeDefinitions=ad if attribute_definitions is None else attribute_definitions)
    if "ProvisionedThroughput" not in extra and "BillingMode" not in extra:
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    kwargs.update(extra)
    with pytest.raises(ClientError) as excinfo:
        ddb_raw.create_table(**kwargs)
    return error_of(excinfo)


def test_table_name_bad_characters(ddb_raw):
    name = "bad name!" + unique_table_name()[-8:]
    code, message = _create_raw(ddb_raw, name)
    # Wording reported from the real service (aws/aws-cli issue 790,
    # serverless/serverless issue 5120).
    assert code == "ValidationException"
    assert message == (f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy "
                       "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")


def test_table_name_too_short(ddb_raw):
    code, _ = _create_raw(ddb_raw, "ab")
    # message unverified (expected: "1 validation error detected: Value 'ab' at
    # 'tableName' failed to satisfy constraint: Member must have length greater
    # than or equal to 3")
    assert code == "ValidationException"


def test_table_name_too_long(ddb_raw):
    name = "a" * 256
    code, _ = _create_raw(ddb_raw, name)
    # message unverified (expected: "1 validation error detected: Value '<name>'
    # at 'tableName' failed to satisfy constraint: Member must have length less
    # than or equal to 255")
    assert code == "ValidationException"


def test_key_attribute_without_definition(ddb_raw):
    name = unique_table_name("baddef")
    ks, _ = key_schema_for(("pk", "S"), ("sk", "S"))
    code, message = _create_raw(ddb_raw, name, key_schema=ks,
                                attribute_definitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    # Reported from the real service for exactly this shape (HASH+RANGE keys,
    # only the HASH key defined): aws-cloudformation/cfn-lint issue 1037.
    assert (code, message) == ("ValidationException",
                               "Invalid KeySchema: Some index key attribute have no definition")
    assert_table_missing(ddb_raw, name)


def test_key_attribute_defined_under_other_name(ddb_raw):
    name = unique_table_name("baddef")
    code, message = _create_raw(ddb_raw, name,
                                attribute_definitions=[{"AttributeName": "other", "AttributeType": "S"}])
    assert code == "ValidationException"
    # message unverified (expected: "One or more parameter values were invalid:
    # Some index key attributes are not defined in AttributeDefinitions. Keys:
    # [pk], AttributeDefinitions: [other]")
    assert_table_missing(ddb_raw, name)


def test_unused_attribute_definition(ddb_raw):
    name = unique_table_name("extradef")
    _, ad = key_schema_for(("pk", "S"), ("extra", "N"))
    code, message = _create_raw(ddb_raw, name, attribute_definitions=ad)
    # Reported from the real service: scylladb/scylladb issue 19784 (2024),
    # aws-cloudformation/cfn-lint issue 1037.
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: Number of attributes in KeySchema does not "
        "exactly match number of attributes defined in AttributeDefinitions",
    )
    assert_table_missing(ddb_raw, name)


def test_key_attribute_names_are_at_most_255_bytes(ddb_raw):
    """The model's KeySchemaAttributeName is 1..255 long (ddbd 0.1 created such tables)."""
    long_name = "k" * 256
    name = unique_table_name("longkey")
    code, message = _create_raw(ddb_raw, name, key_schema=[{"AttributeName": long_name, "KeyType": "HASH"}],
                                attribute_definitions=[{"AttributeName": long_name, "AttributeType": "S"}])
    assert code == "ValidationException"
    # The order and count of the listed errors are unverified.
    assert f"Value '{long_name}' at 'keySchema.1.member.attributeName' failed to satisfy constraint: " \
           "Member must have length less than or equal to 255" in message
    assert_table_missing(ddb_raw, name)
    ok = unique_table_name("key255")
    ddb_raw.create_table(TableName=ok, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "k" * 255, "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "k" * 255, "AttributeType": "S"}])
    delete_table_quietly(ddb_raw, ok)


def test_index_key_attribute_names_are_at_most_255_bytes(ddb_raw):
    """The same model constraint inside GlobalSecondaryIndexes (KeySchemaAttributeName)."""
    long_name = "g" * 256
    name = unique_table_name("longgsikey")
    code, message = _create_raw(
        ddb_raw, name,
        attribute_definitions=[{"AttributeName": "pk", "AttributeType": "S"},
                               {"AttributeName": long_name, "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "gsi", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": long_name, "KeyType": "HASH"}]}])
    assert code == "ValidationException"
    # The order and count of the listed errors are unverified.
    assert (f"Value '{long_name}' at 'globalSecondaryIndexes.1.member.keySchema.1.member."
            "attributeName' failed to satisfy constraint: Member must have length less than or "
            "equal to 255") in message
    assert_table_missing(ddb_raw, name)


@pytest.mark.parametrize("second_type", ["S", "N"])
def test_duplicate_attribute_definition(ddb_raw, second_type):
    name = unique_table_name("dupdef")
    code, message = _create_raw(ddb_raw, name, attribute_definitions=[
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "pk", "AttributeType": second_type}])
    # Quoted from the real service: scylladb/scylladb issue 13870 (with two types).
    assert (code, message) == ("ValidationException", "Attribute Name is duplicated: pk")
    assert_table_missing(ddb_raw, name)


def test_two_hash_keys(ddb_raw):
    name = unique_table_name("twohash")
    ks = [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "HASH"}]
    ad = [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}]
    code, message = _create_raw(ddb_raw, name, key_schema=ks, attribute_definitions=ad)
    assert code == "ValidationException"
    # message unverified (expected: "Invalid KeySchema: The second
    # KeySchemaElement is not a RANGE key type")
    assert_table_missing(ddb_raw, name)


def test_range_key_first(ddb_raw):
    name = unique_table_name("rangefirst")
    ks = [{"AttributeName": "a", "KeyType": "RANGE"}, {"AttributeName": "b", "KeyType": "HASH"}]
    ad = [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}]
    code, message = _create_raw(ddb_raw, name, key_schema=ks, attribute_definitions=ad)
    # Reported from the real service: aws-cloudformation/cfn-lint issue 3132.
    assert (code, message) == ("ValidationException",
                               "Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    assert_table_missing(ddb_raw, name)


def test_provisioned_without_throughput(ddb_raw):
    name = unique_table_name("nothroughput")
    code, message = _create_raw(ddb_raw, name, BillingMode="PROVISIONED")
    # Reported from the real service: awslabs/amazon-kinesis-client issue 1357 (2024).
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
        "must both be specified when BillingMode is PROVISIONED",
    )
    assert_table_missing(ddb_raw, name)


def test_no_billing_mode_and_no_throughput(ddb_raw):
    name = unique_table_name("nothroughput")
    ks, ad = key_schema_for(("pk", "S"))
    with pytest.raises(ClientError) as excinfo:
        ddb_raw.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad)
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    # message unverified (expected: "No provisioned throughput specified for the table")
    assert_table_missing(ddb_raw, name)


def test_pay_per_request_with_throughput(ddb_raw):
    name = unique_table_name("ppr")
    code, message = _create_raw(ddb_raw, name, BillingMode="PAY_PER_REQUEST",
                                ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert code == "ValidationException"
    # message unverified (expected: "One or more parameter values were invalid:
    # Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when
    # BillingMode is PAY_PER_REQUEST")
    assert_table_missing(ddb_raw, name)


def test_invalid_attribute_type_in_definitions(ddb_raw):
    name = unique_table_name("badtype")
    code, _ = _create_raw(ddb_raw, name,
                          attribute_definitions=[{"AttributeName": "pk", "AttributeType": "BOOL"}])
    # message unverified (an enum constraint failure on attributeType)
    assert code == "ValidationException"
    assert_table_missing(ddb_raw, name)


# --------------------------------------------------------------------------
# ListTables
# --------------------------------------------------------------------------

def _all_table_names(ddb, page_size):
    names, kwargs, pages = [], {"Limit": page_size}, 0
    while True:
        resp = ddb.list_tables(**kwargs)
        pages += 1
        assert len(resp["TableNames"]) <= page_size
        names += resp["TableNames"]
        if "LastEvaluatedTableName" not in resp:
            return names, pages
        assert resp["LastEvaluatedTableName"] == resp["TableNames"][-1]
        kwargs["ExclusiveStartTableName"] = resp["LastEvaluatedTableName"]
        assert pages < 10000


@pytest.fixture
def three_tables(ddb, table_factory):
    prefix = unique_table_name("list")
    return [table_factory(TableName=f"{prefix}-{suffix}") for suffix in ("b", "a", "c")]


def test_list_tables_contains_created_tables_sorted(ddb, three_tables):
    names = ddb.list_tables()["TableNames"]
    all_names, _ = _all_table_names(ddb, 100)
    assert all_names == sorted(all_names)
    assert len(all_names) == len(set(all_names))
    mine = [n for n in all_names if n in three_tables]
    assert mine == sorted(three_tables)
    if len(names) < 100:
        assert names == all_names


def test_list_tables_paging_with_limit(ddb, three_tables):
    by_two, pages = _all_table_names(ddb, 2)
    by_hundred, _ = _all_table_names(ddb, 100)
    assert by_two == by_hundred
    assert pages >= 2
    for name in three_tables:
        assert name in by_two


def test_list_tables_exclusive_start(ddb, three_tables):
    a, b, c = sorted(three_tables)
    resp = ddb.list_tables(ExclusiveStartTableName=a, Limit=1)
    assert resp["TableNames"] == [b]
    assert resp["LastEvaluatedTableName"] == b
    resp = ddb.list_tables(ExclusiveStartTableName=b, Limit=1)
    assert resp["TableNames"] == [c]


def test_list_tables_limit_zero_rejected(ddb_raw):
    with pytest.raises(ClientError) as excinfo:
        ddb_raw.list_tables(Limit=0)
    # message unverified (expected: "1 validation error detected: Value '0' at
    # 'limit' failed to satisfy constraint: Member must have value greater than
    # or equal to 1")
    assert error_of(excinfo)[0] == "ValidationException"


# --------------------------------------------------------------------------
# DeleteTable and waiters
# --------------------------------------------------------------------------

def test_delete_table_returns_deleting_description(ddb, table_factory):
    name = table_factory(range_key=("sk", "N"))
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}})
    desc = ddb.delete_table(TableName=name)["TableDescription"]
    # The members of the service's reply (a DeleteTable answer pasted from the service in
    # architect/dynalite issue 60): no key schema, definitions or creation time.
    assert set(desc) == {"TableName", "TableStatus", "ProvisionedThroughput", "TableSizeBytes",
                         "ItemCount", "TableArn"}
    assert desc["TableName"] == name
    assert desc["TableStatus"] == "DELETING"
    assert arn_re(name).match(desc["TableArn"])
    assert desc["ProvisionedThroughput"] == {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0,
                                             "WriteCapacityUnits": 0}
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    assert_table_missing(ddb, name)
    assert name not in _all_table_names(ddb, 100)[0]


def test_waiters(ddb, created_tables):
    name = unique_table_name("waiter")
    created_tables.append(name)
    ks, ad = key_schema_for(("pk", "S"))
    ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad, BillingMode="PAY_PER_REQUEST")
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    assert ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    ddb.delete_table(TableName=name)
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    assert_table_missing(ddb, name)


def test_table_name_reusable_after_delete(ddb, created_tables):
    name = unique_table_name("reuse")
    created_tables.append(name)
    ks, ad = key_schema_for(("pk", "S"))
    ddb.create_table(TableName=name, KeySchema=ks, AttributeDefinitions=ad, BillingMode="PAY_PER_REQUEST")
    wait_for_table(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "x"}, "v": {"S": "old"}})
    ddb.delete_table(TableName=name)
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    ks2, ad2 = key_schema_for(("pk", "S"))
    ddb.create_table(TableName=name, KeySchema=ks2, AttributeDefinitions=ad2, BillingMode="PAY_PER_REQUEST")
    wait_for_table(ddb, name)
    resp = ddb.get_item(TableName=name, Key={"pk": {"S": "x"}}, ConsistentRead=True)
    assert "Item" not in resp


# --------------------------------------------------------------------------
# UpdateTable
# --------------------------------------------------------------------------

def test_update_table_throughput(ddb, table_factory):
    name = table_factory(BillingMode="PROVISIONED",
                         ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    desc = ddb.update_table(TableName=name,
                            ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})
    assert desc["TableDescription"]["TableName"] == name
    wait_for_table(ddb, name)
    pt = ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (3, 4)


def test_update_table_to_pay_per_request(ddb, table_factory):
    name = table_factory(BillingMode="PROVISIONED",
                         ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})
    ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    wait_for_table(ddb, name)
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    pt = desc["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (0, 0)


def test_update_table_to_provisioned(ddb, table_factory):
    name = table_factory()
    ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 6, "WriteCapacityUnits": 8})
    wait_for_table(ddb, name)
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    pt = desc["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (6, 8)


def test_update_table_keeps_items(ddb, table_factory):
    name = table_factory()
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"N": "1"}})
    ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    wait_for_table(ddb, name)
    item = ddb.get_item(TableName=name, Key={"pk": {"S": "k"}}, ConsistentRead=True)["Item"]
    assert item == {"pk": {"S": "k"}, "v": {"N": "1"}}


def test_update_missing_table(ddb):
    name = unique_table_name("missing")
    with pytest.raises(ClientError) as excinfo:
        ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    # message unverified
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_describe_endpoints_answers_one_reachable_address(ddb, endpoint):
    """One endpoint, cached for a day (the service answers its own host name, e.g.
    dynamodb.us-east-1.amazonaws.com); ddbd answers the host and port the client used."""
    from urllib.parse import urlparse
    endpoints = ddb.describe_endpoints()["Endpoints"]
    assert len(endpoints) == 1
    assert endpoints[0]["CachePeriodInMinutes"] == 1440
    assert endpoints[0]["Address"] == urlparse(endpoint).netloc


def test_sse_specification_with_a_kms_key(ddb, table_factory):
    """Enabled SSE means a KMS key (the account's AWS managed key unless one is named), shown as
    SSEDescription; without it the table uses the AWS owned key and shows none."""
    plain = table_factory(tag="nosse")
    assert "SSEDescription" not in ddb.describe_table(TableName=plain)["Table"]
    name = table_factory(tag="sse", SSESpecification={"Enabled": True})
    sse = ddb.describe_table(TableName=name)["Table"]["SSEDescription"]
    assert sse["Status"] == "ENABLED" and sse["SSEType"] == "KMS"
    assert sse["KMSMasterKeyArn"].startswith("arn:aws:kms:")
    # Back to the AWS owned key.
    ddb.update_table(TableName=name, SSESpecification={"Enabled": False})
    wait = ddb.describe_table(TableName=name)["Table"]
    assert wait.get("SSEDescription", {}).get("Status", "DISABLED") in ("DISABLED", "UPDATING",
                                                                         "DISABLING")


@pytest.mark.ddbd_only
def test_sse_with_a_named_key_is_recorded(ddb, table_factory):
    name = table_factory(tag="ssekey", SSESpecification={"Enabled": True, "SSEType": "KMS",
                                                          "KMSMasterKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"})
    arn = ddb.describe_table(TableName=name)["Table"]["SSEDescription"]["KMSMasterKeyArn"]
    assert arn.endswith(":key/1234abcd-12ab-34cd-56ef-1234567890ab")


# Restating settings and OnDemandThroughput edges, as probed against the service
# (aws-controllers-k8s/dynamodb-controller docs/api-quirks: DDB-TABLE-038, -039, -057, -061, -156,
# -164).

INVALID = "One or more parameter values were invalid: "


def _simple(name, **extra):
    return dict(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], **extra)


def test_update_table_restating_the_current_settings(ddb, table_factory):
    name = table_factory(tag="restate", BillingMode="PROVISIONED",
                         ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    same = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    will_not_change = (
        "The provisioned throughput for the table will not change. The requested value equals "
        "the current value. Current ReadCapacityUnits provisioned for the table: 1. Requested "
        "ReadCapacityUnits: 1. Current WriteCapacityUnits provisioned for the table: 1. Requested "
        "WriteCapacityUnits: 1. Refer to the Amazon DynamoDB Developer Guide for current limits "
        "and how to request higher limits.")
    assert rejected(ddb.update_table, TableName=name, BillingMode="PROVISIONED") == (
        "ValidationException", INVALID + "ProvisionedThroughput must be specified when BillingMode "
                                         "is PROVISIONED")
    assert rejected(ddb.update_table, TableName=name, ProvisionedThroughput=same) == (
        "ValidationException", will_not_change)
    assert rejected(ddb.update_table, TableName=name, BillingMode="PROVISIONED",
                    ProvisionedThroughput=same) == ("ValidationException", will_not_change)
    assert rejected(ddb.update_table, TableName=name,
                    OnDemandThroughput={"MaxReadRequestUnits": 100}) == (
        "ValidationException", INVALID + "MaxReadRequestUnits for OnDemandThroughput cannot be "
                                         "specified when the table BillingMode is PROVISIONED")


def test_restating_pay_per_request_is_accepted(ddb, table_factory):
    name = table_factory(tag="restateppr")
    answer = ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    assert answer["TableDescription"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_gsi_throughput_that_will_not_change(ddb, table_factory):
    pt = {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}
    name = table_factory(
        tag="gsisame", BillingMode="PROVISIONED", ProvisionedThroughput=pt,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY"},
                                 "ProvisionedThroughput": pt}])
    code, message = rejected(ddb.update_table, TableName=name, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "gsi1", "ProvisionedThroughput": pt}}])
    assert code == "ValidationException"
    # The service's text was captured up to "Current WriteCapacityUnits"; the rest unverified.
    assert message.startswith(
        "The provisioned throughput for the index gsi1 will not change. The requested value "
        "equals the current value. Current ReadCapacityUnits provisioned for index gsi1: 2. "
        "Requested ReadCapacityUnits: 2. Current WriteCapacityUnits")


def test_create_table_on_demand_throughput_edges(ddb):
    name = unique_table_name("odedge")
    for value in (0, -1, -2):
        assert rejected(ddb.create_table, BillingMode="PAY_PER_REQUEST", OnDemandThroughput={
            "MaxReadRequestUnits": value, "MaxWriteRequestUnits": value}, **_simple(name)) == (
            "ValidationException", INVALID + "Requested MaxReadRequestUnits for OnDemandThroughput "
                                             "for table is outside of valid range")
    for member in ("MaxReadRequestUnits", "MaxWriteRequestUnits"):
        assert rejected(ddb.create_table, ProvisionedThroughput={
            "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}, OnDemandThroughput={member: 100},
            **_simple(name)) == (
            "ValidationException", INVALID + f"{member} for OnDemandThroughput cannot be specified "
                                             "when table BillingMode is PROVISIONED.")
    assert rejected(ddb.describe_table, TableName=name)[0] == "ResourceNotFoundException"


def test_some_settings_change_alone(ddb, table_factory):
    # aws-controllers-k8s/dynamodb-controller docs/api-quirks, DDB-TABLE-382 and -156: each of these
    # is refused beside any other change, naming the first of them present, and nothing applies.
    name = table_factory(tag="alone")
    cases = [
        (dict(SSESpecification={"Enabled": False}, DeletionProtectionEnabled=True),
         "Server-Side Encryption"),
        (dict(TableClass="STANDARD_INFREQUENT_ACCESS", DeletionProtectionEnabled=True), "TableClass"),
        (dict(DeletionProtectionEnabled=True, BillingMode="PAY_PER_REQUEST"), "DeletionProtection"),
        (dict(DeletionProtectionEnabled=True, WarmThroughput={"ReadUnitsPerSecond": 13000}),
         "DeletionProtection"),
    ]
    for members, what in cases:
        assert rejected(ddb.update_table, TableName=name, **members) == (
            "ValidationException",
            INVALID + f"{what} modification must be the only operation in the request"), members
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["DeletionProtectionEnabled"] is False
    assert "TableClassSummary" not in table
