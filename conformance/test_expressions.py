"""The expression language: ConditionExpression, UpdateExpression,
ProjectionExpression, KeyConditionExpression / FilterExpression.

Every test states a fact about Amazon DynamoDB. Error cases assert the exact
message where it was confirmed (source next to the assertion; the catalogue
with its evidence is ``expression_messages.md``); otherwise only the code,
with ``# message unverified`` and the expected wording. After a rejected
write the item that was there before is read back unchanged.
"""

import json
import threading
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, make_client
from helpers import B, get, L, M, N, new_key, put_new, rejected, S
from test_protocol import Wire

VALIDATION = "ValidationException"
CCF = "ConditionalCheckFailedException"
CCF_MESSAGE = "The conditional request failed"  # aws/aws-sdk-js-v3#7171


def canonical(value):
    """An AttributeValue (map) with set members sorted, for comparisons."""
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


def condition_holds(ddb, table, item, condition, values=None, names=None):
    """Rewrites ``item`` unchanged under ``condition``: True if it held."""
    kwargs = dict(TableName=table, Item=item, ConditionExpression=condition)
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    try:
        ddb.put_item(**kwargs)
        return True
    except ClientError as e:
        code, message = error_of_response(e)
        assert (code, message) == (CCF, CCF_MESSAGE)
        return False


def error_of_response(e):
    err = e.response["Error"]
    return err.get("Code"), err.get("Message")


def update(ddb, table, key, expression, values=None, names=None, **extra):
    kwargs = dict(TableName=table, Key=key, UpdateExpression=expression, **extra)
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    return ddb.update_item(**kwargs)


@pytest.fixture
def existing(ddb, table_s):
    """An item that rejected requests must leave untouched."""
    key = {"pk": S(new_key())}
    item = dict(key, n=N(1), s=S("text"), l=L(N(1), N(2)), m=M(x=N(1)), ss={"SS": ["a", "b"]})
    ddb.put_item(TableName=table_s, Item=item)
    yield key, item
    assert canonical(get(ddb, table_s, key)) == canonical(item), "a rejected request changed the item"


# --------------------------------------------------------------------------
# Comparison operators across types
# --------------------------------------------------------------------------

# ASCII-only strings; "u" holds U+FFFF, which sorts below U+1F600 in UTF-8
# byte order (EF BF BF < F0 9F 98 80) but above it in UTF-16 code units.
CMP_ATTRS = dict(
    n=N(10), n2=N("10.00"), neg=N(-5), s=S("abc"), s2=S("abd"), u=S("\uffff"),
    b=B(b"\x01\x80"), t={"BOOL": True}, nul={"NULL": True},
    ss={"SS": ["a", "b"]}, ns={"NS": ["1", "2"]}, bs={"BS": [b"\x01"]},
    l=L(N(1), S("x")), m=M(k=S("v"), j=N(2)),
)


@pytest.fixture(scope="module")
def cmp_item(ddb, table_s):
    item = dict({"pk": S(new_key())}, **CMP_ATTRS)
    ddb.put_item(TableName=table_s, Item=item)
    return item


@pytest.mark.parametrize("condition,values,holds", [
    # numbers compare numerically (as strings "10" < "9")
    ("n > :v", {":v": N(9)}, True),
    ("n < :v", {":v": N(9)}, False),
    ("n = :v", {":v": N("10.0")}, True),
    ("n = :v", {":v": N("1E1")}, True),
    ("n <> :v", {":v": N(10)}, False),
    ("n >= :v", {":v": N(10)}, True),
    ("n <= :v", {":v": N("9.99")}, False),
    ("neg < :v", {":v": N("-4.5")}, True),
    ("n > :v", {":v": N("9.99999999999999999999999999999999999")}, True),
    ("n = n2", None, True),
    # different types are never equal, and never ordered
    ("n = :v", {":v": S("10")}, False),
    ("n <> :v", {":v": S("10")}, True),
    ("n < :v", {":v": S("z")}, False),
    ("n > :v", {":v": S("1")}, False),
    # strings by UTF-8 bytes
    ("s < :v", {":v": S("abd")}, True),
    ("s < s2", None, True),
    ("s > :v", {":v": S("ab")}, True),
    ("s < :v", {":v": S("B")}, False),
    ("s > :v", {":v": S("Z")}, True),
    ("u < :v", {":v": S("\U0001f600")}, True),
    # binaries by unsigned bytes
    ("b < :v", {":v": B(b"\x01\x81")}, True),
    ("b > :v", {":v": B(b"\x01\x7f")}, True),
    ("b > :v", {":v": B(b"\x01")}, True),
    ("b = :v", {":v": B(b"\x01\x80")}, True),
    # equality of the other types
    ("t = :v", {":v": {"BOOL": True}}, True),
    ("t = :v", {":v": {"BOOL": False}}, False),
    ("nul = :v", {":v": {"NULL": True}}, True),
    ("ss = :v", {":v": {"SS": ["b", "a"]}}, True),
    ("ns = :v", {":v": {"NS": ["2", "1.0"]}}, True),
    ("ns = :v", {":v": {"NS": ["1"]}}, False),
    ("bs = :v", {":v": {"BS": [b"\x01"]}}, True),
    ("l = :v", {":v": L(N(1), S("x"))}, True),
    ("l = :v", {":v": L(S("x"), N(1))}, False),
    ("m = :v", {":v": M(j=N("2.0"), k=S("v"))}, True),
    ("m <> :v", {":v": M(k=S("v"))}, True),
    # a missing attribute equals nothing and differs from everything
    ("gone = :v", {":v": N(1)}, False),
    ("gone <> :v", {":v": N(1)}, True),
    ("gone < :v", {":v": N(1)}, False),
    ("gone >= :v", {":v": N(1)}, False),
    # BETWEEN is inclusive at both ends
    ("n BETWEEN :lo AND :hi", {":lo": N(9), ":hi": N(11)}, True),
    ("n BETWEEN :lo AND :hi", {":lo": N(10), ":hi": N(10)}, True),
    ("n BETWEEN :lo AND :hi", {":lo": N(11), ":hi": N(12)}, False),
    ("n BETWEEN :lo AND :hi", {":lo": N(2), ":hi": N(9)}, False),
    ("s BETWEEN :lo AND :hi", {":lo": S("abc"), ":hi": S("abd")}, True),
    ("b BETWEEN :lo AND :hi", {":lo": B(b"\x01\x7f"), ":hi": B(b"\x01\xff")}, True),
    ("n BETWEEN :lo AND :hi", {":lo": S("1"), ":hi": S("2")}, False),
    ("gone BETWEEN :lo AND :hi", {":lo": N(1), ":hi": N(2)}, False),
    # IN
    ("n IN (:a, :b)", {":a": N(1), ":b": N("10.0")}, True),
    ("n IN (:a)", {":a": N(1)}, False),
    ("s IN (:a, :b, :c)", {":a": N(1), ":b": S("x"), ":c": S("abc")}, True),
    ("n IN (:a, :b)", {":a": S("10"), ":b": B(b"10")}, False),
    ("gone IN (:a)", {":a": N(1)}, False),
])
def test_comparison(ddb, table_s, cmp_item, condition, values, holds):
    assert condition_holds(ddb, table_s, cmp_item, condition, values) is holds


@pytest.mark.parametrize("condition", ["t < :v", "nul > :v", "ss < :v", "l < :v", "m >= :v"])
def test_ordering_a_non_orderable_attribute_is_false(ddb, table_s, cmp_item, condition):
    # The attribute's type is only known from the item: no error, just false.
    values = {":v": N(1)}
    assert condition_holds(ddb, table_s, cmp_item, condition, values) is False


@pytest.mark.parametrize("value", [{"BOOL": True}, {"NULL": True}, {"SS": ["a"]}, L(N(1)), M(a=N(1))])
def test_ordering_with_a_non_orderable_literal_is_rejected(ddb, table_s, existing, value):
    key, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="n < :v",
                             ExpressionAttributeValues={":v": value})
    # message unverified (expected: "Invalid ConditionExpression: Incorrect operand type for
    # operator or function; operator or function: <, operand type: BOOL")
    assert code == VALIDATION
    assert message.startswith("Invalid ConditionExpression: ")


# --------------------------------------------------------------------------
# AND / OR / NOT, precedence and parentheses
# --------------------------------------------------------------------------

LOGIC_ATTRS = dict(a=N(1), b=N(0), c=N(0))


@pytest.fixture(scope="module")
def logic_item(ddb, table_s):
    item = dict({"pk": S(new_key())}, **LOGIC_ATTRS)
    ddb.put_item(TableName=table_s, Item=item)
    return item


ONE_TWO_THREE = {":1": N(1), ":2": N(2), ":3": N(3)}


@pytest.mark.parametrize("condition,holds", [
    ("a = :1 AND b = :2", False),
    ("a = :1 OR b = :2", True),
    # AND binds tighter than OR: a=1 OR (b=2 AND c=3)
    ("a = :1 OR b = :2 AND c = :3", True),
    ("(a = :1 OR b = :2) AND c = :3", False),
    ("b = :2 AND c = :3 OR a = :1", True),
    ("b = :2 AND (c = :3 OR a = :1)", False),
    # NOT binds tighter than AND: (NOT a=1) AND b=2
    ("NOT a = :1 AND b = :2", False),
    ("NOT (a = :1 AND b = :2)", True),
    ("NOT a = :2", True),
    ("NOT NOT a = :1", True),
    ("NOT a = :1 OR a = :1", True),
    # keywords are case-insensitive
    ("a = :1 and not b = :2", True),
    ("a between :1 and :3 Or b = :3", True),
    ("a in (:1, :2) AND NOT b iN (:1)", True),
    ("((a = :1) AND (b = :2)) OR (c = :3 OR a = :1)", True),
    ("attribute_exists(a) AND (attribute_not_exists(b) OR b < :1)", True),
])
def test_logical_operators(ddb, table_s, logic_item, condition, holds):
    values = {k: v for k, v in ONE_TWO_THREE.items() if k in condition}
    assert condition_holds(ddb, table_s, logic_item, condition, values) is holds


