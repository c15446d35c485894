"""Tags of tables: TagResource, UntagResource, ListTagsOfResource, and Tags at CreateTable."""

import pytest

from conftest import unique_table_name
from helpers import rejected

VALIDATION = "ValidationException"


def tags_of(ddb, arn):
    tags, token = [], None
    while True:
        kwargs = {"ResourceArn": arn}
        if token:
            kwargs["NextToken"] = token
        page = ddb.list_tags_of_resource(**kwargs)
        tags += page["Tags"]
        token = page.get("NextToken")
        if not token:
            return {t["Key"]: t["Value"] for t in tags}


def arn_of(ddb, name):
    return ddb.describe_table(TableName=name)["Table"]["TableArn"]


def test_tag_list_untag(ddb, table_factory):
    name = table_factory(tag="tags", Tags=[{"Key": "team", "Value": "a"}])
    arn = arn_of(ddb, name)
    assert tags_of(ddb, arn) == {"team": "a"}
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "test"},
                                           {"Key": "team", "Value": "b"}])
    assert tags_of(ddb, arn) == {"team": "b", "env": "test"}
    ddb.untag_resource(ResourceArn=arn, TagKeys=["team", "not-there"])
    assert tags_of(ddb, arn) == {"env": "test"}
    # Values may be empty; the documented characters are allowed.
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a b+-=._:/@", "Value": ""}])
    assert tags_of(ddb, arn)["a b+-=._:/@"] == ""


def test_many_tags_page_and_fifty_is_the_limit(ddb, table_factory):
    name = table_factory(tag="tagpage")
    arn = arn_of(ddb, name)
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": str(i)} for i in range(50)])
    assert tags_of(ddb, arn) == {f"k{i}": str(i) for i in range(50)}
    # The limit counts the tags the resource would have: new keys over 50 fail, existing ones
    # can be given new values.
    assert rejected(ddb.tag_resource, ResourceArn=arn,
                    Tags=[{"Key": "one-more", "Value": "x"}]) == (
        VALIDATION, "Number of Tags exceed the current limit for the provided ResourceArn")
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k0", "Value": "new"}])
    assert tags_of(ddb, arn)["k0"] == "new" and len(tags_of(ddb, arn)) == 50
    assert rejected(ddb.untag_resource, ResourceArn=arn,
                    TagKeys=[f"k{i}" for i in range(51)]) == (
        VALIDATION, "Number of Tags exceed the current limit for the provided ResourceArn")


def test_tag_key_and_value_checks(ddb_raw, table_factory):
    name = table_factory(tag="taglim")
    arn = arn_of(ddb_raw, name)
    tag = ddb_raw.tag_resource
    # Accepted: 128-character keys, 256-character values, empty values, letters of any script.
    tag(ResourceArn=arn, Tags=[{"Key": "k" * 128, "Value": "v" * 256},
                               {"Key": "empty", "Value": ""},
                               {"Key": "größe", "Value": "日本語 テスト"},
                               {"Key": "myaws:ok", "Value": "a+-=._:/@ b"}])
    cases = [
        ({"Key": "k" * 129, "Value": "v"}, "The Tag Key provided is invalid, Key: " + "k" * 129),
        ({"Key": "", "Value": "v"}, "The Tag Key provided is invalid, Key: "),
        ({"Key": "a#b", "Value": "v"}, "The Tag Key provided is invalid, Key: a#b"),
        ({"Key": "smile\U0001F600", "Value": "v"},
         "The Tag Key provided is invalid, Key: smile\U0001F600"),
        ({"Value": "v"}, "The Tag Key provided is invalid, Key: null"),
        ({"Key": "k", "Value": "v" * 257}, "The Tag Value provided is invalid, Value: " + "v" * 257),
        ({"Key": "k", "Value": "a,b"}, "The Tag Value provided is invalid, Value: a,b"),
        ({"Key": "k"}, "The Tag Value provided is invalid, Value: null"),
        ({"Key": "aws:owner", "Value": "me"}, "Tag Key cannot be prefixed with aws:, Key: aws:owner"),
        ({"Key": "AWS:owner", "Value": "me"}, "Tag Key cannot be prefixed with aws:, Key: AWS:owner"),
    ]
    for bad, message in cases:
        assert rejected(tag, ResourceArn=arn, Tags=[{"Key": "fine", "Value": "x"}, bad]) == (
            VALIDATION, message), bad
    assert rejected(tag, ResourceArn=arn, Tags=[{"Key": "d", "Value": "1"},
                                                {"Key": "d", "Value": "2"}]) == (
        VALIDATION, "Duplicate Tag Keys provided as input: Duplicate Tag Key found d")
    assert rejected(tag, ResourceArn=arn, Tags=[]) == (
        VALIDATION, "Atleast one Tag needs to be provided as Input.")
    assert rejected(ddb_raw.untag_resource, ResourceArn=arn, TagKeys=[]) == (
        VALIDATION, "Atleast one Tag Key needs to be provided as Input.")
    assert rejected(ddb_raw.untag_resource, ResourceArn=arn, TagKeys=["aws:x"]) == (
        VALIDATION, "Tag Key cannot be prefixed with aws:, Key: aws:x")
    assert rejected(ddb_raw.untag_resource, ResourceArn=arn, TagKeys=["k" * 129]) == (
        VALIDATION, "The Tag Key provided is invalid, Key: " + "k" * 129)
    # The whole tag set is at most 10240 bytes of keys and values.
    big = [{"Key": f"big{i}", "Value": "v" * 256} for i in range(38)]
    size = sum(len(t["Key"]) + len(t["Value"]) for t in big) + 128 + 256 + 5 + \
        len("größe".encode()) + len("日本語 テスト".encode()) + len("myaws:ok") + len("a+-=._:/@ b")
    assert rejected(tag, ResourceArn=arn, Tags=big) == (
        VALIDATION, f"Tag set size {size} bytes is above max size limit of 10240 bytes")
    # Nothing of a rejected request was applied.
    assert set(tags_of(ddb_raw, arn)) == {"k" * 128, "empty", "größe", "myaws:ok"}


