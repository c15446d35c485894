"""Legacy conditional parameters: Expected + ConditionalOperator,
AttributeUpdates, AttributesToGet, and mixing them with expressions.

Facts from the developer guide's "Legacy conditional parameters" pages
(Expected, AttributeUpdates, AttributesToGet, ConditionalOperator) unless a
source is given. Error messages: see ``expression_messages.md``.
"""

from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from conftest import error_of
from helpers import B, get, L, N, new_key, put_new, rejected, S

VALIDATION = "ValidationException"
CCF = "ConditionalCheckFailedException"
CCF_MESSAGE = "The conditional request failed"


def canonical(value):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in ("SS", "BS"):
                out[k] = sorted(v)
            elif k == "NS":
                out[k] = sorted(v, key=Decimal)
            else:
                out[k] = canonical(v)
        return out
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def expected_holds(ddb, table, item, expected, conditional_operator=None):
    """Rewrites ``item`` unchanged under ``Expected``: True if it held."""
    kwargs = dict(TableName=table, Item=item, Expected=expected)
    if conditional_operator:
        kwargs["ConditionalOperator"] = conditional_operator
    try:
        ddb.put_item(**kwargs)
        return True
    except ClientError as e:
        err = e.response["Error"]
        assert (err["Code"], err["Message"]) == (CCF, CCF_MESSAGE)
        return False


@pytest.fixture
def existing(ddb, table_s):
    key = {"pk": S(new_key())}
    item = dict(key, n=N(5), s=S("abc"), ss={"SS": ["a", "b"]})
    ddb.put_item(TableName=table_s, Item=item)
    yield key, item
    assert canonical(get(ddb, table_s, key)) == canonical(item), "a rejected request changed the item"


# --------------------------------------------------------------------------
# Expected
# --------------------------------------------------------------------------

LEGACY_ATTRS = dict(n=N(5), s=S("abc"), b=B(b"\x01\x02"), ss={"SS": ["a", "b"]}, ns={"NS": ["1", "2"]},
                    l=L(S("x"), N(1)), t={"BOOL": True})


@pytest.fixture(scope="module")
def legacy_item(ddb, table_s):
    item = dict({"pk": S(new_key())}, **LEGACY_ATTRS)
    ddb.put_item(TableName=table_s, Item=item)
    return item


def cmp(op, *values):
    entry = {"ComparisonOperator": op}
    if values:
        entry["AttributeValueList"] = list(values)
    return entry


@pytest.mark.parametrize("expected,holds", [
    # Exists / Value
    ({"gone": {"Exists": False}}, True),
    ({"n": {"Exists": False}}, False),
    ({"n": {"Value": N(5)}}, True),
    ({"n": {"Value": N("5.0")}}, True),
    ({"n": {"Value": N(6)}}, False),
    ({"n": {"Value": S("5")}}, False),
    ({"n": {"Exists": True, "Value": N(5)}}, True),
    ({"gone": {"Value": N(5)}}, False),
    ({"ss": {"Value": {"SS": ["b", "a"]}}}, True),
    # ComparisonOperator forms
    ({"n": cmp("EQ", N(5))}, True),
    ({"n": cmp("EQ", N(4))}, False),
    ({"n": cmp("NE", N(4))}, True),
    ({"n": cmp("NE", N(5))}, False),
    ({"n": cmp("LT", N(10))}, True),
    ({"n": cmp("LT", N(5))}, False),
    ({"n": cmp("LE", N(5))}, True),
    ({"n": cmp("GT", N(4))}, True),
    ({"n": cmp("GT", N(10))}, False),
    ({"n": cmp("GE", N(5))}, True),
    ({"n": cmp("GT", S("1"))}, False),
    ({"s": cmp("LT", S("abd"))}, True),
    ({"b": cmp("GT", B(b"\x01\x01"))}, True),
    ({"n": cmp("BETWEEN", N(5), N(6))}, True),
    ({"n": cmp("BETWEEN", N(6), N(9))}, False),
    ({"n": cmp("IN", N(1), N(5))}, True),
    ({"n": cmp("IN", N(1), N(2))}, False),
    ({"s": cmp("BEGINS_WITH", S("ab"))}, True),
    ({"s": cmp("BEGINS_WITH", S("b"))}, False),
    ({"s": cmp("CONTAINS", S("bc"))}, True),
    ({"ss": cmp("CONTAINS", S("a"))}, True),
    ({"ns": cmp("CONTAINS", N(2))}, True),
    ({"l": cmp("CONTAINS", S("x"))}, True),
    ({"ss": cmp("NOT_CONTAINS", S("c"))}, True),
    ({"ss": cmp("NOT_CONTAINS", S("a"))}, False),
    ({"n": cmp("NOT_NULL")}, True),
    ({"gone": cmp("NOT_NULL")}, False),
    ({"gone": cmp("NULL")}, True),
    ({"n": cmp("NULL")}, False),
    ({"gone": cmp("EQ", N(5))}, False),
    # several entries are ANDed
    ({"n": cmp("EQ", N(5)), "s": cmp("EQ", S("abc"))}, True),
    ({"n": cmp("EQ", N(5)), "s": cmp("EQ", S("zzz"))}, False),
])
def test_expected(ddb, table_s, legacy_item, expected, holds):
    assert expected_holds(ddb, table_s, legacy_item, expected) is holds