# --------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------

FUNC_ATTRS = dict(
    s=S("abc"), n=N(7), b=B(b"\x01\x02"), t={"BOOL": False}, nul={"NULL": True},
    ss={"SS": ["x", "yz"]}, ns={"NS": ["1", "2", "3"]}, bs={"BS": [b"\x01", b"\x02\x03"]},
    l=L(S("x"), N(1), M(k=S("v"))), m=M(a=N(1), b=S("2")),
    nested=M(mid=M(deep=L(N(0), N(1), M(c=S("deep"))))),
)


@pytest.fixture(scope="module")
def func_item(ddb, table_s):
    item = dict({"pk": S(new_key())}, **FUNC_ATTRS)
    ddb.put_item(TableName=table_s, Item=item)
    return item


@pytest.mark.parametrize("condition,values,holds", [
    ("attribute_exists(s)", None, True),
    ("attribute_exists(gone)", None, False),
    ("attribute_not_exists(gone)", None, True),
    ("attribute_not_exists(s)", None, False),
    ("attribute_exists(pk)", None, True),
    ("attribute_exists(nul)", None, True),
    ("attribute_exists(m.a)", None, True),
    ("attribute_exists(m.zz)", None, False),
    ("attribute_exists(l[2].k)", None, True),
    ("attribute_exists(l[3])", None, False),
    ("attribute_not_exists(s.x)", None, True),
    ("attribute_exists(nested.mid.deep[2].c)", None, True),
    # begins_with on strings and binaries; on other types it is just false
    ("begins_with(s, :v)", {":v": S("ab")}, True),
    ("begins_with(s, :v)", {":v": S("abc")}, True),
    ("begins_with(s, :v)", {":v": S("abcd")}, False),
    ("begins_with(s, :v)", {":v": S("b")}, False),
    ("begins_with(b, :v)", {":v": B(b"\x01")}, True),
    ("begins_with(b, :v)", {":v": B(b"\x02")}, False),
    ("begins_with(s, :v)", {":v": B(b"ab")}, False),
    ("begins_with(n, :v)", {":v": S("7")}, False),
    ("begins_with(gone, :v)", {":v": S("a")}, False),
    # contains: substring, set member, list element
    ("contains(s, :v)", {":v": S("bc")}, True),
    ("contains(s, :v)", {":v": S("ac")}, False),
    ("contains(ss, :v)", {":v": S("yz")}, True),
    ("contains(ss, :v)", {":v": S("y")}, False),
    ("contains(ns, :v)", {":v": N("2.0")}, True),
    ("contains(ns, :v)", {":v": S("2")}, False),
    ("contains(bs, :v)", {":v": B(b"\x02\x03")}, True),
    ("contains(l, :v)", {":v": S("x")}, True),
    ("contains(l, :v)", {":v": N(1)}, True),
    ("contains(l, :v)", {":v": S("y")}, False),
    ("contains(n, :v)", {":v": N(7)}, False),
    ("contains(gone, :v)", {":v": S("a")}, False),
    ("NOT contains(ss, :v)", {":v": S("q")}, True),
    # attribute_type
    ("attribute_type(s, :t)", {":t": S("S")}, True),
    ("attribute_type(s, :t)", {":t": S("N")}, False),
    ("attribute_type(n, :t)", {":t": S("N")}, True),
    ("attribute_type(b, :t)", {":t": S("B")}, True),
    ("attribute_type(t, :t)", {":t": S("BOOL")}, True),
    ("attribute_type(nul, :t)", {":t": S("NULL")}, True),
    ("attribute_type(ss, :t)", {":t": S("SS")}, True),
    ("attribute_type(ns, :t)", {":t": S("NS")}, True),
    ("attribute_type(bs, :t)", {":t": S("BS")}, True),
    ("attribute_type(l, :t)", {":t": S("L")}, True),
    ("attribute_type(m, :t)", {":t": S("M")}, True),
    ("attribute_type(m.b, :t)", {":t": S("S")}, True),
    ("attribute_type(gone, :t)", {":t": S("S")}, False),
    # size: characters of an ASCII string, bytes of a binary, members, elements
    ("size(s) = :v", {":v": N(3)}, True),
    ("size(b) = :v", {":v": N(2)}, True),
    ("size(ss) = :v", {":v": N(2)}, True),
    ("size(ns) = :v", {":v": N(3)}, True),
    ("size(bs) = :v", {":v": N(2)}, True),
    ("size(l) = :v", {":v": N(3)}, True),
    ("size(m) = :v", {":v": N(2)}, True),
    ("size(nested.mid.deep) > :v", {":v": N(2)}, True),
    ("size(s) < size(l)", None, False),
    ("size(s) BETWEEN :a AND :b", {":a": N(1), ":b": N(3)}, True),
    ("size(s) IN (:a, :b)", {":a": N(3), ":b": N(4)}, True),
    # size of a type without a size, or of a missing path: the comparison is false
    ("size(n) = :v", {":v": N(1)}, False),
    ("size(t) >= :v", {":v": N(0)}, False),
    ("size(gone) >= :v", {":v": N(0)}, False),
])
def test_function(ddb, table_s, func_item, condition, values, holds):
    assert condition_holds(ddb, table_s, func_item, condition, values) is holds


def test_condition_with_placeholders_in_nested_paths(ddb, table_s, func_item):
    names = {"#n": "nested", "#i": "mid", "#d": "deep", "#c": "c", "#l": "l"}
    values = {":v": S("deep"), ":x": S("x")}
    assert condition_holds(ddb, table_s, func_item, "#n.#i.#d[2].#c = :v AND #l[0] = :x", values, names)
    assert condition_holds(ddb, table_s, func_item, "nested.mid.deep[2].c = :v AND l[0] = :x", values)
    assert not condition_holds(ddb, table_s, func_item, "#n.#i.#d[1].#c = :v OR #l[1] = :x", values, names)


def test_dot_inside_a_name_placeholder_is_part_of_the_name(ddb, table_s):
    item = {"pk": S(new_key()), "x.y": S("top"), "x": M(y=S("nested"))}
    ddb.put_item(TableName=table_s, Item=item)
    assert condition_holds(ddb, table_s, item, "#xy = :v", {":v": S("top")}, {"#xy": "x.y"})
    assert condition_holds(ddb, table_s, item, "x.y = :v", {":v": S("nested")})
    assert condition_holds(ddb, table_s, item, "#x.#y = :v", {":v": S("nested")}, {"#x": "x", "#y": "y"})


@pytest.mark.parametrize("operation", ["put_item", "delete_item", "update_item"])
def test_condition_on_each_write_operation(ddb, table_s, operation):
    key = put_new(ddb, table_s, v=N(1), s=S("abc"))
    kwargs = dict(TableName=table_s, ConditionExpression="v = :v AND begins_with(s, :p)",
                  ExpressionAttributeValues={":v": N(2), ":p": S("a")})
    if operation == "put_item":
        kwargs["Item"] = dict(key, v=N(99))
    else:
        kwargs["Key"] = key
    if operation == "update_item":
        kwargs["UpdateExpression"] = "SET v = :p"
    code, message = rejected(getattr(ddb, operation), **kwargs)
    assert (code, message) == (CCF, CCF_MESSAGE)
    assert get(ddb, table_s, key) == dict(key, v=N(1), s=S("abc"))

    kwargs["ExpressionAttributeValues"][":v"] = N(1)
    getattr(ddb, operation)(**kwargs)
    after = get(ddb, table_s, key)
    expected = {"put_item": dict(key, v=N(99)), "delete_item": None,
                "update_item": dict(key, v=S("a"), s=S("abc"))}[operation]
    assert after == expected


def test_condition_on_a_missing_item(ddb, table_s):
    key = {"pk": S(new_key())}
    # Every attribute of a missing item is missing.
    for condition, values in [("attribute_exists(pk)", None), ("a = :v", {":v": N(1)}),
                              ("size(a) >= :v", {":v": N(0)})]:
        kwargs = dict(TableName=table_s, Key=key, UpdateExpression="SET x = :x", ConditionExpression=condition,
                      ExpressionAttributeValues=dict(values or {}, **{":x": N(1)}))
        assert rejected(ddb.update_item, **kwargs) == (CCF, CCF_MESSAGE)
        assert rejected(ddb.delete_item, TableName=table_s, Key=key, ConditionExpression=condition,
                        **({"ExpressionAttributeValues": values} if values else {})) == (CCF, CCF_MESSAGE)
    assert get(ddb, table_s, key) is None, "a failed conditional update must not create the item"

    ddb.update_item(TableName=table_s, Key=key, UpdateExpression="SET x = :x",
                    ConditionExpression="a <> :v AND attribute_not_exists(pk)",
                    ExpressionAttributeValues={":x": N(1), ":v": N(1)})
    assert get(ddb, table_s, key) == dict(key, x=N(1))


def test_put_if_absent(ddb, table_s):
    key = {"pk": S(new_key())}
    ddb.put_item(TableName=table_s, Item=dict(key, v=S("first")), ConditionExpression="attribute_not_exists(pk)")
    code, message = rejected(ddb.put_item, TableName=table_s, Item=dict(key, v=S("second")),
                             ConditionExpression="attribute_not_exists(pk)")
    assert (code, message) == (CCF, CCF_MESSAGE)
    assert get(ddb, table_s, key) == dict(key, v=S("first"))


# --------------------------------------------------------------------------
# ProjectionExpression with nested paths
# --------------------------------------------------------------------------

PROJ_ATTRS = dict(
    l=L(S("l0"), S("l1"), S("l2"), S("l3"), S("l4")),
    a=M(b=L(N(0), N(1), M(c=S("deep"), d=S("oth"))), e=S("E")),
    m=M(x=N(1), y=N(2), z=N(3)),
    s=S("str"),
)


