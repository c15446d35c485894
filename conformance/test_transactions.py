"""TransactWriteItems and TransactGetItems: commits, validation, cancellation, idempotency,
capacity (docs/transactions.md).

Messages marked "unverified" were not seen in a captured service response; the others were
(public SDK issue threads quoting the service) or are the single-item operations' texts.
"""

import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import unique_table_name
from helpers import N, S, get, new_key, rejected

CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons "


def cancelled(call, **kwargs):
    """(message, CancellationReasons) of a TransactionCanceledException."""
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    response = excinfo.value.response
    assert response["Error"]["Code"] == "TransactionCanceledException"
    return response["Error"]["Message"], response["CancellationReasons"]



def put(table, **item):
    return {"Put": {"TableName": table, "Item": item}}


@pytest.fixture
def accounts(table_factory):
    return table_factory(tag="txn")


@pytest.fixture
def pair(table_factory):
    """Two tables: hash-only, and hash + range."""
    return table_factory(tag="txa"), table_factory(range_key=("sk", "S"), tag="txb")


# --------------------------------------------------------------------------------------------
# Commits


def test_actions_across_tables_commit_together(ddb, pair):
    a, b = pair
    k = new_key()
    ddb.put_item(TableName=a, Item={"pk": S(k + "-old"), "v": N(1)})
    ddb.put_item(TableName=a, Item={"pk": S(k + "-upd"), "n": N(1)})
    ddb.put_item(TableName=a, Item={"pk": S(k + "-chk")})
    ddb.transact_write_items(TransactItems=[
        put(a, pk=S(k), v=N(1)),
        put(b, pk=S(k), sk=S("s"), v=N(2)),
        {"Delete": {"TableName": a, "Key": {"pk": S(k + "-old")}}},
        {"Update": {"TableName": a, "Key": {"pk": S(k + "-upd")}, "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": N(1)}}},
        {"ConditionCheck": {"TableName": a, "Key": {"pk": S(k + "-chk")},
                            "ConditionExpression": "attribute_exists(pk)"}},
    ])
    assert get(ddb, a, {"pk": S(k)}) == {"pk": S(k), "v": N(1)}
    assert get(ddb, b, {"pk": S(k), "sk": S("s")})["v"] == N(2)
    assert get(ddb, a, {"pk": S(k + "-old")}) is None
    assert get(ddb, a, {"pk": S(k + "-upd")})["n"] == N(2)


