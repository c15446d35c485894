"""Query and Scan on base tables: paging at 1 MB, Limit / ExclusiveStartKey /
LastEvaluatedKey, Select, Count and ScannedCount, ConsumedCapacity, the order
of number, binary and string sort keys, parallel scan, and the parameter
errors.

Every test states a fact about Amazon DynamoDB. Exact messages are asserted
where they were confirmed (source next to the assertion); otherwise only the
code, with ``# message unverified`` and the expected wording. Reads use
ConsistentRead=True so that the tests hold against the real service right
after the writes.

The bulk data (10,000 items of about 1 KB in one partition) is loaded once per
module with BatchWriteItem (PutItem when the endpoint does not implement
BatchWriteItem). The helpers ``batch_write_all`` and ``item_size`` are used by
``test_batch.py`` and ``test_indexes.py`` too.
"""

import time
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from conftest import delete_table_quietly, error_of, key_schema_for, unique_table_name, wait_for_table
from helpers import B, N, new_key, rejected, S

VALIDATION = "ValidationException"
MB = 1024 * 1024


# --------------------------------------------------------------------------
# Helpers shared with test_batch.py and test_indexes.py
# --------------------------------------------------------------------------

def create_table(ddb, key_schema, attribute_definitions, tag="", **extra):
    """Creates an on-demand table (unless extra says otherwise) and waits for ACTIVE."""
    name = unique_table_name(tag)
    kwargs = dict(TableName=name, KeySchema=key_schema, AttributeDefinitions=attribute_definitions)
    if "ProvisionedThroughput" not in extra and "BillingMode" not in extra:
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    kwargs.update(extra)
    ddb.create_table(**kwargs)
    wait_for_table(ddb, name)
    return name


def _retryable(e):
    return e.response["Error"]["Code"] in ("ProvisionedThroughputExceededException", "ThrottlingException",
                                            "RequestLimitExceeded", "InternalServerError")


def batch_write_all(ddb, table, items, chunk=25):
    """Puts ``items`` with BatchWriteItem, 25 per call, resending UnprocessedItems.

    Falls back to one PutItem per item when the endpoint does not implement
    BatchWriteItem (UnknownOperationException), so the read tests can run
    before BatchWriteItem lands."""
    requests = [{"PutRequest": {"Item": item}} for item in items]
    i = 0
    delay = 0.05
    while i < len(requests):
        pending = {table: requests[i:i + chunk]}
        i += chunk
        while pending:
            try:
                resp = ddb.batch_write_item(RequestItems=pending)
            except ClientError as e:
                if e.response["Error"]["Code"] == "UnknownOperationException":
                    for request in pending[table]:
                        ddb.put_item(TableName=table, Item=request["PutRequest"]["Item"])
                    for request in requests[i:]:
                        ddb.put_item(TableName=table, Item=request["PutRequest"]["Item"])
                    return
                if not _retryable(e):
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            pending = resp.get("UnprocessedItems") or {}
            if pending:
                time.sleep(delay)
                delay = min(delay * 2, 2.0)


def number_size(text):
    """Approximate stored size of a number: 1 byte per 2 significant digits, plus 1
    (developer guide, "Item sizes and formats")."""
    digits = Decimal(text).normalize().as_tuple().digits
    return (len(digits) + 1) // 2 + 1


def value_size(value):
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "B":
        return len(v)
    if kind == "N":
        return number_size(v)
    raise AssertionError(f"value_size does not handle {kind}")