@pytest.fixture(scope="module")
def proj_key(ddb, table_s):
    key = {"pk": S(new_key())}
    ddb.put_item(TableName=table_s, Item=dict(key, **PROJ_ATTRS))
    return key


@pytest.mark.parametrize("projection,names,expected", [
    # list elements are compacted, in index order
    ("l[1], l[3]", None, {"l": L(S("l1"), S("l3"))}),
    ("l[3], l[1]", None, {"l": L(S("l1"), S("l3"))}),
    ("l[0]", None, {"l": L(S("l0"))}),
    ("l[4], l[9]", None, {"l": L(S("l4"))}),
    ("a.b[2].c", None, {"a": M(b=L(M(c=S("deep"))))}),
    ("a.b[0], a.b[2].d", None, {"a": M(b=L(N(0), M(d=S("oth"))))}),
    ("a.e, m.y", None, {"a": M(e=S("E")), "m": M(y=N(2))}),
    ("m.x, m.z", None, {"m": M(x=N(1), z=N(3))}),
    ("#a.#b[1], #s", {"#a": "a", "#b": "b", "#s": "s"}, {"a": M(b=L(N(1))), "s": S("str")}),
    ("m.gone, s", None, {"s": S("str")}),
    ("s.x", None, {}),
    ("s[0]", None, {}),
    ("m[0]", None, {}),
    ("l.x", None, {}),
    ("a.b[5].c", None, {}),
])
def test_projection_of_nested_paths(ddb, table_s, proj_key, projection, names, expected):
    kwargs = dict(ProjectionExpression=projection)
    if names:
        kwargs["ExpressionAttributeNames"] = names
    assert (get(ddb, table_s, proj_key, **kwargs) or {}) == expected


@pytest.mark.parametrize("projection,one,two", [
    ("a, a.b", "[a]", "[a, b]"),
    ("m.x, m", "[m, x]", "[m]"),
    ("s, s", "[s]", "[s]"),
    ("a.e, a", "[a, e]", "[a]"),
    ("#a, a", "[a]", "[a]"),
])
def test_projection_overlapping_paths_rejected(ddb, table_s, proj_key, projection, one, two):
    kwargs = {"ExpressionAttributeNames": {"#a": "a"}} if "#a" in projection else {}
    code, message = rejected(ddb.get_item, TableName=table_s, Key=proj_key, ProjectionExpression=projection, **kwargs)
    # ExtendDB/extenddb PR 173 ("captured directly via the AWS CLI": "a, a.b" -> path one: [a],
    # path two: [a, b]; "a.b, a" -> the other order); hashicorp/terraform-provider-aws issue 24683.
    assert (code, message) == (VALIDATION, "Invalid ProjectionExpression: Two document paths overlap with each "
                                           f"other; must remove or rewrite one of these paths; path one: {one}, "
                                           f"path two: {two}")


@pytest.mark.parametrize("projection", ["l[1], l[1]", "a.b[2], a.b[2].c"])
def test_projection_overlapping_list_paths_rejected(ddb, table_s, proj_key, projection):
    code, message = rejected(ddb.get_item, TableName=table_s, Key=proj_key, ProjectionExpression=projection)
    # How a list index is printed inside "path one: [...]" is unverified.
    assert code == VALIDATION
    assert message.startswith("Invalid ProjectionExpression: Two document paths overlap with each other; "
                              "must remove or rewrite one of these paths; path one: [")


def test_projection_conflicting_paths_rejected(ddb, table_s, proj_key):
    code, message = rejected(ddb.get_item, TableName=table_s, Key=proj_key, ProjectionExpression="s.x, s[0]")
    # message unverified (expected: "Invalid ProjectionExpression: Two document paths conflict
    # with each other; must remove or rewrite one of these paths; path one: [s, x], path two: [s, [0]]")
    assert code == VALIDATION
    assert message.startswith("Invalid ProjectionExpression: Two document paths ")


# --------------------------------------------------------------------------
# UpdateExpression: SET
# --------------------------------------------------------------------------

@pytest.mark.parametrize("start,expression,operand,result", [
    ("12345678901234567890.123", "SET n = n + :v", "0.877", "12345678901234567891"),
    ("0.3", "SET n = n - :v", "0.1", "0.2"),
    # getmoto/moto PR 10092 lists this AWS result
    ("100000000000000000000.00000001", "SET n = n - :v", "1", "99999999999999999999.00000001"),
    ("10", "SET n = :v - n", "3", "-7"),
    ("-5", "SET n = n + :v", "5", "0"),
    ("1E+100", "SET n = n + :v", "1E+100", "2E+100"),
    ("0.000000000000000000000000000000000001", "SET n = n + :v", "1", "1.000000000000000000000000000000000001"),
])
def test_set_arithmetic_is_exact(ddb, table_s, start, expression, operand, result):
    key = put_new(ddb, table_s, n=N(start))
    update(ddb, table_s, key, expression, {":v": N(operand)})
    assert Decimal(get(ddb, table_s, key)["n"]["N"]) == Decimal(result)


def test_set_arithmetic_on_two_values_and_two_paths(ddb, table_s):
    key = put_new(ddb, table_s, a=N(2), b=N(40))
    update(ddb, table_s, key, "SET c = :x + :y, d = a + b, e = b - a", {":x": N(1), ":y": N("0.5")})
    item = get(ddb, table_s, key)
    assert (item["c"], item["d"], item["e"]) == (N("1.5"), N(42), N(38))


def test_set_if_not_exists(ddb, table_s):
    key = put_new(ddb, table_s, present=S("old"))
    update(ddb, table_s, key, "SET present = if_not_exists(present, :v), absent = if_not_exists(absent, :v)",
           {":v": S("new")})
    assert get(ddb, table_s, key) == dict(key, present=S("old"), absent=S("new"))


def test_set_counter_with_if_not_exists(ddb, table_s):
    key = {"pk": S(new_key())}
    for _ in range(3):
        update(ddb, table_s, key, "SET c = if_not_exists(c, :zero) + :one", {":zero": N(0), ":one": N(1)})
    assert get(ddb, table_s, key) == dict(key, c=N(3))


def test_list_append_both_orders(ddb, table_s):
    key = put_new(ddb, table_s, l=L(S("b"), S("c")))
    update(ddb, table_s, key, "SET l = list_append(l, :end)", {":end": L(S("d"))})
    update(ddb, table_s, key, "SET l = list_append(:front, l)", {":front": L(S("a"))})
    assert get(ddb, table_s, key)["l"] == L(S("a"), S("b"), S("c"), S("d"))


def test_list_append_with_if_not_exists_and_two_literals(ddb, table_s):
    key = put_new(ddb, table_s)
    update(ddb, table_s, key, "SET l = list_append(if_not_exists(l, :empty), :v), k = list_append(:v, :v)",
           {":empty": L(), ":v": L(N(1))})
    item = get(ddb, table_s, key)
    assert (item["l"], item["k"]) == (L(N(1)), L(N(1), N(1)))


def test_set_nested_paths(ddb, table_s):
    key = put_new(ddb, table_s, m=M(x=N(1), mid=M(l=L(N(0), N(1)))), l=L(S("a"), S("b"), S("c")))
    update(ddb, table_s, key, "SET m.y = :y, m.mid.l[1] = :one, l[0] = :z, #m.#i.#n = :y",
           {":y": S("y"), ":one": S("one"), ":z": S("z")}, {"#m": "m", "#i": "mid", "#n": "new"})
    assert get(ddb, table_s, key) == dict(
        key, m=M(x=N(1), y=S("y"), mid=M(l=L(N(0), S("one")), new=S("y"))), l=L(S("z"), S("b"), S("c")))


def test_set_list_index_past_the_end_appends(ddb, table_s):
    # "If the element doesn't already exist, SET appends the new element at the
    # end of the list" (developer guide, update expressions).
    key = put_new(ddb, table_s, l=L(S("a"), S("b"), S("c")))
    update(ddb, table_s, key, "SET l[10] = :v", {":v": S("d")})
    assert get(ddb, table_s, key)["l"] == L(S("a"), S("b"), S("c"), S("d"))


def test_set_copies_another_attribute(ddb, table_s):
    key = put_new(ddb, table_s, src=M(x=L(N(1))))
    update(ddb, table_s, key, "SET dst = src, dst2 = src.x[0]")
    item = get(ddb, table_s, key)
    assert (item["dst"], item["dst2"]) == (M(x=L(N(1))), N(1))


def test_set_with_value_placeholders_of_every_type(ddb, table_s):
    key = put_new(ddb, table_s)
    values = {":s": S("x"), ":n": N(1), ":b": B(b"\x00"), ":t": {"BOOL": True}, ":z": {"NULL": True},
              ":ss": {"SS": ["a"]}, ":ns": {"NS": ["1"]}, ":bs": {"BS": [b"\x01"]}, ":l": L(), ":m": M()}
    update(ddb, table_s, key, "SET " + ", ".join(f"x{k[1:]} = {k}" for k in values), values)
    assert get(ddb, table_s, key) == dict(key, **{f"x{k[1:]}": v for k, v in values.items()})


# --------------------------------------------------------------------------
# UpdateExpression: REMOVE, ADD, DELETE, all clauses
# --------------------------------------------------------------------------

def test_remove_attributes_and_nested(ddb, table_s):
    key = put_new(ddb, table_s, a=N(1), b=N(2), m=M(x=N(1), y=N(2)))
    update(ddb, table_s, key, "REMOVE a, m.x, gone, m.gone")
    assert get(ddb, table_s, key) == dict(key, b=N(2), m=M(y=N(2)))


def test_remove_list_element_shifts_the_rest(ddb, table_s):
    key = put_new(ddb, table_s, l=L(S("a"), S("b"), S("c"), S("d")))
    update(ddb, table_s, key, "REMOVE l[0]")
    assert get(ddb, table_s, key)["l"] == L(S("b"), S("c"), S("d"))
    update(ddb, table_s, key, "REMOVE l[0]")
    assert get(ddb, table_s, key)["l"] == L(S("c"), S("d"))