def test_failed_condition_cancels_every_action(ddb, pair):
    a, b = pair
    k = new_key()
    ddb.put_item(TableName=a, Item={"pk": S(k), "bal": N(10)})
    message, reasons = cancelled(ddb.transact_write_items, TransactItems=[
        put(b, pk=S(k), sk=S("s")),
        {"Update": {"TableName": a, "Key": {"pk": S(k)}, "UpdateExpression": "SET bal = bal - :x",
                    "ConditionExpression": "bal >= :x", "ExpressionAttributeValues": {":x": N(50)}}},
    ])
    assert message == CANCELLED + "[None, ConditionalCheckFailed]"
    assert reasons == [{"Code": "None"},
                       {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
    assert get(ddb, b, {"pk": S(k), "sk": S("s")}) is None
    assert get(ddb, a, {"pk": S(k)})["bal"] == N(10)


def test_cancellation_reports_every_failed_action_and_the_old_item(ddb, accounts):
    k1, k2 = new_key(), new_key()
    ddb.put_item(TableName=accounts, Item={"pk": S(k1), "v": N(1)})
    ddb.put_item(TableName=accounts, Item={"pk": S(k2), "v": N(2)})
    _, reasons = cancelled(ddb.transact_write_items, TransactItems=[
        {"ConditionCheck": {"TableName": accounts, "Key": {"pk": S(k1)},
                            "ConditionExpression": "attribute_not_exists(pk)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        {"Delete": {"TableName": accounts, "Key": {"pk": S(k2)}, "ConditionExpression": "v = :z",
                    "ExpressionAttributeValues": {":z": N(0)}}},
        put(accounts, pk=S(new_key())),
    ])
    assert reasons[0] == {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
                          "Item": {"pk": S(k1), "v": N(1)}}
    assert reasons[1] == {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
    assert reasons[2] == {"Code": "None"}


def test_update_error_cancels_with_validation_error(ddb, accounts):
    k = new_key()
    ddb.put_item(TableName=accounts, Item={"pk": S(k)})
    _, reasons = cancelled(ddb.transact_write_items, TransactItems=[
        {"Update": {"TableName": accounts, "Key": {"pk": S(k)},
                    "UpdateExpression": "SET a = nope + :one",
                    "ExpressionAttributeValues": {":one": N(1)}}},
    ])
    assert reasons == [{"Code": "ValidationError",
                        "Message": "The provided expression refers to an attribute that does not "
                                   "exist in the item"}]


def test_key_not_matching_the_schema_cancels_with_validation_error(ddb_raw, accounts):
    message, reasons = cancelled(ddb_raw.transact_write_items, TransactItems=[
        put(accounts, pk=N(1)),
        {"Delete": {"TableName": accounts, "Key": {"pk": S(new_key())}}},
    ])
    assert message == CANCELLED + "[ValidationError, None]"
    assert reasons[0] == {"Code": "ValidationError",
                          "Message": "The provided key element does not match the schema"}


def test_empty_key_value_is_a_request_error(ddb_raw, accounts):
    code, message = rejected(ddb_raw.transact_write_items, TransactItems=[
        {"Delete": {"TableName": accounts, "Key": {"pk": S("")}}}])
    assert code == "ValidationException"
    assert message == ("One or more parameter values are not valid. The AttributeValue for a key "
                       "attribute cannot contain an empty string value. Key: pk")


# --------------------------------------------------------------------------------------------
# Validation


def test_two_actions_on_one_item(ddb, pair):
    a, b = pair
    k = new_key()
    code, message = rejected(ddb.transact_write_items, TransactItems=[
        put(a, pk=S(k)),
        {"ConditionCheck": {"TableName": a, "Key": {"pk": S(k)},
                            "ConditionExpression": "attribute_not_exists(pk)"}}])
    assert (code, message) == ("ValidationException",
                               "Transaction request cannot include multiple operations on one item")
    # The same item with its key attributes in another order is still the same item.
    code, _ = rejected(ddb.transact_write_items, TransactItems=[
        {"Delete": {"TableName": b, "Key": {"pk": S(k), "sk": S("x")}}},
        {"Delete": {"TableName": b, "Key": {"sk": S("x"), "pk": S(k)}}}])
    assert code == "ValidationException"
    assert get(ddb, a, {"pk": S(k)}) is None


def test_table_that_does_not_exist(ddb, accounts):
    code, message = rejected(ddb.transact_write_items, TransactItems=[
        put(accounts, pk=S(new_key())), put(unique_table_name("absent"), pk=S("x"))])
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")
    code, message = rejected(ddb.transact_get_items, TransactItems=[
        {"Get": {"TableName": unique_table_name("absent"), "Key": {"pk": S("x")}}}])
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


def test_more_than_100_actions(ddb_raw, accounts):
    code, message = rejected(ddb_raw.transact_write_items, TransactItems=[
        put(accounts, pk=S(f"k{i}")) for i in range(101)])
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value '")
    assert message.endswith("' at 'transactItems' failed to satisfy constraint: Member must have "
                            "length less than or equal to 100")


def test_empty_transaction(ddb_raw):
    code, message = rejected(ddb_raw.transact_write_items, TransactItems=[])
    assert code == "ValidationException"
    assert message == ("1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
                       "constraint: Member must have length greater than or equal to 1")


def test_client_request_token_longer_than_36(ddb_raw, accounts):
    token = "t" * 37
    code, message = rejected(ddb_raw.transact_write_items, ClientRequestToken=token,
                             TransactItems=[put(accounts, pk=S(new_key()))])
    assert (code, message) == (
        "ValidationException",
        f"1 validation error detected: Value '{token}' at 'clientRequestToken' failed to satisfy "
        "constraint: Member must have length less than or equal to 36")


def test_element_with_no_action_or_two(ddb_raw, accounts):
    for element in ({}, dict(put(accounts, pk=S("a")),
                             Delete={"TableName": accounts, "Key": {"pk": S("b")}})):
        code, message = rejected(ddb_raw.transact_write_items, TransactItems=[element])
        assert code == "ValidationException"
        # message unverified
        assert message == "TransactItems can only contain one of Check, Put, Update or Delete"


def test_expression_attribute_values_must_not_be_empty(ddb_raw, accounts):
    code, message = rejected(ddb_raw.transact_write_items, TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": S(new_key())},
                 "ConditionExpression": "attribute_not_exists(pk)",
                 "ExpressionAttributeValues": {}}}])
    assert (code, message) == ("ValidationException", "ExpressionAttributeValues must not be empty")