def test_create_table_checks_its_tags(ddb_raw):
    create = dict(TableName=unique_table_name("tagc"), BillingMode="PAY_PER_REQUEST",
                  KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    assert rejected(ddb_raw.create_table, Tags=[{"Key": "aws:x", "Value": "1"}], **create) == (
        VALIDATION, "Tag Key cannot be prefixed with aws:, Key: aws:x")
    assert rejected(ddb_raw.create_table,
                    Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)], **create) == (
        VALIDATION, "Number of Tags exceed the current limit for the provided ResourceArn")
    assert rejected(ddb_raw.describe_table, TableName=create["TableName"])[0] == \
        "ResourceNotFoundException"


def test_resource_arn_errors(ddb, table_factory):
    name = table_factory(tag="tagarn")
    arn = arn_of(ddb, name)
    region, account = arn.split(":")[3], arn.split(":")[4]
    for call in (ddb.list_tags_of_resource,
                 lambda **kw: ddb.tag_resource(Tags=[{"Key": "k", "Value": "v"}], **kw),
                 lambda **kw: ddb.untag_resource(TagKeys=["k"], **kw)):
        assert rejected(call, ResourceArn=name) == (
            VALIDATION,
            f"One or more parameter values were invalid: ARNs must start with 'arn:': {name}")
        s3 = "arn:aws:s3:::some-bucket"
        assert rejected(call, ResourceArn=s3) == (
            VALIDATION, "One or more parameter values were invalid: Provided Arn is not a "
                        f"DynamoDB resource arn: {s3}")
        index_arn = arn + "/index/byG"
        assert rejected(call, ResourceArn=index_arn) == (
            VALIDATION, "One or more parameter values were invalid: Invalid resource arn "
                        "provided, only table or stream is accepted. Provided resource arn: "
                        f"{index_arn}")
        other_account = arn.replace(f":{account}:", ":123456789012:")
        if account != "123456789012":
            assert rejected(call, ResourceArn=other_account) == (
                "AccessDeniedException", "Access is denied")
        missing = f"arn:aws:dynamodb:{region}:{account}:table/{unique_table_name('notag')}"
        assert rejected(call, ResourceArn=missing) == (
            "ResourceNotFoundException", f"Requested resource not found: ResourceArn: {missing} not found")
    other_region = arn.replace(f":{region}:", ":eu-west-3:")
    assert rejected(ddb.list_tags_of_resource, ResourceArn=other_region) == (
        VALIDATION, f"Invalid TableArn: Invalid ResourceArn provided as input {other_region}")


@pytest.mark.ddbd_only
def test_tags_survive_restarts_and_go_with_the_table(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    name = unique_table_name("tagkeep")
    create = dict(TableName=name, BillingMode="PAY_PER_REQUEST",
                  KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    ddb.create_table(Tags=[{"Key": "a", "Value": "1"}], **create)
    arn = arn_of(ddb, name)
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    server.restart()
    ddb = server.client()
    assert tags_of(ddb, arn) == {"a": "1", "b": "2"}
    ddb.delete_table(TableName=name)
    ddb.create_table(**create)
    assert tags_of(ddb, arn) == {}