@pytest.mark.parametrize("operator,holds", [("OR", True), ("AND", False)])
def test_conditional_operator(ddb, table_s, legacy_item, operator, holds):
    expected = {"n": cmp("EQ", N(5)), "s": cmp("EQ", S("zzz"))}
    assert expected_holds(ddb, table_s, legacy_item, expected, operator) is holds


def test_conditional_operator_or_all_false(ddb, table_s, legacy_item):
    expected = {"n": cmp("EQ", N(1)), "gone": {"Exists": True, "Value": N(1)}}
    assert expected_holds(ddb, table_s, legacy_item, expected, "OR") is False


def test_expected_put_if_absent(ddb, table_s):
    key = {"pk": S(new_key())}
    ddb.put_item(TableName=table_s, Item=dict(key, v=N(1)), Expected={"pk": {"Exists": False}})
    code, message = rejected(ddb.put_item, TableName=table_s, Item=dict(key, v=N(2)),
                             Expected={"pk": {"Exists": False}})
    assert (code, message) == (CCF, CCF_MESSAGE)
    assert get(ddb, table_s, key) == dict(key, v=N(1))


def test_expected_on_delete_item(ddb, table_s):
    key = put_new(ddb, table_s, v=N(1))
    code, message = rejected(ddb.delete_item, TableName=table_s, Key=key, Expected={"v": {"Value": N(2)}})
    assert (code, message) == (CCF, CCF_MESSAGE)
    ddb.delete_item(TableName=table_s, Key=key, Expected={"v": {"Value": N(1)}})
    assert get(ddb, table_s, key) is None


def test_expected_on_update_item(ddb, table_s):
    key = put_new(ddb, table_s, v=N(1))
    code, message = rejected(ddb.update_item, TableName=table_s, Key=key,
                             AttributeUpdates={"v": {"Action": "PUT", "Value": N(9)}},
                             Expected={"v": cmp("GT", N(1))})
    assert (code, message) == (CCF, CCF_MESSAGE)
    ddb.update_item(TableName=table_s, Key=key, AttributeUpdates={"v": {"Action": "PUT", "Value": N(9)}},
                    Expected={"v": cmp("GE", N(1))})
    assert get(ddb, table_s, key) == dict(key, v=N(9))


# --------------------------------------------------------------------------
# AttributeUpdates
# --------------------------------------------------------------------------

def test_attribute_updates_put(ddb, table_s):
    key = put_new(ddb, table_s, a=S("old"))
    ddb.update_item(TableName=table_s, Key=key, AttributeUpdates={
        "a": {"Action": "PUT", "Value": S("new")},
        "b": {"Value": L(N(1))},  # Action defaults to PUT
    })
    assert get(ddb, table_s, key) == dict(key, a=S("new"), b=L(N(1)))


def test_attribute_updates_add(ddb, table_s):
    key = put_new(ddb, table_s, n=N("1.5"), ss={"SS": ["a"]})
    ddb.update_item(TableName=table_s, Key=key, AttributeUpdates={
        "n": {"Action": "ADD", "Value": N("-0.5")},
        "fresh": {"Action": "ADD", "Value": N(3)},
        "ss": {"Action": "ADD", "Value": {"SS": ["a", "b"]}},
        "ns": {"Action": "ADD", "Value": {"NS": ["7"]}},
    })
    assert canonical(get(ddb, table_s, key)) == canonical(
        dict(key, n=N(1), fresh=N(3), ss={"SS": ["a", "b"]}, ns={"NS": ["7"]}))