def test_remove_several_list_elements_uses_original_indexes(ddb, table_s):
    key = put_new(ddb, table_s, l=L(S("a"), S("b"), S("c"), S("d"), S("e")))
    update(ddb, table_s, key, "REMOVE l[1], l[3]")
    assert get(ddb, table_s, key)["l"] == L(S("a"), S("c"), S("e"))


def test_remove_list_index_past_the_end_is_a_no_op(ddb, table_s):
    key = put_new(ddb, table_s, l=L(S("a")))
    update(ddb, table_s, key, "REMOVE l[5]")
    assert get(ddb, table_s, key)["l"] == L(S("a"))


def test_remove_last_list_element_leaves_an_empty_list(ddb, table_s):
    key = put_new(ddb, table_s, l=L(S("a")))
    update(ddb, table_s, key, "REMOVE l[0]")
    assert get(ddb, table_s, key)["l"] == L()


def test_add_numbers(ddb, table_s):
    key = put_new(ddb, table_s, n=N(5))
    update(ddb, table_s, key, "ADD n :v, fresh :v", {":v": N(-7)})
    item = get(ddb, table_s, key)
    assert (item["n"], item["fresh"]) == (N(-2), N(-7))


@pytest.mark.parametrize("start,added,result", [
    ({"SS": ["a", "b"]}, {"SS": ["b", "c"]}, {"SS": ["a", "b", "c"]}),
    ({"NS": ["1", "2"]}, {"NS": ["2.0", "3"]}, {"NS": ["1", "2", "3"]}),
    ({"BS": [b"\x01"]}, {"BS": [b"\x02"]}, {"BS": [b"\x01", b"\x02"]}),
    (None, {"SS": ["x"]}, {"SS": ["x"]}),
])
def test_add_to_sets(ddb, table_s, start, added, result):
    key = put_new(ddb, table_s, **({"st": start} if start else {}))
    update(ddb, table_s, key, "ADD st :v", {":v": added})
    assert canonical(get(ddb, table_s, key)["st"]) == canonical(result)


@pytest.mark.parametrize("start,removed,result", [
    ({"SS": ["a", "b", "c"]}, {"SS": ["b", "zz"]}, {"SS": ["a", "c"]}),
    ({"NS": ["1", "2"]}, {"NS": ["1.0"]}, {"NS": ["2"]}),
    ({"BS": [b"\x01", b"\x02"]}, {"BS": [b"\x02"]}, {"BS": [b"\x01"]}),
])
def test_delete_from_sets(ddb, table_s, start, removed, result):
    key = put_new(ddb, table_s, st=start)
    update(ddb, table_s, key, "DELETE st :v", {":v": removed})
    assert canonical(get(ddb, table_s, key)["st"]) == canonical(result)


def test_delete_every_member_removes_the_attribute(ddb, table_s):
    key = put_new(ddb, table_s, st={"SS": ["a", "b"]}, other=N(1))
    update(ddb, table_s, key, "DELETE st :v, absent :v", {":v": {"SS": ["a", "b", "c"]}})
    assert get(ddb, table_s, key) == dict(key, other=N(1))


@pytest.mark.parametrize("expression", [
    "SET a = :a REMOVE b ADD c :c DELETE d :d",
    "DELETE d :d ADD c :c REMOVE b SET a = :a",
    "remove b set a = :a delete d :d add c :c",
])
def test_all_clauses_in_one_expression(ddb, table_s, expression):
    key = put_new(ddb, table_s, b=N(1), c=N(1), d={"SS": ["x", "y"]})
    update(ddb, table_s, key, expression, {":a": S("A"), ":c": N(2), ":d": {"SS": ["x"]}})
    assert get(ddb, table_s, key) == dict(key, a=S("A"), c=N(3), d={"SS": ["y"]})


def test_update_of_a_missing_item_creates_it(ddb, table_s):
    key = {"pk": S(new_key())}
    update(ddb, table_s, key, "SET a = :a ADD n :n, st :st", {":a": S("x"), ":n": N(5), ":st": {"SS": ["q"]}})
    assert get(ddb, table_s, key) == dict(key, a=S("x"), n=N(5), st={"SS": ["q"]})


def test_update_keys_on_a_hash_range_table(ddb, table_sr):
    key = {"pk": S(new_key()), "sk": S("s")}
    update(ddb, table_sr, key, "SET v = :v", {":v": N(1)}, ConditionExpression="attribute_not_exists(sk)")
    assert get(ddb, table_sr, key) == dict(key, v=N(1))


# --------------------------------------------------------------------------
# ReturnValues on UpdateItem
# --------------------------------------------------------------------------

RV_ITEM = dict(a=N(1), b=N(2), m=M(x=N(1), y=N(2)))


@pytest.mark.parametrize("expression,values,return_values,expected", [
    ("SET a = :v", {":v": N(9)}, "NONE", None),
    ("SET a = :v", {":v": N(9)}, "ALL_OLD", RV_ITEM),
    ("SET a = :v", {":v": N(9)}, "ALL_NEW", dict(RV_ITEM, a=N(9))),
    ("SET a = :v", {":v": N(9)}, "UPDATED_OLD", {"a": N(1)}),
    ("SET a = :v", {":v": N(9)}, "UPDATED_NEW", {"a": N(9)}),
    # only the updated fragment of a nested attribute
    ("SET m.x = :v", {":v": N(9)}, "UPDATED_NEW", {"m": M(x=N(9))}),
    ("SET m.x = :v", {":v": N(9)}, "UPDATED_OLD", {"m": M(x=N(1))}),
    ("SET m.x = :v", {":v": N(9)}, "ALL_NEW", dict(RV_ITEM, m=M(x=N(9), y=N(2)))),
    # an attribute that did not exist has no old value
    ("ADD c :v", {":v": N(9)}, "UPDATED_OLD", None),
    ("ADD c :v", {":v": N(9)}, "UPDATED_NEW", {"c": N(9)}),
    ("SET a = a + :v, c = :v", {":v": N(9)}, "UPDATED_OLD", {"a": N(1)}),
    # a removed attribute has no new value
    ("REMOVE a", None, "UPDATED_NEW", None),
    ("REMOVE a", None, "UPDATED_OLD", {"a": N(1)}),
    ("REMOVE a", None, "ALL_NEW", {"b": N(2), "m": RV_ITEM["m"]}),
])
def test_update_return_values(ddb, table_s, expression, values, return_values, expected):
    key = put_new(ddb, table_s, **RV_ITEM)
    resp = update(ddb, table_s, key, expression, values, ReturnValues=return_values)
    if expected is not None and return_values.startswith("ALL"):
        expected = dict(key, **expected)
    assert resp.get("Attributes") == expected


def test_return_values_all_old_of_a_missing_item(ddb, table_s):
    key = {"pk": S(new_key())}
    resp = update(ddb, table_s, key, "SET a = :v", {":v": N(1)}, ReturnValues="ALL_OLD")
    assert "Attributes" not in resp
    resp = update(ddb, table_s, {"pk": S(new_key())}, "SET a = :v", {":v": N(1)}, ReturnValues="ALL_NEW")
    assert resp["Attributes"]["a"] == N(1)


# --------------------------------------------------------------------------
# ReturnValuesOnConditionCheckFailure (raw HTTP: botocore 1.29 lacks it)
# --------------------------------------------------------------------------

@pytest.fixture
def wire(endpoint, credentials):
    w = Wire(endpoint, credentials)
    yield w
    w.close()


@pytest.mark.parametrize("operation", ["PutItem", "UpdateItem", "DeleteItem"])
@pytest.mark.parametrize("mode", ["ALL_OLD", "NONE"])
def test_return_values_on_condition_check_failure(ddb, table_s, wire, operation, mode):
    key = put_new(ddb, table_s, v=N(1), l=L(S("x")))
    payload = {"TableName": table_s, "ConditionExpression": "v = :two",
               "ExpressionAttributeValues": {":two": N(2)}, "ReturnValuesOnConditionCheckFailure": mode}
    if operation == "PutItem":
        payload["Item"] = dict(key, v=N(5))
    else:
        payload["Key"] = key
    if operation == "UpdateItem":
        payload["UpdateExpression"] = "SET v = :two"
    reply = wire.send(operation, json.loads(json.dumps(payload, default=str)))
    assert reply.status == 400
    body = reply.json()
    assert body["__type"].endswith("#ConditionalCheckFailedException")
    assert reply.message == CCF_MESSAGE
    if mode == "ALL_OLD":
        assert body["Item"] == dict(key, v=N(1), l=L(S("x")))
    else:
        assert "Item" not in body


