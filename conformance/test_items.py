"""Single-item data plane: PutItem, GetItem, DeleteItem, UpdateItem.

Every error case asserts the exact ``__type`` code and, where it could be
confirmed, the exact message (source cited next to the assertion). After every
rejected write the item that was there before is read back unchanged.
"""

import uuid
from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

from conftest import error_of, unique_table_name
from helpers import get, new_key, rejected

ITEM_LIMIT = 400 * 1024  # bytes: attribute name lengths + value lengths


def canonical(value):
    """An AttributeValue map with set members sorted (sets have no order)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in ("SS", "NS", "BS"):
                out[k] = sorted(v, key=lambda m: (Decimal(m),) if k == "NS" else (m,))
            else:
                out[k] = canonical(v)
        return out
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


@pytest.fixture
def existing(ddb, table_s):
    """An item that rejected writes to the same key must leave untouched."""
    key = {"pk": {"S": new_key()}}
    item = dict(key, v={"S": "original"}, n={"N": "1"})
    ddb.put_item(TableName=table_s, Item=item)
    yield key, item
    assert get(ddb, table_s, key) == item, "a rejected request changed the item"


# --------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------

def test_round_trip_every_type_client(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    item = dict(
        key,
        s={"S": "h\u00e9llo w\u00f6rld \u2713 \U0001f600"},
        empty_s={"S": ""},
        n={"N": "42"},
        neg={"N": "-3.14"},
        b={"B": b"\x00\x01\xfe\xffbinary"},
        empty_b={"B": b""},
        t={"BOOL": True},
        f={"BOOL": False},
        nul={"NULL": True},
        m={"M": {"inner": {"S": "x"},
                 "deep": {"M": {"l": {"L": [{"N": "1"}, {"S": "two"}, {"NULL": True}]}}}}},
        l={"L": [{"S": "a"}, {"N": "2"}, {"BOOL": False}, {"M": {}}, {"L": []},
                 {"SS": ["q"]}, {"B": b"\x07"}]},
        empty_m={"M": {}},
        empty_l={"L": []},
        ss={"SS": ["b", "a", "c"]},
        ns={"NS": ["3", "1", "2.5", "-7"]},
        bs={"BS": [b"\x01", b"\x02\x03", b"\xff"]},
    )
    ddb.put_item(TableName=table_s, Item=item)
    got = get(ddb, table_s, key)
    assert canonical(got) == canonical(item)


def test_round_trip_every_type_resource(resource, table_s):
    table = resource.Table(table_s)
    pk = new_key()
    item = {
        "pk": pk,
        "s": "text",
        "n": Decimal("12.5"),
        "i": 7,
        "big": Decimal("1234567890123456789012345678901234567.8"),
        "b": Binary(b"\x00\xff"),
        "t": True,
        "nul": None,
        "m": {"a": Decimal("1"), "nested": {"l": [Decimal("2"), "x", None, False]}},
        "l": ["a", Decimal("3"), {"k": "v"}, [Decimal("4")]],
        "ss": {"x", "y", "z"},
        "ns": {Decimal("1"), Decimal("2.5"), Decimal("-3")},
        "bs": {Binary(b"\x01"), Binary(b"\x02")},
    }
    table.put_item(Item=item)
    got = table.get_item(Key={"pk": pk}, ConsistentRead=True)["Item"]
    assert got == dict(item, i=Decimal(7))
    assert str(got["big"]) == "1234567890123456789012345678901234567.8"


def test_round_trip_number_and_binary_keys(ddb, table_n, table_b):
    ddb.put_item(TableName=table_n, Item={"pk": {"N": "-12.75"}, "v": {"S": "n"}})
    assert get(ddb, table_n, {"pk": {"N": "-12.75"}}) == {"pk": {"N": "-12.75"}, "v": {"S": "n"}}
    bkey = b"\x00\xff" + uuid.uuid4().bytes
    ddb.put_item(TableName=table_b, Item={"pk": {"B": bkey}, "v": {"S": "b"}})
    assert get(ddb, table_b, {"pk": {"B": bkey}}) == {"pk": {"B": bkey}, "v": {"S": "b"}}


def test_round_trip_hash_and_range(ddb, table_sr):
    pk = new_key()
    for sk in ("a", "b"):
        ddb.put_item(TableName=table_sr, Item={"pk": {"S": pk}, "sk": {"S": sk}, "v": {"S": sk * 2}})
    assert get(ddb, table_sr, {"pk": {"S": pk}, "sk": {"S": "a"}})["v"] == {"S": "aa"}
    assert get(ddb, table_sr, {"pk": {"S": pk}, "sk": {"S": "b"}})["v"] == {"S": "bb"}
    assert get(ddb, table_sr, {"pk": {"S": pk}, "sk": {"S": "c"}}) is None


def test_put_replaces_whole_item(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, a={"S": "1"}, b={"S": "2"}))
    ddb.put_item(TableName=table_s, Item=dict(key, c={"S": "3"}))
    assert get(ddb, table_s, key) == dict(key, c={"S": "3"})


def test_string_set_may_contain_empty_string(ddb, table_s):
    # Reported from the real service: ministackorg/ministack issue 1039.
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, ss={"SS": ["", "a"]}))
    assert canonical(get(ddb, table_s, key)) == canonical(dict(key, ss={"SS": ["", "a"]}))


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------

@pytest.mark.parametrize("given,stored", [
    ("1234567890123456789012345678901234567.8", "1234567890123456789012345678901234567.8"),
    ("01.50", "1.5"),
    ("1E+2", "100"),
    ("-0", "0"),
    ("1.0", "1"),
    ("00042", "42"),
    ("1.5E2", "150"),
    ("1e2", "100"),
    ("-0.000", "0"),
])
def test_number_normalisation(ddb, table_s, given, stored):
    # "Leading and trailing zeroes are trimmed" (developer guide, data types);
    # the 1.0/00042/1.5E2/-0 forms as measured on the real service are listed
    # in ExtendDB/extenddb PR 7.
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, n={"N": given}))
    assert get(ddb, table_s, key)["n"] == {"N": stored}


def test_38_significant_digits_with_trailing_zeros_accepted(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    value = "1" * 38 + "00000"
    ddb.put_item(TableName=table_s, Item=dict(key, n={"N": value}))
    assert get(ddb, table_s, key)["n"] == {"N": value}


@pytest.mark.parametrize("value", [
    "9.9999999999999999999999999999999999999E+125",
    "-9.9999999999999999999999999999999999999E+125",
    "1E-130",
    "-1E-130",
])
def test_number_range_limits_accepted(ddb, table_s, value):
    # Positive range 1E-130 .. 9.9999999999999999999999999999999999999E+125
    # (developer guide, "Supported data types and naming rules").
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, n={"N": value}))
    assert Decimal(get(ddb, table_s, key)["n"]["N"]) == Decimal(value)


def test_number_key_1_and_1_0_are_the_same_item(ddb, table_n):
    base = uuid.uuid4().int % 10**12
    one, one_point_zero = f"{base}", f"{base}.0"
    ddb.put_item(TableName=table_n, Item={"pk": {"N": one}, "v": {"S": "first"}})
    assert get(ddb, table_n, {"pk": {"N": one_point_zero}}) == {"pk": {"N": one}, "v": {"S": "first"}}
    ddb.put_item(TableName=table_n, Item={"pk": {"N": f"{base}.00"}, "v": {"S": "second"}})
    assert get(ddb, table_n, {"pk": {"N": one}}) == {"pk": {"N": one}, "v": {"S": "second"}}
    ddb.delete_item(TableName=table_n, Key={"pk": {"N": one_point_zero}})
    assert get(ddb, table_n, {"pk": {"N": one}}) is None


def test_number_set_round_trip_as_set(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, ns={"NS": ["10", "2", "-1.5", "0.25"]}))
    got = get(ddb, table_s, key)["ns"]["NS"]
    assert sorted(got, key=Decimal) == ["-1.5", "0.25", "2", "10"]


# --------------------------------------------------------------------------
# GetItem options
# --------------------------------------------------------------------------

def test_get_missing_item_has_no_item_key(ddb, table_s):
    resp = ddb.get_item(TableName=table_s, Key={"pk": {"S": new_key()}})
    assert "Item" not in resp
    resp = ddb.get_item(TableName=table_s, Key={"pk": {"S": new_key()}}, ConsistentRead=True)
    assert "Item" not in resp


def test_consistent_read(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, v={"S": "x"}))
    resp = ddb.get_item(TableName=table_s, Key=key, ConsistentRead=True)
    assert resp["Item"] == dict(key, v={"S": "x"})


def test_projection_expression(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, a={"S": "A"}, b={"N": "2"}, name={"S": "reserved"}))
    resp = ddb.get_item(TableName=table_s, Key=key, ConsistentRead=True,
                        ProjectionExpression="a, #n, absent_attr",
                        ExpressionAttributeNames={"#n": "name"})
    # Only the projected attributes come back; key attributes are not added.
    assert resp["Item"] == {"a": {"S": "A"}, "name": {"S": "reserved"}}


def test_projection_expression_nothing_matches(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, a={"S": "A"}))
    resp = ddb.get_item(TableName=table_s, Key=key, ConsistentRead=True, ProjectionExpression="zzz")
    assert resp.get("Item", {}) == {}


# --------------------------------------------------------------------------
# ReturnValues, DeleteItem
# --------------------------------------------------------------------------

def test_put_return_values_all_old(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    first = dict(key, v={"S": "1"}, ss={"SS": ["a"]})
    resp = ddb.put_item(TableName=table_s, Item=first, ReturnValues="ALL_OLD")
    assert "Attributes" not in resp
    resp = ddb.put_item(TableName=table_s, Item=dict(key, v={"S": "2"}), ReturnValues="ALL_OLD")
    assert resp["Attributes"] == first


def test_put_return_values_none(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, v={"S": "1"}))
    resp = ddb.put_item(TableName=table_s, Item=dict(key, v={"S": "2"}), ReturnValues="NONE")
    assert "Attributes" not in resp
    resp = ddb.put_item(TableName=table_s, Item=dict(key, v={"S": "3"}))
    assert "Attributes" not in resp


def test_delete_item(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, v={"S": "1"}))
    resp = ddb.delete_item(TableName=table_s, Key=key)
    assert "Attributes" not in resp
    assert get(ddb, table_s, key) is None


def test_delete_return_values_all_old(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    item = dict(key, v={"S": "1"}, l={"L": [{"N": "1"}]})
    ddb.put_item(TableName=table_s, Item=item)
    resp = ddb.delete_item(TableName=table_s, Key=key, ReturnValues="ALL_OLD")
    assert resp["Attributes"] == item
    assert get(ddb, table_s, key) is None


def test_delete_missing_item_succeeds(ddb, table_s):
    resp = ddb.delete_item(TableName=table_s, Key={"pk": {"S": new_key()}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in resp


def test_delete_in_hash_range_table_only_removes_that_item(ddb, table_sr):
    pk = new_key()
    for sk in ("1", "2"):
        ddb.put_item(TableName=table_sr, Item={"pk": {"S": pk}, "sk": {"S": sk}})
    ddb.delete_item(TableName=table_sr, Key={"pk": {"S": pk}, "sk": {"S": "1"}})
    assert get(ddb, table_sr, {"pk": {"S": pk}, "sk": {"S": "1"}}) is None
    assert get(ddb, table_sr, {"pk": {"S": pk}, "sk": {"S": "2"}}) == {"pk": {"S": pk}, "sk": {"S": "2"}}


# --------------------------------------------------------------------------
# UpdateItem (simple SET / REMOVE)
# --------------------------------------------------------------------------

def test_update_set_and_remove(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, c={"S": "gone"}, keep={"S": "k"}))
    resp = ddb.update_item(
        TableName=table_s, Key=key,
        UpdateExpression="SET a = :v, b = :w REMOVE c",
        ExpressionAttributeValues={":v": {"S": "A"}, ":w": {"N": "2"}},
        ReturnValues="ALL_NEW",
    )
    expected = dict(key, a={"S": "A"}, b={"N": "2"}, keep={"S": "k"})
    assert resp["Attributes"] == expected
    assert get(ddb, table_s, key) == expected


def test_update_creates_missing_item(ddb, table_s):
    key = {"pk": {"S": new_key()}}
    resp = ddb.update_item(TableName=table_s, Key=key, UpdateExpression="SET a = :v",
                           ExpressionAttributeValues={":v": {"L": [{"S": "x"}]}})
    assert "Attributes" not in resp
    assert get(ddb, table_s, key) == dict(key, a={"L": [{"S": "x"}]})


def test_update_creates_item_in_hash_range_table(ddb, table_sr):
    key = {"pk": {"S": new_key()}, "sk": {"S": "r"}}
    ddb.update_item(TableName=table_sr, Key=key, UpdateExpression="SET #n = :v",
                    ExpressionAttributeNames={"#n": "name"},
                    ExpressionAttributeValues={":v": {"S": "v"}})
    assert get(ddb, table_sr, key) == dict(key, name={"S": "v"})


# --------------------------------------------------------------------------
# ReturnConsumedCapacity (on-demand table, no indexes)
# Item size = sum of UTF-8 lengths of attribute names and values; a write
# costs 1 unit per started 1 KB, a strongly consistent read 1 unit per started
# 4 KB and an eventually consistent read half of that (developer guide,
# "Read/write capacity mode" and "Item sizes and formats").
# --------------------------------------------------------------------------

def sized_item(total_bytes):
    pk = new_key()  # "pk" + 32 characters = 34 bytes, "d" = 1 byte
    filler = total_bytes - (2 + len(pk) + 1)
    assert filler >= 0
    return {"pk": {"S": pk}, "d": {"S": "x" * filler}}


def consumed(resp, table):
    cc = resp["ConsumedCapacity"]
    assert cc["TableName"] == table
    return cc["CapacityUnits"]


@pytest.mark.parametrize("size,units", [(40, 1.0), (1024, 1.0), (1025, 2.0), (4096, 4.0)])
def test_put_item_consumed_capacity(ddb, table_s, size, units):
    resp = ddb.put_item(TableName=table_s, Item=sized_item(size), ReturnConsumedCapacity="TOTAL")
    assert consumed(resp, table_s) == units


def test_put_item_without_return_consumed_capacity(ddb, table_s):
    resp = ddb.put_item(TableName=table_s, Item=sized_item(40))
    assert "ConsumedCapacity" not in resp
    resp = ddb.put_item(TableName=table_s, Item=sized_item(40), ReturnConsumedCapacity="NONE")
    assert "ConsumedCapacity" not in resp


@pytest.mark.parametrize("size,consistent,units", [
    (4096, False, 0.5),
    (4096, True, 1.0),
    (4097, True, 2.0),
    (4097, False, 1.0),
    (100, True, 1.0),
])
def test_get_item_consumed_capacity(ddb, table_s, size, consistent, units):
    item = sized_item(size)
    ddb.put_item(TableName=table_s, Item=item)
    resp = ddb.get_item(TableName=table_s, Key={"pk": item["pk"]}, ConsistentRead=consistent,
                        ReturnConsumedCapacity="TOTAL")
    assert consumed(resp, table_s) == units


def test_get_missing_item_still_consumes_capacity(ddb, table_s):
    # "If you perform a read operation on an item that does not exist, DynamoDB
    # still consumes provisioned read throughput" (developer guide).
    resp = ddb.get_item(TableName=table_s, Key={"pk": {"S": new_key()}}, ConsistentRead=True,
                        ReturnConsumedCapacity="TOTAL")
    assert consumed(resp, table_s) == 1.0


def test_delete_item_consumed_capacity(ddb, table_s):
    item = sized_item(1500)
    ddb.put_item(TableName=table_s, Item=item)
    resp = ddb.delete_item(TableName=table_s, Key={"pk": item["pk"]}, ReturnConsumedCapacity="TOTAL")
    assert consumed(resp, table_s) == 2.0


# --------------------------------------------------------------------------
# Key validation
# --------------------------------------------------------------------------

def test_put_missing_key_attribute(ddb, table_s):
    code, message = rejected(ddb.put_item, TableName=table_s, Item={"v": {"S": "x"}})
    # Reported from the real service: aws/aws-sdk-js issue 4057.
    assert (code, message) == ("ValidationException",
                               "One or more parameter values were invalid: Missing the key pk in the item")


def test_put_missing_range_key_attribute(ddb, table_sr):
    code, message = rejected(ddb.put_item, TableName=table_sr, Item={"pk": {"S": new_key()}})
    assert (code, message) == ("ValidationException",
                               "One or more parameter values were invalid: Missing the key sk in the item")


def test_put_wrong_key_type(ddb, table_s, existing):
    key, _ = existing
    code, message = rejected(ddb.put_item, TableName=table_s, Item={"pk": {"N": "1"}, "v": {"S": "x"}})
    # Reported from the real service: baopham/laravel-dynamodb issue 1
    # ("Type mismatch for key id expected: N actual: S").
    assert (code, message) == ("ValidationException",
                               "One or more parameter values were invalid: Type mismatch for key pk "
                               "expected: S actual: N")


KEY_DOES_NOT_MATCH = "The provided key element does not match the schema"


@pytest.mark.parametrize("bad_key", [
    pytest.param({}, id="no-key"),
    pytest.param({"other": {"S": "x"}}, id="wrong-name"),
    pytest.param({"pk": {"N": "1"}}, id="wrong-type"),
    pytest.param("EXTRA", id="extra-attribute"),
])
@pytest.mark.parametrize("operation", ["get_item", "delete_item", "update_item"])
def test_key_does_not_match_schema(ddb_raw, table_s, existing, operation, bad_key):
    key, _ = existing
    if bad_key == "EXTRA":
        bad_key = dict(key, v={"S": "original"})
    kwargs = dict(TableName=table_s, Key=bad_key)
    if operation == "update_item":
        kwargs.update(UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "changed"}})
    code, message = rejected(getattr(ddb_raw, operation), **kwargs)
    # Widely reported wording (e.g. MitocGroup/deep-framework issue 538,
    # boto/boto3 issue 3793).
    assert (code, message) == ("ValidationException", KEY_DOES_NOT_MATCH)


def test_get_without_range_key(ddb, table_sr):
    code, message = rejected(ddb.get_item, TableName=table_sr, Key={"pk": {"S": new_key()}})
    assert (code, message) == ("ValidationException", KEY_DOES_NOT_MATCH)


EMPTY_KEY = ("One or more parameter values are not valid. The AttributeValue for a key attribute "
             "cannot contain an empty string value. Key: {}")


def test_put_empty_string_hash_key(ddb, table_s):
    code, message = rejected(ddb.put_item, TableName=table_s, Item={"pk": {"S": ""}, "v": {"S": "x"}})
    # Sentence reported from the real service in architect/dynalite issue 164;
    # the full form (with "Key: <name>") is the table-key counterpart of the
    # index-key message quoted in praetorian-inc/chariot-ui issue 547.
    assert (code, message) == ("ValidationException", EMPTY_KEY.format("pk"))


def test_put_empty_string_range_key(ddb, table_sr):
    pk = new_key()
    code, message = rejected(ddb.put_item, TableName=table_sr,
                             Item={"pk": {"S": pk}, "sk": {"S": ""}})
    assert (code, message) == ("ValidationException", EMPTY_KEY.format("sk"))


def test_put_empty_binary_key(ddb, table_b):
    code, _ = rejected(ddb.put_item, TableName=table_b, Item={"pk": {"B": b""}})
    # message unverified
    assert code == "ValidationException"


def test_get_empty_string_key(ddb, table_s):
    code, _ = rejected(ddb.get_item, TableName=table_s, Key={"pk": {"S": ""}})
    # message unverified (expected the PutItem wording, "... Key: pk")
    assert code == "ValidationException"


# --------------------------------------------------------------------------
# Size limits
# --------------------------------------------------------------------------

def test_item_of_exactly_400_kb_accepted(ddb, table_s):
    item = sized_item(ITEM_LIMIT)
    ddb.put_item(TableName=table_s, Item=item)
    assert get(ddb, table_s, {"pk": item["pk"]}) == item


def test_item_over_400_kb_rejected(ddb, table_s, existing):
    key, _ = existing
    filler = ITEM_LIMIT + 1 - (2 + len(key["pk"]["S"]) + 1)
    code, message = rejected(ddb.put_item, TableName=table_s, Item=dict(key, d={"S": "x" * filler}))
    # Reported from the real service: wcmc-its/ReCiter issue 205.
    assert (code, message) == ("ValidationException", "Item size has exceeded the maximum allowed size")


def test_update_making_item_over_400_kb_rejected(ddb, table_s, existing):
    key, item = existing
    code, _ = rejected(ddb.update_item, TableName=table_s, Key=key, UpdateExpression="SET d = :d",
                       ExpressionAttributeValues={":d": {"S": "x" * ITEM_LIMIT}})
    # message unverified (expected: "Item size to update has exceeded the
    # maximum allowed size")
    assert code == "ValidationException"


def test_hash_key_of_2048_bytes_accepted(ddb, table_s):
    pk = (new_key() * 64)[:2048]
    ddb.put_item(TableName=table_s, Item={"pk": {"S": pk}})
    assert get(ddb, table_s, {"pk": {"S": pk}}) == {"pk": {"S": pk}}


def test_hash_key_over_2048_bytes_rejected(ddb, table_s):
    pk = (new_key() * 65)[:2049]
    code, message = rejected(ddb.put_item, TableName=table_s, Item={"pk": {"S": pk}})
    # Note the missing space in "of2048": quoted from the real service in
    # facebook/ThreatExchange issue 1324, nextauthjs/next-auth issue 5827 and
    # amazon-archives/dynamodb-janusgraph-storage-backend issue 296.
    assert (code, message) == ("ValidationException",
                               "One or more parameter values were invalid: Size of hashkey has exceeded "
                               "the maximum size limit of2048 bytes")


def test_hash_key_size_counts_utf8_bytes(ddb, table_s):
    pk = "\u00e9" * 1025  # 1025 characters, 2050 bytes
    code, _ = rejected(ddb.put_item, TableName=table_s, Item={"pk": {"S": pk}})
    assert code == "ValidationException"


def test_range_key_of_1024_bytes_accepted(ddb, table_sr):
    key = {"pk": {"S": new_key()}, "sk": {"S": "r" * 1024}}
    ddb.put_item(TableName=table_sr, Item=key)
    assert get(ddb, table_sr, key) == key


def test_range_key_over_1024_bytes_rejected(ddb, table_sr):
    key = {"pk": {"S": new_key()}, "sk": {"S": "r" * 1025}}
    code, message = rejected(ddb.put_item, TableName=table_sr, Item=key)
    # Reported from the real service: formkiq/formkiq-core issue 271,
    # praetorian-inc/chariot-ui issue 241.
    assert (code, message) == ("ValidationException",
                               "One or more parameter values were invalid: Aggregated size of all range keys "
                               "has exceeded the size limit of 1024 bytes")


# --------------------------------------------------------------------------
# AttributeValue validation (malformed shapes need the non-validating client)
# --------------------------------------------------------------------------

def put_bad(ddb_raw, table, key, **attrs):
    return rejected(ddb_raw.put_item, TableName=table, Item=dict(key, **attrs))


def test_empty_string_set(ddb_raw, table_s, existing):
    key, _ = existing
    code, message = put_bad(ddb_raw, table_s, key, v={"SS": []})
    # Note the two spaces: quoted from the real service in zio/zio-dynamodb issue 113.
    assert (code, message) == ("ValidationException",
                               "One or more parameter values were invalid: An string set  may not be empty")


@pytest.mark.parametrize("set_type", ["NS", "BS"])
def test_empty_number_or_binary_set(ddb_raw, table_s, existing, set_type):
    key, _ = existing
    code, _ = put_bad(ddb_raw, table_s, key, v={set_type: []})
    # message unverified
    assert code == "ValidationException"


def test_duplicate_string_set_members(ddb_raw, table_s, existing):
    key, _ = existing
    code, message = put_bad(ddb_raw, table_s, key, v={"SS": ["a", "a"]})
    # Quoted from the real service in truora/minidyn issue 50.
    assert (code, message) == ("ValidationException",
                               "One or more parameter values were invalid: Input collection [a, a] "
                               "contains duplicates.")


@pytest.mark.parametrize("attr", [{"NS": ["1", "1"]}, {"BS": [b"x", b"x"]}], ids=["NS", "BS"])
def test_duplicate_number_or_binary_set_members(ddb_raw, table_s, existing, attr):
    key, _ = existing
    code, _ = put_bad(ddb_raw, table_s, key, v=attr)
    # message unverified
    assert code == "ValidationException"


def test_invalid_number(ddb_raw, table_s, existing):
    key, _ = existing
    code, message = put_bad(ddb_raw, table_s, key, v={"N": "abc"})
    # Same wording as quoted for "NaN" from the real service in
    # internetarchive/internet-archive-voice-apps issue 225.
    assert (code, message) == ("ValidationException", "The parameter cannot be converted to a numeric value: abc")


def test_39_significant_digits(ddb_raw, table_s, existing):
    key, _ = existing
    code, message = put_bad(ddb_raw, table_s, key, v={"N": "1" * 39})
    # Wording as listed for the real service in ExtendDB/extenddb PR 210.
    assert (code, message) == ("ValidationException",
                               "Attempting to store more than 38 significant digits in a Number")


def test_number_overflow(ddb_raw, table_s, existing):
    key, _ = existing
    code, message = put_bad(ddb_raw, table_s, key, v={"N": "1E+126"})
    # Quoted from the real service: aws-solutions-library-samples/guidance-for-media2cloud-on-aws issue 13.
    assert (code, message) == ("ValidationException",
                               "Number overflow. Attempting to store a number with magnitude larger than "
                               "supported range")


def test_number_underflow(ddb_raw, table_s, existing):
    key, _ = existing
    code, message = put_bad(ddb_raw, table_s, key, v={"N": "1E-131"})
    # Quoted from the real service: CCSI-Toolset/FOQUS issue 684.
    assert (code, message) == ("ValidationException",
                               "Number underflow. Attempting to store a number with magnitude smaller than "
                               "supported range")


def test_attribute_value_with_no_type(ddb_raw, table_s, existing):
    key, _ = existing
    code, message = put_bad(ddb_raw, table_s, key, v={})
    # Quoted from the real service: aws/aws-sdk-js issues 43 and 381.
    assert (code, message) == ("ValidationException",
                               "Supplied AttributeValue is empty, must contain exactly one of the supported "
                               "datatypes")


def test_attribute_value_with_two_types(ddb_raw, table_s, existing):
    key, _ = existing
    code, message = put_bad(ddb_raw, table_s, key, v={"S": "a", "N": "1"})
    # Quoted from the real service: aws/aws-sdk-net issue 428.
    assert (code, message) == ("ValidationException",
                               "Supplied AttributeValue has more than one datatypes set, must contain exactly "
                               "one of the supported datatypes")


def test_invalid_value_nested_in_map(ddb_raw, table_s, existing):
    key, _ = existing
    code, _ = put_bad(ddb_raw, table_s, key, v={"M": {"inner": {"L": [{"N": "abc"}]}}})
    # message unverified
    assert code == "ValidationException"


# --------------------------------------------------------------------------
# Missing table
# --------------------------------------------------------------------------

@pytest.mark.parametrize("operation", ["put_item", "get_item", "delete_item", "update_item"])
def test_item_operation_on_missing_table(ddb, operation):
    name = unique_table_name("missing")
    kwargs = {"TableName": name}
    if operation == "put_item":
        kwargs["Item"] = {"pk": {"S": "x"}}
    else:
        kwargs["Key"] = {"pk": {"S": "x"}}
    if operation == "update_item":
        kwargs.update(UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "x"}})
    code, message = rejected(getattr(ddb, operation), **kwargs)
    # Reported from the real service (raw response body in
    # hashicorp-education/learn-terraform-aft-account-request issue 4).
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


def test_item_operation_with_invalid_table_name(ddb_raw):
    code, _ = rejected(ddb_raw.get_item, TableName="no!such!table", Key={"pk": {"S": "x"}})
    # The real service validates the name before looking the table up
    # (scylladb/scylladb PR 12608: "Value 'non!existent!table' at 'tableName'
    # failed to satisfy constraint ..."); full message unverified.
    assert code == "ValidationException"


@pytest.mark.parametrize("return_values", ["ALL_NEW", "UPDATED_OLD", "bogus"])
def test_put_item_invalid_return_values(ddb_raw, table_s, existing, return_values):
    key, _ = existing
    code, _ = rejected(ddb_raw.put_item, TableName=table_s, Item=dict(key, v={"S": "changed"}),
                       ReturnValues=return_values)
    # message unverified
    assert code == "ValidationException"


def test_attribute_names_of_65536_bytes_are_rejected(ddb, table_s):
    """Attribute names are at most 65535 bytes, top level and in maps (ExtendDB issue 365 and
    scylladb pull request 23097 describe measurements against the service)."""
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=table_s, Item=dict(key, **{"a" * 65535: {"N": "1"}}))
    for item in (dict(key, **{"a" * 65536: {"N": "1"}}),
                 dict(key, m={"M": {"b" * 65536: {"N": "1"}}})):
        with pytest.raises(ClientError) as excinfo:
            ddb.put_item(TableName=table_s, Item=item)
        assert excinfo.value.response["Error"] == {
            "Code": "ValidationException",
            "Message": "1 validation error detected: Attribute name is too large, must be less "
                       "than 65536 bytes"}


def test_a_table_arn_is_accepted_where_a_table_name_is(ddb, table_s):
    """The API model takes a table name or ARN (the TableArn shape) for TableName."""
    arn = ddb.describe_table(TableName=table_s)["Table"]["TableArn"]
    key = {"pk": {"S": new_key()}}
    ddb.put_item(TableName=arn, Item=dict(key, v={"N": "1"}))
    assert ddb.get_item(TableName=arn, Key=key, ConsistentRead=True)["Item"]["v"] == {"N": "1"}
    assert ddb.describe_table(TableName=arn)["Table"]["TableName"] == table_s
    ddb.update_item(TableName=arn, Key=key, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "2"}})
    assert ddb.query(TableName=arn, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": key["pk"]})["Count"] == 1
    ddb.transact_write_items(TransactItems=[{"Delete": {"TableName": arn, "Key": key}}])
    assert get(ddb, table_s, key) is None


@pytest.mark.parametrize("operation,kwargs", [
    ("put_item", {"Item": {"pk": {"S": "a"}}}),
    ("get_item", {"Key": {"pk": {"S": "a"}}}),
    ("create_table", {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                      "BillingMode": "PAY_PER_REQUEST"}),
])
def test_a_missing_table_name_is_one_null_error(ddb_raw, operation, kwargs):
    """TableName is required in the API model: the model's "must not be null" constraint."""
    with pytest.raises(ClientError) as excinfo:
        getattr(ddb_raw, operation)(**kwargs)
    assert excinfo.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value null at 'tableName' failed to satisfy "
                   "constraint: Member must not be null"}


@pytest.mark.parametrize("operation,kwargs", [
    ("put_item", {"Item": {"pk": {"S": "a"}}}),
    ("describe_table", {}),
])
def test_an_empty_table_name_is_one_length_error(ddb_raw, operation, kwargs):
    """Quoted from a run against the service (nubo-db/dynoxide issue 11): a table name or ARN
    of length 0."""
    with pytest.raises(ClientError) as excinfo:
        getattr(ddb_raw, operation)(TableName="", **kwargs)
    assert excinfo.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value '' at 'tableName' failed to satisfy "
                   "constraint: Member must have length greater than or equal to 1"}