def test_attribute_updates_delete(ddb, table_s):
    key = put_new(ddb, table_s, a=S("x"), ss={"SS": ["a", "b", "c"]}, ns={"NS": ["1"]}, keep=N(1))
    ddb.update_item(TableName=table_s, Key=key, AttributeUpdates={
        "a": {"Action": "DELETE"},
        "ss": {"Action": "DELETE", "Value": {"SS": ["a", "zz"]}},
        "ns": {"Action": "DELETE", "Value": {"NS": ["1"]}},
        "gone": {"Action": "DELETE"},
    })
    assert canonical(get(ddb, table_s, key)) == canonical(dict(key, ss={"SS": ["b", "c"]}, keep=N(1)))


def test_attribute_updates_on_a_missing_item_creates_it(ddb, table_s):
    key = {"pk": S(new_key())}
    ddb.update_item(TableName=table_s, Key=key, AttributeUpdates={
        "a": {"Action": "PUT", "Value": S("x")}, "n": {"Action": "ADD", "Value": N(2)}})
    assert get(ddb, table_s, key) == dict(key, a=S("x"), n=N(2))


@pytest.mark.parametrize("return_values,expected", [
    ("UPDATED_NEW", {"a": S("new")}),
    ("UPDATED_OLD", {"a": S("old")}),
    ("ALL_OLD", {"a": S("old"), "b": N(1)}),
])
def test_attribute_updates_return_values(ddb, table_s, return_values, expected):
    key = put_new(ddb, table_s, a=S("old"), b=N(1))
    resp = ddb.update_item(TableName=table_s, Key=key, ReturnValues=return_values,
                           AttributeUpdates={"a": {"Action": "PUT", "Value": S("new")}})
    if return_values.startswith("ALL"):
        expected = dict(key, **expected)
    assert resp["Attributes"] == expected


def test_attribute_updates_names_are_top_level(ddb, table_s):
    key = put_new(ddb, table_s, m={"M": {"b": N(1)}})
    ddb.update_item(TableName=table_s, Key=key, AttributeUpdates={"m.b": {"Action": "PUT", "Value": N(2)}})
    assert get(ddb, table_s, key) == dict(key, m={"M": {"b": N(1)}}, **{"m.b": N(2)})


def test_attribute_updates_on_the_key(ddb, table_s, existing):
    key, _ = existing
    code, message = rejected(ddb.update_item, TableName=table_s, Key=key,
                             AttributeUpdates={"pk": {"Action": "PUT", "Value": S("other")}})
    # Same text as for an UpdateExpression (truora/minidyn issue 76).
    assert (code, message) == (VALIDATION, "One or more parameter values were invalid: Cannot update attribute pk. "
                                           "This attribute is part of the key")


@pytest.mark.parametrize("attr,update", [
    ("s", {"Action": "ADD", "Value": S("x")}),
    ("n", {"Action": "ADD", "Value": L(N(1))}),
    ("ss", {"Action": "ADD", "Value": {"NS": ["1"]}}),
    ("n", {"Action": "DELETE", "Value": N(1)}),
    ("ss", {"Action": "DELETE", "Value": S("a")}),
])
def test_attribute_updates_type_errors(ddb, table_s, existing, attr, update):
    key, _ = existing
    code, _ = rejected(ddb.update_item, TableName=table_s, Key=key, AttributeUpdates={attr: update})
    # message unverified (dynalite's copy of the text, architect/dynalite issue 57:
    # "One or more parameter values were invalid: ADD action is not supported for the type L";
    # a set of another type: "Type mismatch for attribute to update", aws/aws-dynamodb-encryption-java#22)
    assert code == VALIDATION


# --------------------------------------------------------------------------
# AttributesToGet
# --------------------------------------------------------------------------

def test_attributes_to_get(ddb, table_s):
    key = put_new(ddb, table_s, a=S("A"), b=N(2), c=N(3), **{"x.y": S("dotted")})
    item = get(ddb, table_s, key, AttributesToGet=["a", "c", "x.y", "gone"])
    assert item == {"a": S("A"), "c": N(3), "x.y": S("dotted")}


def test_empty_attributes_to_get_is_a_length_error(ddb_raw, table_s):
    """AttributesToGet has a minimum length of 1 in the API model: the service's constraint
    message (message format as for every model constraint)."""
    for call, extra in ((ddb_raw.get_item, {"Key": {"pk": S("k")}}), (ddb_raw.scan, {})):
        assert rejected(call, TableName=table_s, AttributesToGet=[], **extra) == (
            VALIDATION, "1 validation error detected: Value '[]' at 'attributesToGet' failed to "
                        "satisfy constraint: Member must have length greater than or equal to 1")