def test_return_values_on_condition_check_failure_for_a_missing_item(table_s, wire):
    reply = wire.send("UpdateItem", {"TableName": table_s, "Key": {"pk": S(new_key())},
                                     "UpdateExpression": "SET v = :v", "ConditionExpression": "attribute_exists(pk)",
                                     "ExpressionAttributeValues": {":v": N(1)},
                                     "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})
    assert reply.status == 400
    assert reply.type.endswith("#ConditionalCheckFailedException")
    assert "Item" not in reply.json()


# --------------------------------------------------------------------------
# Numbers in updates
# --------------------------------------------------------------------------

def test_add_a_tenth_ten_times_is_exactly_one(ddb, table_s):
    key = put_new(ddb, table_s)
    for _ in range(10):
        update(ddb, table_s, key, "ADD n :v", {":v": N("0.1")})
    assert get(ddb, table_s, key)["n"] == N(1)


def test_add_past_38_significant_digits_rejected(ddb, table_s):
    start = "1" + "0" * 37  # 38 digits
    key = put_new(ddb, table_s, n=N(start))
    code, _ = rejected(update, ddb=ddb, table=table_s, key=key, expression="ADD n :v", values={":v": N("0.1")})
    # message unverified (expected: "Attempting to store more than 38 significant digits in a Number")
    assert code == VALIDATION
    assert get(ddb, table_s, key)["n"] == N(start)


@pytest.mark.parametrize("expression", ["ADD n :v", "SET n = n + :v"])
def test_arithmetic_overflow_rejected(ddb, table_s, expression):
    big = "9.9999999999999999999999999999999999999E+125"
    key = put_new(ddb, table_s, n=N(big))
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression, values={":v": N(big)})
    # Same wording as PutItem (test_items.py); floci-io/floci PR 3447 reports
    # "the AWS overflow wording" for SET +/- and ADD.
    assert (code, message) == (VALIDATION, "Number overflow. Attempting to store a number with magnitude "
                                           "larger than supported range")
    assert Decimal(get(ddb, table_s, key)["n"]["N"]) == Decimal(big)


# --------------------------------------------------------------------------
# Concurrency
# --------------------------------------------------------------------------

@pytest.mark.slow
def test_concurrent_increments_are_atomic(endpoint, credentials, ddb, table_s):
    threads_n, per_thread = 8, 500  # the issue: 8 clients x 500 increments = 4000
    key = put_new(ddb, table_s, c=N(0))
    errors = []

    def worker():
        client = make_client(endpoint, *credentials)
        try:
            for _ in range(per_thread):
                client.update_item(TableName=table_s, Key=key, UpdateExpression="SET #c = #c + :one",
                                   ExpressionAttributeNames={"#c": "c"},
                                   ExpressionAttributeValues={":one": N(1)})
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert get(ddb, table_s, key)["c"] == N(threads_n * per_thread)


def test_concurrent_put_if_absent_has_one_winner(endpoint, credentials, ddb, table_s):
    threads_n = 8
    key = {"pk": S(new_key())}
    barrier = threading.Barrier(threads_n)
    outcomes = [None] * threads_n

    def worker(i):
        client = make_client(endpoint, *credentials)
        barrier.wait()
        try:
            client.put_item(TableName=table_s, Item=dict(key, winner=N(i)),
                            ConditionExpression="attribute_not_exists(pk)")
            outcomes[i] = "won"
        except ClientError as e:
            outcomes[i] = e.response["Error"]["Code"]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1
    assert outcomes.count(CCF) == threads_n - 1
    assert get(ddb, table_s, key)["winner"] == N(outcomes.index("won"))


# --------------------------------------------------------------------------
# Validation errors: parsing
# --------------------------------------------------------------------------

def test_syntax_error_token_and_near(ddb, table_s, existing):
    key, _ = existing
    code, message = rejected(ddb.update_item, TableName=table_s, Key=key, UpdateExpression="ADD hits : incr",
                             ExpressionAttributeValues={":incr": N(1)})
    # Quoted from the real service: aws/aws-cdk issue 7591.
    assert (code, message) == (VALIDATION, 'Invalid UpdateExpression: Syntax error; token: ":", near: "hits : incr"')


def test_syntax_error_in_a_condition(ddb, table_s, existing):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="__typename <> :t",
                             ExpressionAttributeValues={":t": S("x")})
    # DynamoDB Local's answer in architect/dynalite issue 147.
    assert (code, message) == (VALIDATION, 'Invalid ConditionExpression: Syntax error; token: "_", near: "__"')


@pytest.mark.parametrize("expression", ["SET a = :v,", "SET a = ", "SET = :v", "SET a :v", "a = :v",
                                        "SET a = :v SET b = :v"])
def test_update_expression_syntax_errors(ddb, table_s, existing, expression):
    key, _ = existing
    values = {":v": N(1)} if ":v" in expression else None
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression, values=values)
    # message unverified for these inputs (format: 'Invalid UpdateExpression:
    # Syntax error; token: "<tok>", near: "<prev tok ... next tok>"'; at the end
    # of the input the token is "<EOF>"; a clause keyword twice has its own text)
    assert code == VALIDATION
    assert message.startswith("Invalid UpdateExpression: ")


@pytest.mark.parametrize("condition", ["a =", "a = :v AND", "(a = :v", "a = :v)", "a == :v", "a IN ()",
                                       "a BETWEEN :v", "attribute_exists(a", "NOT", "a = :v b = :v"])
def test_condition_expression_syntax_errors(ddb, table_s, existing, condition):
    _, item = existing
    values = {":v": N(1)} if ":v" in condition else None
    kwargs = dict(TableName=table_s, Item=item, ConditionExpression=condition)
    if values:
        kwargs["ExpressionAttributeValues"] = values
    code, message = rejected(ddb.put_item, **kwargs)
    # message unverified (format 'Invalid ConditionExpression: Syntax error; token: ..., near: ...')
    assert code == VALIDATION
    assert message.startswith("Invalid ConditionExpression: Syntax error; token: ")


def test_redundant_parentheses_rejected(ddb, table_s, existing):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="((n = :v))",
                             ExpressionAttributeValues={":v": N(1)})
    # Quoted from the real service: SamVerschueren/dynongo issue 35.
    assert (code, message) == (VALIDATION, "Invalid ConditionExpression: The expression has redundant parentheses;")


@pytest.mark.parametrize("parameter,expression,word", [
    ("UpdateExpression", "SET status = :v", "status"),
    ("ConditionExpression", "attribute_not_exists(name)", "name"),
    ("ConditionExpression", "size(data) > :v", "data"),
])
def test_reserved_keyword_as_attribute_name(ddb, table_s, existing, parameter, expression, word):
    key, item = existing
    if parameter == "UpdateExpression":
        code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression, values={":v": N(1)})
    else:
        kwargs = dict(TableName=table_s, Item=item, ConditionExpression=expression)
        if ":v" in expression:
            kwargs["ExpressionAttributeValues"] = {":v": N(1)}
        code, message = rejected(ddb.put_item, **kwargs)
    # Quoted from the real service: truora/minidyn issue 61 (status),
    # sensedeep/dynamodb-onetable issue 242 (name).
    assert (code, message) == (VALIDATION,
                               f"Invalid {parameter}: Attribute name is a reserved keyword; reserved keyword: {word}")


def test_reserved_keyword_in_a_projection(ddb, table_s, existing):
    key, _ = existing
    code, message = rejected(ddb.get_item, TableName=table_s, Key=key, ProjectionExpression="comment")
    # The developer guide's example for reserved words (COMMENT); wording as above.
    assert (code, message) == (VALIDATION,
                               "Invalid ProjectionExpression: Attribute name is a reserved keyword; "
                               "reserved keyword: comment")


def test_empty_expressions_rejected(ddb_raw, table_s, existing):
    key, item = existing
    code, message = rejected(ddb_raw.update_item, TableName=table_s, Key=key, UpdateExpression="")
    # ExtendDB/extenddb PRs 20 and 190 ("verified against real DynamoDB").
    assert (code, message) == (VALIDATION, "Invalid UpdateExpression: The expression can not be empty;")
    code, message = rejected(ddb_raw.put_item, TableName=table_s, Item=item, ConditionExpression="")
    assert (code, message) == (VALIDATION, "Invalid ConditionExpression: The expression can not be empty;")


@pytest.mark.parametrize("function", ["begins", "attribute_exist", "BEGINS_WITH", "contain"])
def test_invalid_function_name(ddb, table_s, existing, function):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression=f"{function}(s, :v)",
                             ExpressionAttributeValues={":v": S("t")})
    # Format quoted from the real service: lucasmafra/type-dynamo issue 5
    # ("Invalid KeyConditionExpression: Invalid function name; function: beginsWith").
    # Function names are case-sensitive (developer guide).
    assert (code, message) == (VALIDATION, f"Invalid ConditionExpression: Invalid function name; function: {function}")


# --------------------------------------------------------------------------
# Validation errors: placeholders
# --------------------------------------------------------------------------

def test_undefined_name_placeholder(ddb, table_s, existing):
    key, item = existing
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression="SET #nope = :v",
                             values={":v": N(1)})
    # Quoted from the real service: neoeinstein/modyne issue 3,
    # awslabs/fhir-works-on-aws-persistence-ddb PR 142.
    assert (code, message) == (VALIDATION, "Invalid UpdateExpression: An expression attribute name used in the "
                                           "document path is not defined; attribute name: #nope")
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="attribute_exists(#nope)")
    assert (code, message) == (VALIDATION, "Invalid ConditionExpression: An expression attribute name used in the "
                                           "document path is not defined; attribute name: #nope")


def test_undefined_value_placeholder(ddb, table_s, existing):
    key, item = existing
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression="SET a = :nope",
                             values={":v": N(1)}, ConditionExpression="n = :v")
    # Quoted from the real service: goamz/goamz issue 132.
    assert (code, message) == (VALIDATION, "Invalid UpdateExpression: An expression attribute value used in "
                                           "expression is not defined; attribute value: :nope")
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="n = :nope")
    assert (code, message) == (VALIDATION, "Invalid ConditionExpression: An expression attribute value used in "
                                           "expression is not defined; attribute value: :nope")


def test_unused_name_placeholder(ddb, table_s, existing):
    key, _ = existing
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression="SET #a = :v",
                             values={":v": N(1)}, names={"#a": "a", "#unused": "b"})
    # Quoted from the real service: AllocZero/EfficientDynamoDb issue 170.
    assert (code, message) == (VALIDATION, "Value provided in ExpressionAttributeNames unused in expressions: "
                                           "keys: {#unused}")


def test_unused_value_placeholder(ddb, table_s, existing):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="n = :v",
                             ExpressionAttributeValues={":v": N(1), ":unused": N(2)})
    # Quoted from the real service: kestra-io/plugin-aws issue 358.
    assert (code, message) == (VALIDATION, "Value provided in ExpressionAttributeValues unused in expressions: "
                                           "keys: {:unused}")