def test_unused_placeholder_in_an_action_with_an_expression(ddb, accounts):
    code, message = rejected(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": S(new_key())},
                 "ConditionExpression": "attribute_not_exists(pk)",
                 "ExpressionAttributeValues": {":x": N(1)}}}])
    assert code == "ValidationException"
    # message unverified in transactions (the single-item operations' text)
    assert message == "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"


def test_placeholders_without_any_expression_are_accepted(ddb, accounts):
    k = new_key()
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": S(k)},
                 "ExpressionAttributeNames": {"#a": "a"}}}])
    assert get(ddb, accounts, {"pk": S(k)}) == {"pk": S(k)}


# --------------------------------------------------------------------------------------------
# Idempotency


def test_repeat_with_the_same_token_applies_once(ddb, accounts):
    k = new_key()
    ddb.put_item(TableName=accounts, Item={"pk": S(k), "n": N(0)})
    token = str(uuid.uuid4())
    request = dict(ClientRequestToken=token, ReturnConsumedCapacity="TOTAL", TransactItems=[
        {"Update": {"TableName": accounts, "Key": {"pk": S(k)}, "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": N(1)}}}])
    first = ddb.transact_write_items(**request)
    again = ddb.transact_write_items(**request)
    assert get(ddb, accounts, {"pk": S(k)})["n"] == N(1)
    assert first["ConsumedCapacity"] == [{"TableName": accounts, "CapacityUnits": 2.0,
                                          "WriteCapacityUnits": 2.0}]
    # The repeat reports reading the item (a transactional read), not writing it.
    assert again["ConsumedCapacity"] == [{"TableName": accounts, "CapacityUnits": 2.0,
                                          "ReadCapacityUnits": 2.0}]


def test_same_token_with_another_request(ddb, accounts):
    token = str(uuid.uuid4())
    ddb.transact_write_items(ClientRequestToken=token, TransactItems=[put(accounts, pk=S(new_key()))])
    code, _ = rejected(ddb.transact_write_items, ClientRequestToken=token,
                       TransactItems=[put(accounts, pk=S(new_key()))])
    assert code == "IdempotentParameterMismatchException"


def test_token_comparison_ignores_member_order(ddb_raw, accounts):
    k = new_key()
    token = str(uuid.uuid4())
    ddb_raw.transact_write_items(ClientRequestToken=token, TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": S(k), "a": N(1), "b": N(2)}}}])
    ddb_raw.transact_write_items(ClientRequestToken=token, TransactItems=[
        {"Put": {"Item": {"b": N(2), "pk": S(k), "a": N(1)}, "TableName": accounts}}])


def test_a_cancelled_transaction_can_be_retried_with_its_token(ddb, accounts):
    # Unverified: only successful outcomes are documented as remembered.
    k = new_key()
    token = str(uuid.uuid4())
    request = dict(ClientRequestToken=token, TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": S(k), "v": N(1)},
                 "ConditionExpression": "attribute_exists(pk)"}}])
    cancelled(ddb.transact_write_items, **request)
    ddb.put_item(TableName=accounts, Item={"pk": S(k)})
    ddb.transact_write_items(**request)
    assert get(ddb, accounts, {"pk": S(k)})["v"] == N(1)


# --------------------------------------------------------------------------------------------
# Capacity