def test_attributes_to_get_reserved_words_need_no_placeholder(ddb, table_s):
    key = put_new(ddb, table_s, name=S("n"), status=S("s"))
    assert get(ddb, table_s, key, AttributesToGet=["name", "status"]) == {"name": S("n"), "status": S("s")}


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

def test_expected_with_wrong_number_of_values(ddb, table_s, existing):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, Expected={"n": cmp("BETWEEN", N(1))})
    # Text quoted from the real service: DashboardHub/PipelineDashboard issue 463 (IN),
    # pynamodb/PynamoDB issue 26 (BETWEEN).
    assert (code, message) == (VALIDATION, "One or more parameter values were invalid: Invalid number of "
                                           "argument(s) for the BETWEEN ComparisonOperator")


@pytest.mark.parametrize("operator,values", [
    ("IN", []), ("NULL", [N(1)]), ("NOT_NULL", [N(1)]), ("EQ", [N(1), N(2)]), ("EQ", []), ("BETWEEN", [N(1)] * 3),
])
def test_expected_arity(ddb, table_s, existing, operator, values):
    _, item = existing
    entry = {"ComparisonOperator": operator}
    if values or operator == "IN":
        entry["AttributeValueList"] = values
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, Expected={"n": entry})
    # Same template as above (confirmed for IN and BETWEEN).
    assert (code, message) == (VALIDATION, "One or more parameter values were invalid: Invalid number of "
                                           f"argument(s) for the {operator} ComparisonOperator")


@pytest.mark.parametrize("value,type_name", [
    ({"SS": ["a"]}, "SS"), ({"L": [N(1)]}, "L"), ({"BOOL": True}, "BOOL")])
def test_in_takes_scalars_only(ddb, table_s, existing, value, type_name):
    """IN compares with Strings, Numbers or Binaries: the service's answer for a set is quoted in
    aws-amplify/aws-sdk-ios issue 273 ("ComparisonOperator IN is not valid for SS AttributeValue
    type"); other types follow the same template."""
    _, item = existing
    assert rejected(ddb.put_item, TableName=table_s, Item=item,
                    Expected={"n": cmp("IN", N(1), value)}) == (
        VALIDATION, f"One or more parameter values were invalid: ComparisonOperator IN is not "
                    f"valid for {type_name} AttributeValue type")
    assert rejected(ddb.scan, TableName=table_s,
                    ScanFilter={"n": cmp("IN", value)}) == (
        VALIDATION, f"One or more parameter values were invalid: ComparisonOperator IN is not "
                    f"valid for {type_name} AttributeValue type")


@pytest.mark.parametrize("entry", [
    {"Exists": True},
    {"Exists": False, "Value": N(5)},
    {"Value": N(5), "ComparisonOperator": "EQ", "AttributeValueList": [N(5)]},
    {"Value": N(5), "AttributeValueList": [N(5)]},
    {"Exists": True, "ComparisonOperator": "EQ", "AttributeValueList": [N(5)]},
])
def test_expected_malformed_entries(ddb, table_s, existing, entry):
    _, item = existing
    code, _ = rejected(ddb.put_item, TableName=table_s, Item=item, Expected={"n": entry})
    # message unverified (e.g. "One or more parameter values were invalid: Value must be
    # provided when Exists is true for Attribute: n")
    assert code == VALIDATION


def test_expected_between_bounds_reversed(ddb, table_s, existing):
    _, item = existing
    code, _ = rejected(ddb.put_item, TableName=table_s, Item=item, Expected={"n": cmp("BETWEEN", N(9), N(1))})
    # message unverified for Expected (the legacy KeyConditions text, Cbsoftware/pressureNET-server
    # issue 78: "The BETWEEN condition was provided a range where the lower bound is bigger than
    # the upper bound")
    assert code == VALIDATION


