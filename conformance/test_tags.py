"""Tags of tables: TagResource, UntagResource, ListTagsOfResource, and Tags at CreateTable."""

import pytest

from conftest import unique_table_name
from helpers import rejected


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
    code, _ = rejected(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "x"}])
    assert code in ("LimitExceededException", "ValidationException")  # which one unverified
    assert len(tags_of(ddb, arn)) == 50


def test_tag_limits_and_reserved_prefix(ddb_raw, table_factory):
    name = table_factory(tag="taglim")
    arn = arn_of(ddb_raw, name)
    code, message = rejected(ddb_raw.tag_resource, ResourceArn=arn, Tags=[{"Key": "k" * 129, "Value": "v"}])
    assert code == "ValidationException"
    assert "Member must have length less than or equal to 128" in message
    code, message = rejected(ddb_raw.tag_resource, ResourceArn=arn, Tags=[{"Key": "k", "Value": "v" * 257}])
    assert code == "ValidationException"
    assert "Member must have length less than or equal to 256" in message
    code, _ = rejected(ddb_raw.tag_resource, ResourceArn=arn, Tags=[{"Key": "aws:owner", "Value": "me"}])
    assert code == "ValidationException"
    assert ddb_raw.list_tags_of_resource(ResourceArn=arn)["Tags"] == []


def test_unknown_table_arn(ddb):
    tables = ddb.list_tables(Limit=1)["TableNames"]
    # An ARN of the caller's account and region naming no table.
    region = ddb.meta.region_name
    account = "000000000000"
    if tables:
        account = arn_of(ddb, tables[0]).split(":")[4]
    arn = f"arn:aws:dynamodb:{region}:{account}:table/{unique_table_name('notag')}"
    code, message = rejected(ddb.list_tags_of_resource, ResourceArn=arn)
    # Quoted from the service (turbot/steampipe-plugin-aws issue 1516), "ResourcArn" included.
    assert (code, message) == ("ResourceNotFoundException",
                               f"Requested resource not found: ResourcArn: {arn} not found")


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