def item_size(item):
    """Size of an item of S/N/B attributes: names plus values (numbers approximate)."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def query_all(ddb, table, **kwargs):
    """Every item of a Query, following LastEvaluatedKey."""
    items = []
    while True:
        resp = ddb.query(TableName=table, **kwargs)
        items += resp["Items"]
        if "LastEvaluatedKey" not in resp:
            return items
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


# --------------------------------------------------------------------------
# Bulk data: 10,000 items of about 1 KB in one partition
# --------------------------------------------------------------------------

PAGING_ITEMS = 10_000
FILLER = 990          # "d" attribute: item size is 999-1001 bytes


@pytest.fixture(scope="module")
def num_table(ddb):
    """Hash + range table: ``pk`` (S) and ``sk`` (N)."""
    ks, ad = key_schema_for(("pk", "S"), ("sk", "N"))
    name = create_table(ddb, ks, ad, tag="qs-num")
    yield name
    delete_table_quietly(ddb, name)


@pytest.fixture(scope="module")
def paging(ddb, num_table):
    """(table, pk, sizes): PAGING_ITEMS items with sk = 0..9999 under one pk."""
    pk = new_key()
    items = [{"pk": S(pk), "sk": N(i), "d": S("x" * FILLER)} for i in range(PAGING_ITEMS)]
    batch_write_all(ddb, num_table, items)
    return num_table, pk, {i: item_size(item) for i, item in enumerate(items)}


def check_pages(pages, sizes=None, key_names=("pk", "sk")):
    """The 1 MB paging rules, for pages read without a filter or Limit.

    Every page but the last carries LastEvaluatedKey (the key of its last item)
    and scanned about 1 MB (900-1100 items of about 1 KB); the last page has no
    LastEvaluatedKey and may be empty only if the page before it was full."""
    assert pages
    for i, page in enumerate(pages):
        final = i == len(pages) - 1
        assert page["Count"] == len(page["Items"]) == page["ScannedCount"]
        if final:
            assert "LastEvaluatedKey" not in page, f"page {i} is the last one"
            assert page["ScannedCount"] <= 1100
            continue
        assert "LastEvaluatedKey" in page, f"page {i} of {len(pages)} has no LastEvaluatedKey"
        assert 900 <= page["ScannedCount"] <= 1100, f"page {i}: {page['ScannedCount']} items"
        last = page["Items"][-1]
        assert page["LastEvaluatedKey"] == {k: last[k] for k in key_names}
        if sizes is not None:
            total = sum(sizes[int(item["sk"]["N"])] for item in page["Items"])
            assert 0.9 * MB <= total <= 1.1 * MB, f"page {i} holds {total} bytes"


def test_query_paginator_walks_every_item_once_in_order(ddb, paging):
    table, pk, sizes = paging
    pages = list(ddb.get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S(pk)},
        ConsistentRead=True))
    assert len(pages) >= 9
    check_pages(pages, sizes)
    assert [int(item["sk"]["N"]) for page in pages for item in page["Items"]] == list(range(PAGING_ITEMS))


def test_query_paginator_backwards(ddb, paging):
    table, pk, sizes = paging
    pages = list(ddb.get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S(pk)},
        ConsistentRead=True, ScanIndexForward=False))
    check_pages(pages, sizes)
    assert [int(item["sk"]["N"]) for page in pages for item in page["Items"]] == \
        list(range(PAGING_ITEMS - 1, -1, -1))


def test_query_paginator_with_key_condition_range(ddb, paging):
    table, pk, _ = paging
    pages = list(ddb.get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="pk = :p AND sk BETWEEN :lo AND :hi",
        ExpressionAttributeValues={":p": S(pk), ":lo": N(1234), ":hi": N(5678)}, ConsistentRead=True))
    check_pages(pages)
    assert [int(item["sk"]["N"]) for page in pages for item in page["Items"]] == list(range(1234, 5679))


def test_query_count_pages_at_1_mb_too(ddb, paging):
    # Select=COUNT still reads (and pages at) 1 MB of items; no Items key.
    table, pk, _ = paging
    pages = list(ddb.get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S(pk)},
        ConsistentRead=True, Select="COUNT"))
    assert len(pages) >= 9
    for page in pages[:-1]:
        assert "Items" not in page
        assert 900 <= page["Count"] == page["ScannedCount"] <= 1100
        assert "LastEvaluatedKey" in page
    assert "LastEvaluatedKey" not in pages[-1]
    assert sum(page["Count"] for page in pages) == PAGING_ITEMS


def test_query_filter_applies_after_the_1_mb_limit(ddb, paging):
    # "A single Query operation can retrieve a maximum of 1 MB of data. This limit
    # applies before any FilterExpression ... is applied" (API reference, Query).
    table, pk, _ = paging
    resp = ddb.query(TableName=table, KeyConditionExpression="pk = :p", FilterExpression="d = :none",
                     ExpressionAttributeValues={":p": S(pk), ":none": S("no such value")}, ConsistentRead=True)
    assert resp["Count"] == 0
    assert resp["Items"] == []
    assert 900 <= resp["ScannedCount"] <= 1100
    assert "LastEvaluatedKey" in resp


def test_scan_paginator_walks_every_item_once(ddb, paging):
    table, pk, sizes = paging
    pages = list(ddb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True))
    mine = [page for page in pages]
    # The table holds other partitions too (the order/limit tests); only count ours.
    sks = [int(item["sk"]["N"]) for page in mine for item in page["Items"] if item["pk"]["S"] == pk]
    assert sorted(sks) == list(range(PAGING_ITEMS))
    assert len(sks) == len(set(sks))
    for i, page in enumerate(pages[:-1]):
        assert "LastEvaluatedKey" in page, f"page {i}"
        assert 900 <= page["ScannedCount"] <= 1100, f"page {i}: {page['ScannedCount']}"
        last = page["Items"][-1]
        assert page["LastEvaluatedKey"] == {"pk": last["pk"], "sk": last["sk"]}
    assert "LastEvaluatedKey" not in pages[-1]


def parallel_scan(ddb, table, total, **kwargs):
    """{segment: [items]} of a parallel scan, each segment paginated."""
    result = {}
    for segment in range(total):
        pages = list(ddb.get_paginator("scan").paginate(
            TableName=table, Segment=segment, TotalSegments=total, **kwargs))
        for page in pages[:-1]:
            assert "LastEvaluatedKey" in page
        assert "LastEvaluatedKey" not in pages[-1]
        result[segment] = [item for page in pages for item in page["Items"]]
    return result


def test_parallel_scan_segments_partition_the_items(ddb, paging):
    table, pk, _ = paging
    segments = parallel_scan(ddb, table, 4, ConsistentRead=True)
    seen = {}
    for segment, items in segments.items():
        for item in items:
            key = (item["pk"]["S"], item["sk"]["N"])
            assert key not in seen, f"{key} in segments {seen.get(key)} and {segment}"
            seen[key] = segment
    assert sorted(int(sk) for p, sk in seen if p == pk) == list(range(PAGING_ITEMS))


@pytest.fixture(scope="module")
def many_partitions(ddb):
    """Hash-only table with 2,000 small items, one per partition key."""
    ks, ad = key_schema_for(("pk", "S"))
    name = create_table(ddb, ks, ad, tag="qs-parts")
    keys = [f"k{i:05d}-{new_key()[:8]}" for i in range(2000)]
    batch_write_all(ddb, name, [{"pk": S(k), "v": N(i)} for i, k in enumerate(keys)])
    yield name, set(keys)
    delete_table_quietly(ddb, name)


@pytest.mark.parametrize("total", [1, 3, 4, 7])
def test_parallel_scan_over_many_partitions(ddb, many_partitions, total):
    table, keys = many_partitions
    segments = parallel_scan(ddb, table, total, ConsistentRead=True, Limit=150)
    got = [item["pk"]["S"] for items in segments.values() for item in items]
    assert len(got) == len(set(got)), "an item was returned by two segments or twice by one"
    assert set(got) == keys
    if total > 1:
        # Segments split the table's key space, so 2,000 distinct partition keys
        # do not all land in one segment (developer guide, "Parallel scan").
        assert sum(1 for items in segments.values() if items) > 1


def test_parallel_scan_with_count(ddb, many_partitions):
    table, keys = many_partitions
    total = 0
    for segment in range(4):
        kwargs = dict(TableName=table, Segment=segment, TotalSegments=4, Select="COUNT", ConsistentRead=True)
        while True:
            resp = ddb.scan(**kwargs)
            assert "Items" not in resp
            total += resp["Count"]
            if "LastEvaluatedKey" not in resp:
                break
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    assert total == len(keys)


# --------------------------------------------------------------------------
# Limit, ExclusiveStartKey, LastEvaluatedKey
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def five(ddb, num_table):
    """(table, pk): five items with sk 10, 20, 30, 40, 50 and n = sk / 10."""
    pk = new_key()
    for sk in (10, 20, 30, 40, 50):
        ddb.put_item(TableName=num_table, Item={"pk": S(pk), "sk": N(sk), "n": N(sk // 10)})
    return num_table, pk


def q(ddb, table, pk, **kwargs):
    return ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues=dict(kwargs.pop("values", {}), **{":p": S(pk)}),
                     ConsistentRead=True, **kwargs)


def sks(resp):
    return [int(item["sk"]["N"]) for item in resp["Items"]]


def test_limit_and_exclusive_start_key(ddb, five):
    table, pk = five
    first = q(ddb, table, pk, Limit=2)
    assert sks(first) == [10, 20]
    assert (first["Count"], first["ScannedCount"]) == (2, 2)
    assert first["LastEvaluatedKey"] == {"pk": S(pk), "sk": N(20)}
    second = q(ddb, table, pk, Limit=2, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert sks(second) == [30, 40]
    assert second["LastEvaluatedKey"] == {"pk": S(pk), "sk": N(40)}
    third = q(ddb, table, pk, Limit=2, ExclusiveStartKey=second["LastEvaluatedKey"])
    assert sks(third) == [50]
    assert "LastEvaluatedKey" not in third


def test_limit_reached_on_the_last_item_still_returns_last_evaluated_key(ddb, five):
    # The service stops at Limit without looking further, so a page that ends
    # exactly on the last item carries LastEvaluatedKey and the next page is
    # empty ("If LastEvaluatedKey is not empty, it does not necessarily mean that
    # there is more data in the result set", API reference, Query).
    table, pk = five
    first = q(ddb, table, pk, Limit=5)
    assert sks(first) == [10, 20, 30, 40, 50]
    assert first["LastEvaluatedKey"] == {"pk": S(pk), "sk": N(50)}
    second = q(ddb, table, pk, Limit=5, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert second["Items"] == []
    assert (second["Count"], second["ScannedCount"]) == (0, 0)
    assert "LastEvaluatedKey" not in second


def test_limit_larger_than_the_result(ddb, five):
    table, pk = five
    resp = q(ddb, table, pk, Limit=6)
    assert sks(resp) == [10, 20, 30, 40, 50]
    assert "LastEvaluatedKey" not in resp


def test_limit_backwards(ddb, five):
    table, pk = five
    first = q(ddb, table, pk, Limit=2, ScanIndexForward=False)
    assert sks(first) == [50, 40]
    assert first["LastEvaluatedKey"] == {"pk": S(pk), "sk": N(40)}
    second = q(ddb, table, pk, Limit=2, ScanIndexForward=False, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert sks(second) == [30, 20]


def test_exclusive_start_key_need_not_be_an_existing_item(ddb, five):
    # The start key is a position in the key order, not an item.
    table, pk = five
    assert sks(q(ddb, table, pk, ExclusiveStartKey={"pk": S(pk), "sk": N(25)})) == [30, 40, 50]
    assert sks(q(ddb, table, pk, ExclusiveStartKey={"pk": S(pk), "sk": N(25)}, ScanIndexForward=False)) == [20, 10]
    assert sks(q(ddb, table, pk, ExclusiveStartKey={"pk": S(pk), "sk": N(50)})) == []


def test_exclusive_start_key_with_key_condition(ddb, five):
    table, pk = five
    resp = ddb.query(TableName=table, KeyConditionExpression="pk = :p AND sk <= :hi",
                     ExpressionAttributeValues={":p": S(pk), ":hi": N(40)}, ConsistentRead=True,
                     ExclusiveStartKey={"pk": S(pk), "sk": N(10)})
    assert sks(resp) == [20, 30, 40]


def test_limit_counts_items_read_before_the_filter(ddb, five):
    # "DynamoDB reads up to [Limit] items, and then returns only those that match
    # the filter expression" (developer guide, "Limiting the number of items").
    table, pk = five
    resp = q(ddb, table, pk, Limit=3, FilterExpression="n <> :two", values={":two": N(2)})
    assert sks(resp) == [10, 30]
    assert (resp["Count"], resp["ScannedCount"]) == (2, 3)
    assert resp["LastEvaluatedKey"] == {"pk": S(pk), "sk": N(30)}
    rest = q(ddb, table, pk, Limit=3, FilterExpression="n <> :two", values={":two": N(2)},
             ExclusiveStartKey=resp["LastEvaluatedKey"])
    assert sks(rest) == [40, 50]
    assert (rest["Count"], rest["ScannedCount"]) == (2, 2)


def test_filter_matching_nothing_still_scans(ddb, five):
    table, pk = five
    resp = q(ddb, table, pk, FilterExpression="n > :v", values={":v": N(100)})
    assert resp["Items"] == []
    assert (resp["Count"], resp["ScannedCount"]) == (0, 5)


def test_select_count_has_no_items(ddb, five):
    table, pk = five
    resp = q(ddb, table, pk, Select="COUNT")
    assert "Items" not in resp
    assert (resp["Count"], resp["ScannedCount"]) == (5, 5)
    resp = q(ddb, table, pk, Select="COUNT", FilterExpression="n >= :v", values={":v": N(4)})
    assert "Items" not in resp
    assert (resp["Count"], resp["ScannedCount"]) == (2, 5)
    resp = q(ddb, table, pk, Select="COUNT", Limit=2)
    assert (resp["Count"], resp["ScannedCount"]) == (2, 2)
    assert resp["LastEvaluatedKey"] == {"pk": S(pk), "sk": N(20)}


def test_select_all_attributes_and_specific_attributes(ddb, five):
    table, pk = five
    resp = q(ddb, table, pk, Select="ALL_ATTRIBUTES", Limit=1)
    assert resp["Items"] == [{"pk": S(pk), "sk": N(10), "n": N(1)}]
    resp = q(ddb, table, pk, Select="SPECIFIC_ATTRIBUTES", ProjectionExpression="n", Limit=1)
    assert resp["Items"] == [{"n": N(1)}]


def test_query_with_no_match_has_empty_items(ddb, num_table):
    resp = q(ddb, num_table, new_key())
    assert resp["Items"] == []
    assert (resp["Count"], resp["ScannedCount"]) == (0, 0)
    assert "LastEvaluatedKey" not in resp


def test_scan_limit_and_exclusive_start_key(ddb, many_partitions):
    table, keys = many_partitions
    got = []
    kwargs = dict(TableName=table, Limit=700, ConsistentRead=True)
    while True:
        resp = ddb.scan(**kwargs)
        assert resp["Count"] == resp["ScannedCount"] == len(resp["Items"]) <= 700
        got += [item["pk"]["S"] for item in resp["Items"]]
        if "LastEvaluatedKey" not in resp:
            break
        assert resp["LastEvaluatedKey"] == {"pk": resp["Items"][-1]["pk"]}
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    assert len(got) == len(set(got)) == len(keys)
    assert set(got) == keys


# --------------------------------------------------------------------------
# ConsumedCapacity: a Query or Scan costs the total size of the items it read,
# rounded up to 4 KB (1 unit strongly consistent, 0.5 eventually consistent),
# whatever the filter, projection or Select (developer guide, "Capacity unit
# consumption for read operations": "All items returned are treated as a single
# read operation, whereby DynamoDB computes the total size of all items and
# then rounds up to the next 4 KB boundary").
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def kilobyte_items(ddb, table_sr):
    """(table, pk): ten items of exactly 1,000 bytes (10,000 bytes in all)."""
    pk = new_key()                     # "pk" + 32 = 34 bytes, "sk" + 2 = 4, "d" = 1
    for i in range(10):
        ddb.put_item(TableName=table_sr, Item={"pk": S(pk), "sk": S(f"{i:02d}"), "d": S("x" * 961)})
    return table_sr, pk


@pytest.mark.parametrize("consistent,extra,units", [
    (True, {}, 3.0),                                            # 10,000 bytes -> 3 x 4 KB
    (False, {}, 1.5),
    (True, {"Limit": 4}, 1.0),                                  # 4,000 bytes
    (False, {"Limit": 5}, 1.0),                                 # 5,000 bytes -> 2 x 4 KB, halved
    (True, {"Select": "COUNT"}, 3.0),
    (True, {"ProjectionExpression": "sk"}, 3.0),
    (True, {"FilterExpression": "d = :none", "values": {":none": S("-")}}, 3.0),
    (True, {"KeyConditionExpression": "pk = :p AND sk >= :s", "values": {":s": S("06")}}, 1.0),
])
def test_query_consumed_capacity(ddb, kilobyte_items, consistent, extra, units):
    table, pk = kilobyte_items
    extra = dict(extra)
    values = dict(extra.pop("values", {}), **{":p": S(pk)})
    kwargs = dict(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues=values,
                  ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL")
    kwargs.update(extra)
    resp = ddb.query(**kwargs)
    assert resp["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": units}


def test_query_without_return_consumed_capacity(ddb, kilobyte_items):
    table, pk = kilobyte_items
    resp = ddb.query(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S(pk)})
    assert "ConsumedCapacity" not in resp


@pytest.mark.parametrize("consistent,units", [(True, 3.0), (False, 1.5)])
def test_scan_consumed_capacity(ddb, table_factory, consistent, units):
    table = table_factory(hash_key=("pk", "S"))
    for i in range(10):                # "pk" + 4 = 6 bytes, "d" + 993 = 994 bytes
        ddb.put_item(TableName=table, Item={"pk": S(f"k{i:03d}"), "d": S("y" * 993)})
    resp = ddb.scan(TableName=table, ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL")
    assert resp["Count"] == 10
    assert resp["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": units}


# --------------------------------------------------------------------------
# Sort key order
# --------------------------------------------------------------------------

def test_number_sort_keys_are_ordered_numerically(ddb, num_table):
    pk = new_key()
    values = ["100", "-1.5", "2", "0", "-10", "10", "0.5", "99.99", "-0.25", "7", "1000000", "-1000000"]
    for v in values:
        ddb.put_item(TableName=num_table, Item={"pk": S(pk), "sk": N(v)})
    expected = sorted((Decimal(v) for v in values))
    got = [Decimal(item["sk"]["N"]) for item in query_all(ddb, num_table, KeyConditionExpression="pk = :p",
                                                           ExpressionAttributeValues={":p": S(pk)},
                                                           ConsistentRead=True)]
    assert got == expected
    got = [Decimal(item["sk"]["N"]) for item in query_all(ddb, num_table, KeyConditionExpression="pk = :p",
                                                           ExpressionAttributeValues={":p": S(pk)},
                                                           ConsistentRead=True, ScanIndexForward=False)]
    assert got == expected[::-1]
    got = [Decimal(item["sk"]["N"]) for item in query_all(
        ddb, num_table, KeyConditionExpression="pk = :p AND sk BETWEEN :lo AND :hi",
        ExpressionAttributeValues={":p": S(pk), ":lo": N("-1.5"), ":hi": N("10")}, ConsistentRead=True)]
    assert got == [Decimal(v) for v in ("-1.5", "-0.25", "0", "0.5", "2", "7", "10")]
    got = [Decimal(item["sk"]["N"]) for item in query_all(
        ddb, num_table, KeyConditionExpression="pk = :p AND sk < :v",
        ExpressionAttributeValues={":p": S(pk), ":v": N("-0.3")}, ConsistentRead=True)]
    assert got == [Decimal(v) for v in ("-1000000", "-10", "-1.5")]


@pytest.fixture(scope="module")
def bin_table(ddb):
    ks, ad = key_schema_for(("pk", "S"), ("sk", "B"))
    name = create_table(ddb, ks, ad, tag="qs-bin")
    yield name
    delete_table_quietly(ddb, name)


BINARIES = [b"\xff", b"\x01\x00", b"\x80", b"\x00", b"\x7f", b"\xff\xff", b"\x01", b"\x01\xff", b"\x00\x00"]


def test_binary_sort_keys_are_ordered_by_unsigned_bytes(ddb, bin_table):
    pk = new_key()
    for v in BINARIES:
        ddb.put_item(TableName=bin_table, Item={"pk": S(pk), "sk": B(v)})
    got = [item["sk"]["B"] for item in query_all(ddb, bin_table, KeyConditionExpression="pk = :p",
                                                  ExpressionAttributeValues={":p": S(pk)}, ConsistentRead=True)]
    assert got == sorted(BINARIES)   # Python orders bytes as unsigned, shorter prefix first
    assert got[:3] == [b"\x00", b"\x00\x00", b"\x01"]
    got = [item["sk"]["B"] for item in query_all(
        ddb, bin_table, KeyConditionExpression="pk = :p AND sk > :v",
        ExpressionAttributeValues={":p": S(pk), ":v": B(b"\x7f")}, ConsistentRead=True)]
    assert got == [b"\x80", b"\xff", b"\xff\xff"]


def test_begins_with_on_a_binary_sort_key(ddb, bin_table):
    pk = new_key()
    for v in BINARIES:
        ddb.put_item(TableName=bin_table, Item={"pk": S(pk), "sk": B(v)})
    got = [item["sk"]["B"] for item in query_all(
        ddb, bin_table, KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
        ExpressionAttributeValues={":p": S(pk), ":b": B(b"\x01")}, ConsistentRead=True)]
    assert got == [b"\x01", b"\x01\x00", b"\x01\xff"]
    got = [item["sk"]["B"] for item in query_all(
        ddb, bin_table, KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
        ExpressionAttributeValues={":p": S(pk), ":b": B(b"\xff")}, ConsistentRead=True, ScanIndexForward=False)]
    assert got == [b"\xff\xff", b"\xff"]


STRINGS = ["b", "a", "B", "aa", "\u00e9", "\uffff", "\U0001f600", "a\u0000", "Z", "0"]


def test_string_sort_keys_are_ordered_by_utf8_bytes(ddb, table_sr):
    # UTF-8 byte order: U+FFFF (EF BF BF) sorts before U+1F600 (F0 9F 98 80),
    # unlike UTF-16 code-unit order.
    pk = new_key()
    for v in STRINGS:
        ddb.put_item(TableName=table_sr, Item={"pk": S(pk), "sk": S(v)})
    got = [item["sk"]["S"] for item in query_all(ddb, table_sr, KeyConditionExpression="pk = :p",
                                                  ExpressionAttributeValues={":p": S(pk)}, ConsistentRead=True)]
    assert got == sorted(STRINGS, key=lambda s: s.encode())
    assert got.index("\uffff") < got.index("\U0001f600")


def test_begins_with_on_a_string_sort_key_with_multibyte_prefix(ddb, table_sr):
    pk = new_key()
    for v in ["\u00e9t\u00e9", "\u00e9cole", "e", "\u00ea", "\u00e9"]:
        ddb.put_item(TableName=table_sr, Item={"pk": S(pk), "sk": S(v)})
    got = [item["sk"]["S"] for item in query_all(
        ddb, table_sr, KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
        ExpressionAttributeValues={":p": S(pk), ":b": S("\u00e9")}, ConsistentRead=True)]
    assert got == ["\u00e9", "\u00e9cole", "\u00e9t\u00e9"]


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

@pytest.mark.parametrize("operation", ["query", "scan"])
def test_limit_zero(ddb_raw, num_table, operation):
    kwargs = dict(TableName=num_table, Limit=0)
    if operation == "query":
        kwargs.update(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("x")})
    code, message = rejected(getattr(ddb_raw, operation), **kwargs)
    # Quoted from the real service: boto/boto PR 1584 (and PR 1248 for '-1').
    assert (code, message) == (VALIDATION, "1 validation error detected: Value '0' at 'limit' failed to satisfy "
                                           "constraint: Member must have value greater than or equal to 1")


def test_negative_limit(ddb_raw, num_table):
    code, message = rejected(ddb_raw.query, TableName=num_table, Limit=-1, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": S("x")})
    # Quoted from the real service: boto/boto PR 1248.
    assert (code, message) == (VALIDATION, "1 validation error detected: Value '-1' at 'limit' failed to satisfy "
                                           "constraint: Member must have value greater than or equal to 1")


def test_segment_without_total_segments(ddb_raw, num_table):
    code, _ = rejected(ddb_raw.scan, TableName=num_table, Segment=0)
    # message unverified (expected: "The TotalSegments parameter is required but was
    # not present in the request when Segment parameter is present")
    assert code == VALIDATION


def test_total_segments_without_segment(ddb_raw, num_table):
    code, _ = rejected(ddb_raw.scan, TableName=num_table, TotalSegments=2)
    # message unverified (expected: "The Segment parameter is required but was not
    # present in the request when parameter TotalSegments is present")
    assert code == VALIDATION


@pytest.mark.parametrize("segment,total", [(4, 4), (5, 4), (1, 1)])
def test_segment_not_less_than_total_segments(ddb_raw, num_table, segment, total):
    code, _ = rejected(ddb_raw.scan, TableName=num_table, Segment=segment, TotalSegments=total)
    # message unverified (expected: "The Segment parameter is zero-based and must be
    # less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4")
    assert code == VALIDATION


@pytest.mark.parametrize("segment,total", [(-1, 4), (0, 0), (0, 1000001)])
def test_segment_and_total_segments_out_of_range(ddb_raw, num_table, segment, total):
    code, _ = rejected(ddb_raw.scan, TableName=num_table, Segment=segment, TotalSegments=total)
    # message unverified (a constraint failure: Segment 0..999999, TotalSegments
    # 1..1000000, API reference)
    assert code == VALIDATION


def test_total_segments_of_one_million_is_accepted(ddb, num_table):
    resp = ddb.scan(TableName=num_table, Segment=999999, TotalSegments=1000000, ConsistentRead=True)
    assert resp["Count"] == len(resp["Items"])


@pytest.mark.parametrize("start_key", [
    pytest.param({"pk": S("x")}, id="missing-sort-key"),
    pytest.param({"pk": S("x"), "other": N(1)}, id="wrong-sort-key-name"),
    pytest.param({"pk": S("x"), "sk": S("1")}, id="wrong-sort-key-type"),
    pytest.param({"pk": S("x"), "sk": N(1), "extra": S("y")}, id="extra-attribute"),
])
def test_query_bad_exclusive_start_key(ddb_raw, num_table, start_key):
    code, message = rejected(ddb_raw.query, TableName=num_table, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": S("x")}, ExclusiveStartKey=start_key)
    # Quoted from the real service: pynamodb/PynamoDB issue 50 (a Query's answer has no tail,
    # unlike a Scan's).
    assert (code, message) == (VALIDATION, "The provided starting key is invalid")


def test_query_exclusive_start_key_in_another_partition(ddb_raw, num_table):
    code, message = rejected(ddb_raw.query, TableName=num_table, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": S("x")},
                             ExclusiveStartKey={"pk": S("y"), "sk": N(1)})
    # As the service answers (floci-io/floci issue 3322): "condition", singular.
    assert (code, message) == (VALIDATION, "The provided starting key is outside query boundaries "
                                           "based on provided condition")


@pytest.mark.parametrize("condition,values,start", [
    ("pk = :p AND sk >= :c", {":c": N(5)}, N(4)),
    ("pk = :p AND sk < :c", {":c": N(5)}, N(5)),
    ("pk = :p AND sk BETWEEN :a AND :b", {":a": N(2), ":b": N(4)}, N(7)),
    ("pk = :p AND sk = :c", {":c": N(5)}, N(6)),
])
def test_query_exclusive_start_key_outside_the_sort_key_condition(ddb_raw, num_table, condition,
                                                                 values, start):
    code, message = rejected(ddb_raw.query, TableName=num_table, KeyConditionExpression=condition,
                             ExpressionAttributeValues=dict(values, **{":p": S("x")}),
                             ExclusiveStartKey={"pk": S("x"), "sk": start})
    # Quoted from the real service: aws/aws-sdk-ruby issue 2456 and a 2020 blog post.
    assert (code, message) == (VALIDATION, "The provided starting key does not match the range key "
                                           "predicate")


def test_query_exclusive_start_keys_of_a_hash_only_table(ddb_raw, table_s):
    """On a hash-only table the start key is the partition key alone: another partition's is
    outside the condition, a key of the wrong type or with extra attributes is invalid, and the
    queried partition's own key ends the Query."""
    def query(start):
        return ddb_raw.query(TableName=table_s, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": S("x")}, ExclusiveStartKey=start)
    assert rejected(query, start={"pk": S("y")}) == (
        VALIDATION, "The provided starting key is outside query boundaries based on provided "
                    "condition")
    for start in ({"pk": N(1)}, {"pk": S("x"), "other": S("1")}):
        assert rejected(query, start=start) == (VALIDATION, "The provided starting key is invalid")
    assert query({"pk": S("x")})["Items"] == []


def test_query_exclusive_start_key_inside_the_sort_key_condition(ddb_raw, num_table):
    ddb_raw.query(TableName=num_table, KeyConditionExpression="pk = :p AND sk >= :c",
                  ExpressionAttributeValues={":p": S("x"), ":c": N(5)},
                  ExclusiveStartKey={"pk": S("x"), "sk": N(6)})


def test_parallel_scan_exclusive_start_key_of_another_segment(ddb_raw, table_factory):
    """A segment's start key must be one of its own keys (scylladb/scylladb pull request 9270
    quotes the service's answer)."""
    num_table = table_factory(hash_key=("pk", "S"), range_key=("sk", "N"), tag="seg")
    keys = [{"pk": S(f"seg{i}"), "sk": N(i)} for i in range(16)]
    segments = 4
    # Find a key that a full parallel scan returns in segment 0, then use it in segment 1.
    for key in keys:
        ddb_raw.put_item(TableName=num_table, Item=key)
    in_zero = ddb_raw.scan(TableName=num_table, Segment=0, TotalSegments=segments)["Items"]
    assert in_zero
    start = {"pk": in_zero[0]["pk"], "sk": in_zero[0]["sk"]}
    ddb_raw.scan(TableName=num_table, Segment=0, TotalSegments=segments, ExclusiveStartKey=start)
    code, message = rejected(ddb_raw.scan, TableName=num_table, Segment=1, TotalSegments=segments,
                             ExclusiveStartKey=start)
    assert (code, message) == (
        VALIDATION, "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "
                    "ExclusiveStartKey with correct Segment. TotalSegments: 4 Segment: 1")


@pytest.mark.parametrize("start_key", [
    pytest.param({"pk": S("x")}, id="missing-sort-key"),
    pytest.param({"other": S("x"), "sk": N(1)}, id="wrong-hash-key-name"),
    pytest.param({"pk": N(1), "sk": N(1)}, id="wrong-hash-key-type"),
])
def test_scan_bad_exclusive_start_key(ddb_raw, num_table, start_key):
    code, message = rejected(ddb_raw.scan, TableName=num_table, ExclusiveStartKey=start_key)
    # Quoted from the real service: baopham/laravel-dynamodb issue 200 (Scan, ap-east-1).
    assert (code, message) == (VALIDATION, "The provided starting key is invalid: The provided key element does "
                                           "not match the schema")


@pytest.mark.parametrize("operation", ["query", "scan"])
def test_select_count_with_projection(ddb_raw, num_table, operation):
    kwargs = dict(TableName=num_table, Select="COUNT", ProjectionExpression="sk")
    if operation == "query":
        kwargs.update(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("x")})
    code, _ = rejected(getattr(ddb_raw, operation), **kwargs)
    # message unverified (expected: "Cannot specify the ProjectionExpression when
    # choosing to get only the Count")
    assert code == VALIDATION


@pytest.mark.parametrize("operation", ["query", "scan"])
def test_select_specific_attributes_without_projection(ddb_raw, num_table, operation):
    kwargs = dict(TableName=num_table, Select="SPECIFIC_ATTRIBUTES")
    if operation == "query":
        kwargs.update(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("x")})
    code, _ = rejected(getattr(ddb_raw, operation), **kwargs)
    # message unverified
    assert code == VALIDATION


@pytest.mark.parametrize("operation", ["query", "scan"])
def test_missing_table(ddb, operation):
    kwargs = dict(TableName=unique_table_name("missing"))
    if operation == "query":
        kwargs.update(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("x")})
    code, message = rejected(getattr(ddb, operation), **kwargs)
    # The wording the item operations use (test_items.py); assumed the same for
    # Query and Scan (medium confidence).
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")