def test_placeholders_used_across_expressions_count_as_used(ddb, table_s):
    key = put_new(ddb, table_s, a=N(1))
    # #a only in the condition, :v only in the update: both are used.
    update(ddb, table_s, key, "SET b = :v", {":v": N(2), ":one": N(1)}, {"#a": "a"},
           ConditionExpression="#a = :one")
    assert get(ddb, table_s, key) == dict(key, a=N(1), b=N(2))


def test_empty_expression_attribute_values(ddb_raw, table_s, existing):
    _, item = existing
    code, message = rejected(ddb_raw.put_item, TableName=table_s, Item=item,
                             ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={})
    # Quoted from the real service: aws/aws-appsync-community issue 178, d2a4u/meteor issue 372.
    assert (code, message) == (VALIDATION, "ExpressionAttributeValues must not be empty")


def test_empty_expression_attribute_names(ddb_raw, table_s, existing):
    _, item = existing
    code, message = rejected(ddb_raw.put_item, TableName=table_s, Item=item,
                             ConditionExpression="attribute_exists(pk)", ExpressionAttributeNames={})
    # little-bear-labs/aws-utils PR 81 (the AppSync simulator's copy of the service text).
    assert (code, message) == (VALIDATION, "ExpressionAttributeNames must not be empty")


def test_names_without_any_expression(ddb, table_s, existing):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ExpressionAttributeNames={"#a": "a"})
    # ExtendDB/extenddb PR 178 ("captured directly via the AWS CLI").
    assert (code, message) == (VALIDATION, "ExpressionAttributeNames can only be specified when using expressions")


def test_values_without_any_expression(ddb, table_s, existing):
    _, item = existing
    code, _ = rejected(ddb.put_item, TableName=table_s, Item=item, ExpressionAttributeValues={":v": N(1)})
    # message unverified (expected: "ExpressionAttributeValues can only be specified when using expressions: ...")
    assert code == VALIDATION


def test_empty_set_in_expression_attribute_values(ddb_raw, table_s, existing):
    key, _ = existing
    code, message = rejected(ddb_raw.update_item, TableName=table_s, Key=key, UpdateExpression="ADD ss :value",
                             ExpressionAttributeValues={":value": {"SS": []}})
    # Quoted from the real service: guardian/grid issue 902 ("An string set  may", two spaces).
    assert (code, message) == (VALIDATION, "ExpressionAttributeValues contains invalid value: One or more "
                                           "parameter values were invalid: An string set  may not be empty "
                                           "for key :value")


# --------------------------------------------------------------------------
# Validation errors: operands and functions
# --------------------------------------------------------------------------

def test_list_append_with_a_map_literal(ddb, table_s, existing):
    key, _ = existing
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression="SET l = list_append(l, :m)",
                             values={":m": M(a=N(1))})
    # Quoted from the real service: aws/aws-sdk-js-v3 issue 7171.
    assert (code, message) == (VALIDATION, "Invalid UpdateExpression: Incorrect operand type for operator or "
                                           "function; operator or function: list_append, operand type: M")


def test_size_of_a_number_literal(ddb, table_s, existing):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="size(:v) > :z",
                             ExpressionAttributeValues={":v": N(5), ":z": N(0)})
    # DynamoDB's answer as described in scylladb/scylladb issue 14592.
    assert (code, message) == (VALIDATION, "Invalid ConditionExpression: Incorrect operand type for operator or "
                                           "function; operator or function: size, operand type: N")


def test_begins_with_a_number_literal(ddb, table_s, existing):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="begins_with(s, :n)",
                             ExpressionAttributeValues={":n": N(1)})
    # ExtendDB/extenddb issue 65 quotes this text (after a doubtful
    # "1 validation error detected: " prefix), so only its end is asserted.
    assert code == VALIDATION
    assert message.endswith("Invalid ConditionExpression: Incorrect operand type for operator or function; "
                            "operator or function: begins_with, operand type: N")


def test_add_with_a_string_literal(ddb, table_s, existing):
    key, _ = existing
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression="ADD n :s", values={":s": S("5")})
    # Quoted from the real service: dynamoose/dynamoose issue 388.
    assert (code, message) == (VALIDATION, "Invalid UpdateExpression: Incorrect operand type for operator or "
                                           "function; operator: ADD, operand type: STRING")


@pytest.mark.parametrize("expression,value", [
    ("DELETE ss :v", N(1)), ("DELETE ss :v", S("a")), ("ADD l :v", L(N(1))), ("ADD m :v", M()),
    ("ADD n :v", {"BOOL": True}),
])
def test_add_delete_with_a_literal_of_the_wrong_type(ddb, table_s, existing, expression, value):
    key, _ = existing
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression, values={":v": value})
    # Only the ADD/STRING text is confirmed (test above); the rest is assumed to
    # follow it, e.g. "... operator: DELETE, operand type: NUMBER".
    assert code == VALIDATION
    assert message.startswith("Invalid UpdateExpression: Incorrect operand type for operator or function; ")


@pytest.mark.parametrize("expression,value", [("SET n = n + :v", S("1")), ("SET n = :v - n", {"SS": ["a"]}),
                                              ("SET n = :v + :v", {"BOOL": True})])
def test_arithmetic_with_a_literal_of_the_wrong_type(ddb, table_s, existing, expression, value):
    key, _ = existing
    code, _ = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression, values={":v": value})
    # message unverified (either the "Incorrect operand type ... operator or function: +"
    # form or "An operand in the update expression has an incorrect data type")
    assert code == VALIDATION


@pytest.mark.parametrize("parameter,expression", [
    ("UpdateExpression", "SET a = attribute_exists(n)"),
    ("UpdateExpression", "SET a = size(s)"),
    ("UpdateExpression", "SET a = begins_with(s, :v)"),
    ("ConditionExpression", "list_append(l, :v) = l"),
    ("ConditionExpression", "if_not_exists(n, :v) = :v"),
    ("ConditionExpression", "size(s)"),
    ("ConditionExpression", "attribute_exists(size(s))"),
])
def test_function_not_allowed_here(ddb, table_s, existing, parameter, expression):
    key, item = existing
    values = {":v": L(N(1))} if ":v" in expression else None
    if parameter == "UpdateExpression":
        code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression, values=values)
    else:
        kwargs = dict(TableName=table_s, Item=item, ConditionExpression=expression)
        if values:
            kwargs["ExpressionAttributeValues"] = values
        code, message = rejected(ddb.put_item, **kwargs)
    # message unverified (expected: "Invalid <parameter>: The function is not allowed to be
    # used this way in an expression; function: <name>", or a syntax error)
    assert code == VALIDATION
    assert message.startswith(f"Invalid {parameter}: ")


@pytest.mark.parametrize("condition", ["attribute_exists(n, s)", "attribute_not_exists()", "begins_with(s)",
                                       "contains(s, :v, :v)", "attribute_type(s)", "size(s, l) > :v"])
def test_wrong_number_of_function_operands(ddb, table_s, existing, condition):
    _, item = existing
    kwargs = dict(TableName=table_s, Item=item, ConditionExpression=condition)
    if ":v" in condition:
        kwargs["ExpressionAttributeValues"] = {":v": N(1)}
    code, message = rejected(ddb.put_item, **kwargs)
    # message unverified (expected: "Invalid ConditionExpression: Incorrect number of operands
    # for operator or function; operator or function: <f>, number of operands: <n>")
    assert code == VALIDATION
    assert message.startswith("Invalid ConditionExpression: ")


def test_update_function_operand_counts(ddb, table_s, existing):
    key, _ = existing
    for expression in ["SET l = list_append(l)", "SET n = if_not_exists(n)", "SET l = list_append(l, l, l)"]:
        code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression)
        # message unverified (as above, with "Invalid UpdateExpression: ")
        assert code == VALIDATION
        assert message.startswith("Invalid UpdateExpression: ")


@pytest.mark.parametrize("type_name", ["STRING", "s", "X", "", "MAP"])
def test_attribute_type_with_an_invalid_type(ddb, table_s, existing, type_name):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="attribute_type(s, :t)",
                             ExpressionAttributeValues={":t": S(type_name)})
    # message unverified (expected: "Invalid ConditionExpression: Invalid attribute type name
    # found; type: <t>, valid types: { B,BOOL,BS,L,M,N,NS,NULL,S,SS }")
    assert code == VALIDATION
    assert message.startswith("Invalid ConditionExpression: ")


def test_attribute_type_with_a_non_string_type_operand(ddb, table_s, existing):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="attribute_type(s, :t)",
                             ExpressionAttributeValues={":t": N(1)})
    # message unverified (expected: "... operator or function: attribute_type, operand type: N")
    assert code == VALIDATION
    assert message.startswith("Invalid ConditionExpression: ")


def test_contains_with_the_same_path_twice(ddb, table_s, existing):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="contains(s, s)")
    # "The path and the operand must be distinct. That is, contains (a, a)
    # returns an error." (developer guide, condition expression functions)
    # message unverified
    assert code == VALIDATION
    assert message.startswith("Invalid ConditionExpression: ")


def test_between_with_reversed_bounds(ddb, table_s, existing):
    _, item = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression="n BETWEEN :l AND :u",
                             ExpressionAttributeValues={":l": N(5), ":u": N(4)})
    # ExtendDB/extenddb issue 99 / PR 102 ("verified against real DynamoDB").
    assert (code, message) == (VALIDATION, "Invalid ConditionExpression: The BETWEEN operator requires upper bound "
                                           "to be greater than or equal to lower bound; lower bound operand: "
                                           "AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:4}")


def test_in_with_more_than_100_operands(ddb, table_s, existing):
    _, item = existing
    values = {f":v{i}": N(i) for i in range(101)}
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item,
                             ConditionExpression=f"n IN ({', '.join(values)})", ExpressionAttributeValues=values)
    # Wording quoted from the real service (for a FilterExpression) in reapit/foundations issue 8255.
    assert (code, message) == (VALIDATION, "Invalid ConditionExpression: The IN operator is provided with too many "
                                           "operands; number of operands: 101")