def test_transactional_writes_cost_twice(ddb, table_factory):
    table = table_factory(tag="txcap", AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    r = ddb.transact_write_items(ReturnConsumedCapacity="INDEXES", TransactItems=[
        put(table, pk=S(new_key()), g=S("x"), pad=S("p" * 1500)),
        put(table, pk=S(new_key())),
        {"ConditionCheck": {"TableName": table, "Key": {"pk": S(new_key())},
                            "ConditionExpression": "attribute_not_exists(pk)"}}])
    # 2 KB item: 2 x 2 units; small item: 2; condition check: 2; the GSI entry of the first: 4.
    assert r["ConsumedCapacity"] == [{
        "TableName": table, "CapacityUnits": 12.0, "WriteCapacityUnits": 12.0,
        "Table": {"CapacityUnits": 8.0, "WriteCapacityUnits": 8.0},
        "GlobalSecondaryIndexes": {"by_g": {"CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}}}]


def test_transact_get_items_reads_in_request_order(ddb, pair):
    a, b = pair
    k = new_key()
    ddb.put_item(TableName=a, Item={"pk": S(k), "x": N(1), "y": N(2)})
    ddb.put_item(TableName=b, Item={"pk": S(k), "sk": S("s"), "big": S("z" * 5000)})
    r = ddb.transact_get_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
        {"Get": {"TableName": b, "Key": {"pk": S(k), "sk": S("s")}, "ProjectionExpression": "sk"}},
        {"Get": {"TableName": a, "Key": {"pk": S(new_key())}}},
        {"Get": {"TableName": a, "Key": {"pk": S(k)}, "ProjectionExpression": "#y",
                 "ExpressionAttributeNames": {"#y": "y"}}},
        {"Get": {"TableName": a, "Key": {"pk": S(k + "x")}, "ProjectionExpression": "nothing"}},
    ])
    # A missing item (or a projection that keeps nothing) is an empty slot.
    assert r["Responses"] == [{"Item": {"sk": S("s")}}, {}, {"Item": {"y": N(2)}}, {}]
    # Twice a strongly consistent read, per item, missing ones too: b 2 x 2, a 3 x 2.
    assert r["ConsumedCapacity"] == [
        {"TableName": b, "CapacityUnits": 4.0, "ReadCapacityUnits": 4.0},
        {"TableName": a, "CapacityUnits": 6.0, "ReadCapacityUnits": 6.0}]


def test_transact_get_items_validation(ddb_raw, accounts):
    k = new_key()
    code, message = rejected(ddb_raw.transact_get_items, TransactItems=[
        {"Get": {"TableName": accounts, "Key": {"pk": S(k)}}},
        {"Get": {"TableName": accounts, "Key": {"pk": S(k)}}}])
    assert (code, message) == ("ValidationException",
                               "Transaction request cannot include multiple operations on one item")
    message, reasons = cancelled(ddb_raw.transact_get_items, TransactItems=[
        {"Get": {"TableName": accounts, "Key": {"pk": S(k), "extra": S("x")}}}])
    assert reasons == [{"Code": "ValidationError",
                        "Message": "The provided key element does not match the schema"}]


def test_item_collection_metrics(ddb, table_factory):
    table = table_factory(range_key=("sk", "S"), tag="txlsi", AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "l", "AttributeType": "S"}],
        LocalSecondaryIndexes=[{"IndexName": "by_l", "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    k = new_key()
    r = ddb.transact_write_items(ReturnItemCollectionMetrics="SIZE", TransactItems=[
        put(table, pk=S(k), sk=S("1"), l=S("a")), put(table, pk=S(k), sk=S("2"))])
    metrics = r["ItemCollectionMetrics"][table]
    assert len(metrics) == 2
    assert metrics[0]["ItemCollectionKey"] == {"pk": S(k)}
    assert metrics[0]["SizeEstimateRangeGB"] == [0.0, 1.0]


def test_100_actions_across_tables_with_indexes_are_atomic(ddb, table_factory):
    gsi_table = table_factory(tag="tx100g", AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    lsi_table = table_factory(range_key=("sk", "S"), tag="tx100l", AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "l", "AttributeType": "S"}],
        LocalSecondaryIndexes=[{"IndexName": "by_l", "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])
    g, p = new_key(), new_key()
    actions = [put(gsi_table, pk=S(f"{g}-{i}"), g=S(g)) for i in range(50)]
    actions += [put(lsi_table, pk=S(p), sk=S(f"{i:02d}"), l=S(f"{99 - i:02d}")) for i in range(50)]

    # One failing condition among 100 actions: nothing of it is written.
    failing = actions[:99] + [{"ConditionCheck": {"TableName": lsi_table, "Key": {"pk": S(p), "sk": S("x")},
                                                  "ConditionExpression": "attribute_exists(pk)"}}]
    _, reasons = cancelled(ddb.transact_write_items, TransactItems=failing)
    assert [r["Code"] for r in reasons] == ["None"] * 99 + ["ConditionalCheckFailed"]
    assert ddb.query(TableName=lsi_table, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": S(p)}, Select="COUNT")["Count"] == 0

    ddb.transact_write_items(TransactItems=actions)
    lsi = ddb.query(TableName=lsi_table, IndexName="by_l", KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": S(p)})["Items"]
    assert [i["l"]["S"] for i in lsi] == [f"{i:02d}" for i in range(50, 100)]

    def gsi_count():
        return ddb.query(TableName=gsi_table, IndexName="by_g", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": S(g)}, Select="COUNT")["Count"]

    deadline = time.time() + 10  # GSIs are eventually consistent
    while gsi_count() != 50 and time.time() < deadline:
        time.sleep(0.05)
    assert gsi_count() == 50