@pytest.mark.parametrize("operation,legacy,expression,kwargs", [
    ("put_item", "Expected", "ConditionExpression",
     dict(Expected={"n": {"Exists": False}}, ConditionExpression="attribute_not_exists(n)")),
    ("update_item", "AttributeUpdates", "UpdateExpression",
     dict(AttributeUpdates={"a": {"Action": "PUT", "Value": N(1)}}, UpdateExpression="SET b = :v",
          ExpressionAttributeValues={":v": N(1)})),
    ("update_item", "Expected", "UpdateExpression",
     dict(Expected={"n": {"Value": N(5)}}, UpdateExpression="SET b = :v", ExpressionAttributeValues={":v": N(1)})),
    ("get_item", "AttributesToGet", "ProjectionExpression",
     dict(AttributesToGet=["n"], ProjectionExpression="s")),
    ("delete_item", "Expected", "ConditionExpression",
     dict(Expected={"n": {"Value": N(5)}}, ConditionExpression="attribute_exists(n)")),
])
def test_mixing_legacy_and_expression_parameters(ddb, table_s, existing, operation, legacy, expression, kwargs):
    key, item = existing
    target = dict(Item=item) if operation == "put_item" else dict(Key=key)
    code, message = rejected(getattr(ddb, operation), TableName=table_s, **target, **kwargs)
    # Quoted from the real service: ryanfitz/vogels issue 93 ({AttributesToGet} /
    # {KeyConditionExpression}); ExtendDB/extenddb PR 178 ({AttributesToGet} / {ProjectionExpression}).
    assert (code, message) == (VALIDATION, "Can not use both expression and non-expression parameters in the same "
                                           f"request: Non-expression parameters: {{{legacy}}} "
                                           f"Expression parameters: {{{expression}}}")


def test_mixing_on_query(ddb, table_sr):
    code, message = rejected(ddb.query, TableName=table_sr, AttributesToGet=["pk"],
                             KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("p")})
    # Quoted from the real service: ryanfitz/vogels issue 93.
    assert (code, message) == (VALIDATION, "Can not use both expression and non-expression parameters in the same "
                                           "request: Non-expression parameters: {AttributesToGet} "
                                           "Expression parameters: {KeyConditionExpression}")


def test_expression_names_with_legacy_parameters(ddb, table_s, existing):
    key, _ = existing
    code, message = rejected(ddb.get_item, TableName=table_s, Key=key, AttributesToGet=["n"],
                             ExpressionAttributeNames={"#n": "n"})
    # ExtendDB/extenddb PR 178 ("captured directly via the AWS CLI").
    assert (code, message) == (VALIDATION, "ExpressionAttributeNames can only be specified when using expressions")


def test_expression_values_with_legacy_parameters(ddb, table_s, existing):
    key, _ = existing
    code, _ = rejected(ddb.update_item, TableName=table_s, Key=key,
                       AttributeUpdates={"a": {"Action": "PUT", "Value": N(1)}},
                       ExpressionAttributeValues={":v": N(1)})
    # message unverified (expected: "ExpressionAttributeValues can only be specified when using
    # expressions: UpdateExpression and ConditionExpression are null")
    assert code == VALIDATION


def test_legacy_key_conditions_go_with_filter_and_projection_expressions(ddb, table_sr):
    """The service lets KeyConditions go with a FilterExpression and a ProjectionExpression
    (only KeyConditionExpression makes a mix); ExtendDB pull request 213 and floci issue 2893
    describe this from runs against it."""
    pk = new_key()
    for i, colour in enumerate(["red", "blue", "red"]):
        ddb.put_item(TableName=table_sr, Item={"pk": S(pk), "sk": S(f"s{i}"), "colour": S(colour),
                                               "n": N(i)})
    answer = ddb.query(TableName=table_sr,
                       KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S(pk)]}},
                       FilterExpression="colour = :c", ProjectionExpression="sk, n",
                       ExpressionAttributeValues={":c": S("red")})
    assert answer["Items"] == [{"sk": S("s0"), "n": N(0)}, {"sk": S("s2"), "n": N(2)}]
    # With KeyConditionExpression it is a mix.
    code, message = rejected(ddb.query, TableName=table_sr, KeyConditionExpression="pk = :p",
                             KeyConditions={"pk": {"ComparisonOperator": "EQ",
                                                   "AttributeValueList": [S(pk)]}},
                             ExpressionAttributeValues={":p": S(pk)})
    assert (code, message) == ("ValidationException",
                               "Can not use both expression and non-expression parameters in the "
                               "same request: Non-expression parameters: {KeyConditions} Expression "
                               "parameters: {KeyConditionExpression}")


@pytest.mark.parametrize("operation,kwargs", [
    ("scan", {}),
    ("query", {"KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("x")]}}}),
    ("put_item", {"Item": {"pk": S("x"), "sk": S("y")}}),
    ("delete_item", {"Key": {"pk": S("x"), "sk": S("y")}}),
])
def test_conditional_operator_without_conditions(ddb, table_sr, operation, kwargs):
    """Captured from the service with the AWS CLI (ExtendDB pull request 213)."""
    code, message = rejected(getattr(ddb, operation), TableName=table_sr, ConditionalOperator="AND",
                             **kwargs)
    assert (code, message) == ("ValidationException",
                               "ConditionalOperator cannot be used without Filter or Expected")