def test_in_with_100_operands_accepted(ddb, table_s):
    key = put_new(ddb, table_s, n=N(99))
    values = {f":v{i}": N(i) for i in range(100)}
    ddb.put_item(TableName=table_s, Item=dict(key, n=N(1)), ConditionExpression=f"n IN ({', '.join(values)})",
                 ExpressionAttributeValues=values)


def test_too_many_operators(ddb, table_s, existing):
    _, item = existing
    condition = " OR ".join(["n = :v"] * 302)
    code, message = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression=condition,
                             ExpressionAttributeValues={":v": N(0)})
    # Wording quoted from the real service (for a FilterExpression) in
    # aws/aws-sdk-js issue 3721; the count itself depends on how operators are counted.
    assert code == VALIDATION
    assert message.startswith("Invalid ConditionExpression: The expression contains too many operators; "
                              "operator count: ")


def test_expression_longer_than_4_kb(ddb, table_s, existing):
    _, item = existing
    condition = "attribute_exists(pk)" + " " * 4096
    code, _ = rejected(ddb.put_item, TableName=table_s, Item=item, ConditionExpression=condition)
    # message unverified (limit: 4 KB per expression, developer guide "Quotas")
    assert code == VALIDATION


# --------------------------------------------------------------------------
# Validation errors: update paths and data
# --------------------------------------------------------------------------

def test_same_path_twice(ddb, table_s, existing):
    key, _ = existing
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression="SET a = :v, a = :w",
                             values={":v": N(1), ":w": N(2)})
    # Quoted from the real service: HENNGE/aiodynamo issue 2, cyclic-software/dynamodb issue 1.
    assert (code, message) == (VALIDATION, "Invalid UpdateExpression: Two document paths overlap with each other; "
                                           "must remove or rewrite one of these paths; path one: [a], path two: [a]")


def test_parent_and_child_paths_overlap(ddb, table_s, existing):
    key, _ = existing
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression="SET m = :v, m.x = :v",
                             values={":v": N(1)})
    # Path format as measured for ProjectionExpression (ExtendDB/extenddb PR 173).
    assert (code, message) == (VALIDATION, "Invalid UpdateExpression: Two document paths overlap with each other; "
                                           "must remove or rewrite one of these paths; path one: [m], "
                                           "path two: [m, x]")


@pytest.mark.parametrize("expression", [
    "SET m = :v, m.x = :v", "SET m.x = :v REMOVE m", "SET #m = :v REMOVE m", "REMOVE l[0], l[0]",
    "SET n = :v ADD n :v", "ADD ss :s DELETE ss :s",
])
def test_overlapping_paths(ddb, table_s, existing, expression):
    key, _ = existing
    values = {k: v for k, v in {":v": N(1), ":s": {"SS": ["a"]}}.items() if k in expression}
    names = {"#m": "m"} if "#m" in expression else None
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression, values=values,
                             names=names)
    # Wording as above; the paths are listed with names substituted.
    assert code == VALIDATION
    assert message.startswith("Invalid UpdateExpression: Two document paths overlap with each other; "
                              "must remove or rewrite one of these paths; path one: [")


def test_conflicting_paths(ddb, table_s, existing):
    key, _ = existing
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression="SET m.x = :v, m[0] = :v",
                             values={":v": N(1)})
    # message unverified (expected: "Invalid UpdateExpression: Two document paths conflict with
    # each other; must remove or rewrite one of these paths; path one: [m, x], path two: [m, [0]]")
    assert code == VALIDATION
    assert message.startswith("Invalid UpdateExpression: Two document paths ")


@pytest.mark.parametrize("expression,values", [
    ("SET pk = :v", {":v": S("other")}),
    ("REMOVE pk", None),
    ("SET pk = pk", None),
])
def test_updating_the_hash_key(ddb, table_s, existing, expression, values):
    key, _ = existing
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression, values=values)
    # Quoted from the real service: truora/minidyn issue 76; ExtendDB/extenddb PR 8.
    assert (code, message) == (VALIDATION, "One or more parameter values were invalid: Cannot update attribute pk. "
                                           "This attribute is part of the key")


def test_updating_the_range_key(ddb, table_sr):
    key = {"pk": S(new_key()), "sk": S("s")}
    ddb.put_item(TableName=table_sr, Item=dict(key, v=N(1)))
    code, message = rejected(update, ddb=ddb, table=table_sr, key=key, expression="SET sk = :v, v = :v",
                             values={":v": S("t")})
    assert (code, message) == (VALIDATION, "One or more parameter values were invalid: Cannot update attribute sk. "
                                           "This attribute is part of the key")
    assert get(ddb, table_sr, key) == dict(key, v=N(1))


@pytest.mark.parametrize("expression", ["SET s = s + :one", "SET x = :one - s", "ADD s :one", "ADD ss :one",
                                        "SET l = list_append(s, :l)", "SET l = list_append(:l, n)",
                                        "DELETE ss :ns", "ADD ss :ns"])
def test_operand_of_the_wrong_stored_type(ddb, table_s, existing, expression):
    key, _ = existing
    values = {k: v for k, v in {":one": N(1), ":l": L(N(1)), ":ns": {"NS": ["1"]}}.items() if k in expression}
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression, values=values)
    # Quoted from the real service: raiden-rs/raiden-dynamo issue 64,
    # baopham/laravel-dynamodb issue 284 (arithmetic / ADD on a value of another type).
    assert (code, message) == (VALIDATION, "An operand in the update expression has an incorrect data type")


@pytest.mark.parametrize("expression", ["SET x = gone + :one", "SET x = gone", "SET x = m.gone",
                                        "SET l = list_append(gone, :l)", "SET x = l[7]"])
def test_operand_refers_to_a_missing_attribute(ddb, table_s, existing, expression):
    key, _ = existing
    values = {k: v for k, v in {":one": N(1), ":l": L(N(1))}.items() if k in expression}
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression, values=values)
    # Quoted from the real service: ferrumio/pydynox PR 438.
    assert (code, message) == (VALIDATION, "The provided expression refers to an attribute that does not exist "
                                           "in the item")


@pytest.mark.parametrize("expression", ["SET gone.x = :v", "SET s[0] = :v", "SET n.x = :v", "SET m.x.y = :v",
                                        "SET l[0].x = :v", "SET m[0] = :v"])
def test_document_path_invalid_for_update(ddb, table_s, existing, expression):
    key, _ = existing
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression=expression, values={":v": N(1)})
    # Quoted from the real service: sensedeep/dynamodb-onetable issue 457
    # (missing parent map, missing list element); ExtendDB/extenddb issue 78.
    assert (code, message) == (VALIDATION, "The document path provided in the update expression is invalid "
                                           "for update")


def test_update_path_errors_on_a_missing_item_create_nothing(ddb, table_s):
    key = {"pk": S(new_key())}
    code, message = rejected(update, ddb=ddb, table=table_s, key=key, expression="SET x = y + :one",
                             values={":one": N(1)})
    assert (code, message) == (VALIDATION, "The provided expression refers to an attribute that does not exist "
                                           "in the item")
    assert get(ddb, table_s, key) is None


# --------------------------------------------------------------------------
# Query: KeyConditionExpression and FilterExpression
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def query_pk(ddb, table_sr):
    pk = new_key()
    for sk, n in [("a1", 1), ("a2", 2), ("b1", 3), ("b2", 4), ("c", 5)]:
        ddb.put_item(TableName=table_sr, Item={"pk": S(pk), "sk": S(sk), "n": N(n)})
    return pk


def query_sks(ddb, table, **kwargs):
    return [item["sk"]["S"] for item in ddb.query(TableName=table, ConsistentRead=True, **kwargs)["Items"]]


@pytest.mark.parametrize("condition,values,expected", [
    ("pk = :p", {}, ["a1", "a2", "b1", "b2", "c"]),
    ("pk = :p AND sk = :s", {":s": S("b1")}, ["b1"]),
    ("pk = :p AND sk < :s", {":s": S("b1")}, ["a1", "a2"]),
    ("pk = :p AND sk <= :s", {":s": S("b1")}, ["a1", "a2", "b1"]),
    ("pk = :p AND sk > :s", {":s": S("b1")}, ["b2", "c"]),
    ("pk = :p AND sk >= :s", {":s": S("b1")}, ["b1", "b2", "c"]),
    ("pk = :p AND sk BETWEEN :lo AND :hi", {":lo": S("a2"), ":hi": S("b2")}, ["a2", "b1", "b2"]),
    ("pk = :p AND begins_with(sk, :s)", {":s": S("b")}, ["b1", "b2"]),
    ("sk >= :s AND pk = :p", {":s": S("c")}, ["c"]),
    ("(pk = :p) AND (sk < :s)", {":s": S("a2")}, ["a1"]),
    ("#p = :p AND begins_with(#s, :s)", {":s": S("a")}, ["a1", "a2"]),
    (":p = pk AND :s <= sk", {":s": S("c")}, ["c"]),
])
def test_key_condition(ddb, table_sr, query_pk, condition, values, expected):
    kwargs = dict(KeyConditionExpression=condition, ExpressionAttributeValues=dict(values, **{":p": S(query_pk)}))
    if "#" in condition:
        kwargs["ExpressionAttributeNames"] = {"#p": "pk", "#s": "sk"}
    assert query_sks(ddb, table_sr, **kwargs) == expected


def test_query_filter_and_projection(ddb, table_sr, query_pk):
    resp = ddb.query(TableName=table_sr, ConsistentRead=True, KeyConditionExpression="pk = :p AND sk > :s",
                     FilterExpression="n <> :three AND n < :five", ProjectionExpression="sk, #n",
                     ExpressionAttributeNames={"#n": "n"},
                     ExpressionAttributeValues={":p": S(query_pk), ":s": S("a1"), ":three": N(3), ":five": N(5)})
    assert resp["Items"] == [{"sk": S("a2"), "n": N(2)}, {"sk": S("b2"), "n": N(4)}]
    assert (resp["Count"], resp["ScannedCount"]) == (2, 4)


def test_query_filter_may_not_name_key_attributes(ddb, table_sr, query_pk):
    # "A filter expression cannot contain partition key or sort key attributes" (developer
    # guide, "Filter expressions for Query").
    code, message = rejected(ddb.query, TableName=table_sr, KeyConditionExpression="pk = :p",
                             FilterExpression="begins_with(sk, :c)",
                             ExpressionAttributeValues={":p": S(query_pk), ":c": S("c")})
    assert (code, message) == (VALIDATION, "Filter Expression can only contain non-primary key attributes: "
                                           "Primary key attribute: sk")


def test_scan_filter(ddb, table_sr, query_pk):
    resp = ddb.scan(TableName=table_sr, ConsistentRead=True, FilterExpression="pk = :p AND n BETWEEN :a AND :b",
                    ExpressionAttributeValues={":p": S(query_pk), ":a": N(2), ":b": N(3)})
    assert sorted(item["sk"]["S"] for item in resp["Items"]) == ["a2", "b1"]


def query_error(ddb, table, condition, values, names=None):
    kwargs = dict(TableName=table, KeyConditionExpression=condition, ExpressionAttributeValues=values)
    if names:
        kwargs["ExpressionAttributeNames"] = names
    return rejected(ddb.query, **kwargs)


def test_key_condition_without_the_partition_key(ddb, table_sr):
    code, message = query_error(ddb, table_sr, "sk = :s", {":s": S("a")})
    # Quoted from the real service: dynamoose/dynamoose issues 353 and 992.
    assert (code, message) == (VALIDATION, "Query condition missed key schema element: pk")


def test_key_condition_twice_on_one_key(ddb, table_sr):
    code, message = query_error(ddb, table_sr, "pk = :a AND pk = :b", {":a": S("a"), ":b": S("b")})
    # Quoted from the real service: awslabs/aws-athena-query-federation issue 1089.
    assert (code, message) == (VALIDATION, "KeyConditionExpressions must only contain one condition per key")


def test_key_condition_with_in(ddb, table_sr):
    code, message = query_error(ddb, table_sr, "pk = :p AND sk IN (:a, :b)",
                                {":p": S("p"), ":a": S("a"), ":b": S("b")})
    # Quoted from the real service: til.obiefernandez.com, "Limitations of Dynamodb KeyConditionExpression".
    assert (code, message) == (VALIDATION, "Invalid operator used in KeyConditionExpression: IN")


@pytest.mark.parametrize("condition", ["pk = :p OR sk = :s", "pk = :p AND NOT sk = :s", "pk = :p AND sk <> :s"])
def test_key_condition_with_other_operators(ddb, table_sr, condition):
    code, message = query_error(ddb, table_sr, condition, {":p": S("p"), ":s": S("s")})
    # message unverified (expected "Invalid operator used in KeyConditionExpression: OR" etc.)
    assert code == VALIDATION


def test_key_condition_with_two_names_in_one_condition(ddb, table_sr):
    code, message = query_error(ddb, table_sr, "pk = :p AND begins_with(sk, othr)", {":p": S("p")})
    # Quoted from the real service: aws/aws-sdk-js-v3 issue 2079.
    assert (code, message) == (VALIDATION, "Invalid condition in KeyConditionExpression: multiple attribute names "
                                           "used in one condition")


@pytest.mark.parametrize("condition", ["begins_with(pk, :p)", "pk > :p", "pk BETWEEN :p AND :p",
                                       "pk = :p AND othr = :p", "pk = :p AND size(sk) = :n"])
def test_key_condition_not_supported(ddb, table_sr, condition):
    values = {":p": S("p")}
    if ":n" in condition:
        values[":n"] = N(1)
    code, _ = query_error(ddb, table_sr, condition, values)
    # message unverified (expected "Query key condition not supported" or
    # "Query condition missed key schema element: ...")
    assert code == VALIDATION


def test_key_condition_reserved_keyword(ddb, table_sr):
    code, message = query_error(ddb, table_sr, "hash = :v", {":v": S("x")})
    # Quoted from the real service: aws/aws-sdk-php issue 1233.
    assert (code, message) == (VALIDATION, "Invalid KeyConditionExpression: Attribute name is a reserved keyword; "
                                           "reserved keyword: hash")


def test_key_condition_value_of_the_wrong_type(ddb, table_sr):
    code, message = query_error(ddb, table_sr, "pk = :p", {":p": N(1)})
    # floci-io/floci PR 2469 (wording of DynamoDB Local 3.3.1).
    assert (code, message) == (VALIDATION, "One or more parameter values were invalid: Condition parameter type "
                                           "does not match schema type")


def test_query_without_any_key_condition(ddb_raw, table_sr):
    code, message = rejected(ddb_raw.query, TableName=table_sr)
    # Quoted from the real service: dynamoose/dynamoose issue 992.
    assert (code, message) == (VALIDATION, "Either the KeyConditions or KeyConditionExpression parameter must be "
                                           "specified in the request.")


def test_filter_expression_errors_carry_their_own_prefix(ddb, table_sr, query_pk):
    code, message = rejected(ddb.query, TableName=table_sr, KeyConditionExpression="pk = :p",
                             FilterExpression="n = :nope", ExpressionAttributeValues={":p": S(query_pk)})
    assert (code, message) == (VALIDATION, "Invalid FilterExpression: An expression attribute value used in "
                                           "expression is not defined; attribute value: :nope")


# Parenthesised operands in SET: the service accepts them, and popular libraries generate them
# (e.g. "SET #a = (#a - :v)" for decrements).
@pytest.mark.parametrize("expression,values,expected", [
    ("SET a = (a - :v)", {":v": N(3)}, N(7)),
    ("SET a = (if_not_exists(a, :z) - :v)", {":z": N(0), ":v": N(3)}, N(7)),
    ("SET a = b + (:v)", {":v": N(3)}, N(5)),
    ("SET a = (:v)", {":v": N(3)}, N(3)),
    ("SET a = ((a) + (:v))", {":v": N(3)}, N(13)),
    ("SET a = (if_not_exists(nope, :v))", {":v": N(4)}, N(4)),
])
def test_set_accepts_parenthesised_operands(ddb, table_s, expression, values, expected):
    key = put_new(ddb, table_s, a=N(10), b=N(2))
    update(ddb, table_s, key, expression, values)
    assert get(ddb, table_s, key)["a"] == expected


def test_set_with_parenthesised_list_append(ddb, table_s):
    key = put_new(ddb, table_s, l=L(N(1)))
    update(ddb, table_s, key, "SET l = (list_append(l, :l))", {":l": L(N(2))})
    assert get(ddb, table_s, key)["l"] == L(N(1), N(2))


def test_set_rejects_an_unclosed_parenthesis(ddb, table_s):
    key = put_new(ddb, table_s, a=N(1))
    code, message = rejected(lambda: update(ddb, table_s, key, "SET a = (a - :v", {":v": N(1)}))
    assert code == "ValidationException"
    assert message.startswith("Invalid UpdateExpression: Syntax error; token: ")


def test_an_update_that_only_removes_does_not_create_a_missing_item(ddb, table_s):
    key = {"pk": S(new_key())}
    update(ddb, table_s, key, "REMOVE a, b")
    assert get(ddb, table_s, key) is None
    # ...while any other action does create it.
    update(ddb, table_s, key, "SET x = :v REMOVE a", {":v": N(1)})
    assert get(ddb, table_s, key) == dict(key, x=N(1))


def test_remove_under_a_missing_parent_is_an_error(ddb, table_s):
    key = put_new(ddb, table_s, m=M(x=N(1)))
    code, message = rejected(lambda: update(ddb, table_s, key, "REMOVE nope.y"))
    assert (code, message) == (
        "ValidationException",
        "The document path provided in the update expression is invalid for update")
    # Under an existing map, a missing member is no error.
    update(ddb, table_s, key, "REMOVE m.nope")
    assert get(ddb, table_s, key)["m"] == M(x=N(1))


def test_list_elements_set_past_the_end_are_appended_in_index_order(ddb, table_s):
    key = put_new(ddb, table_s, l=L(N(1), N(2)))
    update(ddb, table_s, key, "SET l[11] = :b, l[10] = :a", {":a": N(10), ":b": N(11)})
    assert get(ddb, table_s, key)["l"] == L(N(1), N(2), N(10), N(11))


def test_deep_parentheses_within_the_limits_are_accepted(ddb, table_s):
    """The service has no nesting limit beyond the expression's 4 KB and 300 operators
    (scylladb/scylladb pull requests 14477 and 23973 describe runs against it)."""
    key = put_new(ddb, table_s, a=N(1), b=N(2))
    depth = 100
    condition = "a < b and (" * depth + "a < b" + ")" * depth
    assert len(condition) < 4096
    ddb.put_item(TableName=table_s, Item=dict(key, a=N(1), b=N(2), c=N(3)),
                 ConditionExpression=condition)
    assert get(ddb, table_s, key)["c"] == N(3)


@pytest.mark.parametrize("value,size", [(S("abcd"), 4), (L(N(1), N(2)), 2), ({"SS": ["a", "b", "c"]}, 3),
                                        (B(b"xyz"), 3)])
def test_size_of_a_literal_is_its_size(ddb, table_s, value, size):
    """size() of a value operand is evaluated (scylladb/scylladb issue 14592, tested on the
    service); only a number has no size (test_size_of_a_number_literal)."""
    key = {"pk": S(new_key())}
    ddb.put_item(TableName=table_s, Item=key, ConditionExpression="size(:v) = :n",
                 ExpressionAttributeValues={":v": value, ":n": N(size)})
    code, _ = rejected(ddb.put_item, TableName=table_s, Item=key, ConditionExpression="size(:v) = :n",
                       ExpressionAttributeValues={":v": value, ":n": N(size + 1)})
    assert code == "ConditionalCheckFailedException"
