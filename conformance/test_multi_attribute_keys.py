"""Multi-attribute GSI keys (AWS Developer Guide, "Multi-attribute keys pattern" and the GSI
page's "Multi-attribute keys" section; API reference CreateGlobalSecondaryIndexAction: "Global
secondary index supports up to 4 partition and up to 4 sort keys"): a GSI's KeySchema may list
up to four HASH elements and then up to four RANGE elements. A Query gives every
partition-key attribute with "=", and sort-key attributes left to right without skipping one,
"=" on all but the last, which may also use <, <=, >, >=, BETWEEN or begins_with.

Messages of the new CreateTable and Query rules were not confirmed against the service: they
are marked "message unverified" and asserted as ddbd words them.
"""

import pytest

from conftest import DdbdProcess, unique_table_name, wait_for_table
from helpers import N, S, rejected, wait_for

VALIDATION = "ValidationException"

# Matches by tournament and region (partition key), ordered by round, bracket and match number.
MATCH_INDEX = {
    "IndexName": "by-bracket",
    "KeySchema": [{"AttributeName": "tournamentId", "KeyType": "HASH"},
                  {"AttributeName": "regionCode", "KeyType": "HASH"},
                  {"AttributeName": "round", "KeyType": "RANGE"},
                  {"AttributeName": "bracket", "KeyType": "RANGE"},
                  {"AttributeName": "matchNo", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "ALL"},
}
DEFINITIONS = [{"AttributeName": "matchId", "AttributeType": "S"},
               {"AttributeName": "tournamentId", "AttributeType": "S"},
               {"AttributeName": "regionCode", "AttributeType": "S"},
               {"AttributeName": "round", "AttributeType": "S"},
               {"AttributeName": "bracket", "AttributeType": "S"},
               {"AttributeName": "matchNo", "AttributeType": "N"}]


def create_matches(ddb, name, gsis=(MATCH_INDEX,)):
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "matchId", "KeyType": "HASH"}],
                     AttributeDefinitions=DEFINITIONS if gsis else DEFINITIONS[:1],
                     **({"GlobalSecondaryIndexes": list(gsis)} if gsis else {}))
    wait_for_table(ddb, name)


def match(i, tournament="WINTER", region="NA", rnd="SEMI", bracket="UPPER", no=None):
    item = {"matchId": S(f"m{i}"), "tournamentId": S(tournament), "regionCode": S(region),
            "round": S(rnd), "bracket": S(bracket), "matchNo": N(i if no is None else no)}
    return {k: v for k, v in item.items() if v is not None}


# Sorted by (round, bracket, matchNo): FINAL < QUARTER < SEMI; LOWER < UPPER; 2 < 10 numerically.
MATCHES = [match(1, rnd="QUARTER", bracket="UPPER", no=2),
           match(2, rnd="QUARTER", bracket="UPPER", no=10),
           match(3, rnd="QUARTER", bracket="LOWER", no=7),
           match(4, rnd="SEMI", bracket="UPPER", no=-1.5),
           match(5, rnd="SEMI", bracket="LOWER", no=3),
           match(6, rnd="FINAL", bracket="UPPER", no=1),
           match(7, rnd="SEMIS", bracket="UPPER", no=1),     # begins_with(round, "SEMI") too
           match(8, region="EU", rnd="SEMI", bracket="UPPER", no=1),   # another partition
           match(9, tournament="SUMMER", rnd="SEMI", bracket="UPPER", no=1)]
ORDER = ["m6", "m3", "m1", "m2", "m5", "m4", "m7"]  # WINTER/NA in index order


@pytest.fixture
def matches(ddb, created_tables):
    name = unique_table_name("multi")
    created_tables.append(name)
    create_matches(ddb, name)
    for item in MATCHES:
        ddb.put_item(TableName=name, Item=item)
    # Items without every key attribute are not in the index (sparse index).
    ddb.put_item(TableName=name, Item={k: v for k, v in match(20).items() if k != "bracket"})
    ddb.put_item(TableName=name, Item={k: v for k, v in match(21).items() if k != "regionCode"})
    return name


def query(ddb, table, condition, values, **extra):
    names = {"#r": "round"} if "#r" in condition else {}
    items, start = [], None
    while True:
        page = ddb.query(TableName=table, IndexName="by-bracket", KeyConditionExpression=condition,
                         ExpressionAttributeValues=values,
                         **({"ExpressionAttributeNames": names} if names else {}),
                         **({"ExclusiveStartKey": start} if start else {}), **extra)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return [i["matchId"]["S"] for i in items]


PARTITION = "tournamentId = :t AND regionCode = :r"
WINTER_NA = {":t": S("WINTER"), ":r": S("NA")}


def test_describe_table_lists_the_key_schema_in_order(ddb, matches):
    index, = ddb.describe_table(TableName=matches)["Table"]["GlobalSecondaryIndexes"]
    assert index["KeySchema"] == MATCH_INDEX["KeySchema"]
    assert index["IndexStatus"] == "ACTIVE"


def test_a_partition_is_every_partition_key_attribute_in_sort_key_order(ddb, matches):
    assert query(ddb, matches, PARTITION, WINTER_NA) == ORDER
    assert query(ddb, matches, PARTITION, WINTER_NA, ScanIndexForward=False) == ORDER[::-1]
    assert query(ddb, matches, PARTITION, {":t": S("WINTER"), ":r": S("EU")}) == ["m8"]
    assert query(ddb, matches, PARTITION, {":t": S("SUMMER"), ":r": S("NA")}) == ["m9"]
    # Items are found by all of the partition key's values, not some of them.
    assert query(ddb, matches, PARTITION, {":t": S("WINTER"), ":r": S("N")}) == []


def test_sort_key_conditions_left_to_right(ddb, matches):
    def q(extra, values):
        return query(ddb, matches, PARTITION + " AND " + extra, {**WINTER_NA, **values})
    assert q("#r = :a", {":a": S("QUARTER")}) == ["m3", "m1", "m2"]
    assert q("#r = :a AND bracket = :b", {":a": S("QUARTER"), ":b": S("UPPER")}) == ["m1", "m2"]
    assert q("#r = :a AND bracket = :b AND matchNo = :n",
             {":a": S("QUARTER"), ":b": S("UPPER"), ":n": N(10)}) == ["m2"]
    # The last condition may be a range.
    assert q("#r > :a", {":a": S("QUARTER")}) == ["m5", "m4", "m7"]
    assert q("#r >= :a", {":a": S("SEMI")}) == ["m5", "m4", "m7"]
    assert q("#r < :a", {":a": S("SEMI")}) == ["m6", "m3", "m1", "m2"]
    assert q("#r <= :a", {":a": S("QUARTER")}) == ["m6", "m3", "m1", "m2"]
    assert q("#r BETWEEN :a AND :b", {":a": S("QUARTER"), ":b": S("SEMI")}) == [
        "m3", "m1", "m2", "m5", "m4"]
    assert q("begins_with(#r, :a)", {":a": S("SEMI")}) == ["m5", "m4", "m7"]
    assert q("#r = :a AND begins_with(bracket, :b)", {":a": S("QUARTER"), ":b": S("UP")}) == [
        "m1", "m2"]
    assert q("#r = :a AND bracket = :b AND matchNo < :n",
             {":a": S("QUARTER"), ":b": S("UPPER"), ":n": N(10)}) == ["m1"]
    assert q("#r = :a AND bracket = :b AND matchNo BETWEEN :x AND :y",
             {":a": S("SEMI"), ":b": S("UPPER"), ":x": N(-2), ":y": N(0)}) == ["m4"]
    assert q("#r = :a AND bracket > :b", {":a": S("QUARTER"), ":b": S("LOWER")}) == ["m1", "m2"]


def test_paging_returns_every_index_key_attribute_in_last_evaluated_key(ddb, matches):
    page = ddb.query(TableName=matches, IndexName="by-bracket", KeyConditionExpression=PARTITION,
                     ExpressionAttributeValues=WINTER_NA, Limit=2)
    assert [i["matchId"]["S"] for i in page["Items"]] == ORDER[:2]
    assert page["LastEvaluatedKey"] == {k: v for k, v in match(3, rnd="QUARTER", bracket="LOWER",
                                                                no=7).items()}
    assert query(ddb, matches, PARTITION, WINTER_NA, Limit=2) == ORDER
    assert query(ddb, matches, PARTITION + " AND #r = :a",
                 {**WINTER_NA, ":a": S("QUARTER")}, Limit=1) == ["m3", "m1", "m2"]
    # A start key outside the sort-key condition.
    assert rejected(ddb.query, TableName=matches, IndexName="by-bracket",
                    KeyConditionExpression=PARTITION + " AND #r = :a",
                    ExpressionAttributeNames={"#r": "round"},
                    ExpressionAttributeValues={**WINTER_NA, ":a": S("QUARTER")},
                    ExclusiveStartKey=match(6, rnd="FINAL", bracket="UPPER", no=1)) == (
        VALIDATION, "The provided starting key does not match the range key predicate")


def test_scan_of_the_index_has_only_items_with_every_key_attribute(ddb, matches):
    items = ddb.scan(TableName=matches, IndexName="by-bracket")["Items"]
    assert sorted(i["matchId"]["S"] for i in items) == sorted(f"m{i}" for i in range(1, 10))


def test_writes_move_and_remove_index_entries(ddb, matches):
    ddb.update_item(TableName=matches, Key={"matchId": S("m1")},
                    UpdateExpression="SET #r = :f", ExpressionAttributeNames={"#r": "round"},
                    ExpressionAttributeValues={":f": S("FINAL")})
    ddb.update_item(TableName=matches, Key={"matchId": S("m2")}, UpdateExpression="REMOVE bracket")
    ddb.delete_item(TableName=matches, Key={"matchId": S("m3")})
    assert query(ddb, matches, PARTITION, WINTER_NA) == ["m6", "m1", "m5", "m4", "m7"]


def test_query_rules(ddb, matches):
    def err(condition, values):
        names = {"ExpressionAttributeNames": {"#r": "round"}} if "#r" in condition else {}
        return rejected(ddb.query, TableName=matches, IndexName="by-bracket",
                        KeyConditionExpression=condition, ExpressionAttributeValues=values,
                        **names)
    # Every partition-key attribute, with "=".
    assert err("tournamentId = :t", {":t": S("WINTER")}) == (
        VALIDATION, "Query condition missed key schema element: regionCode")
    assert err("tournamentId = :t AND regionCode > :r", WINTER_NA) == (
        VALIDATION, "Query key condition not supported")
    assert err("tournamentId = :t AND regionCode = :r AND regionCode = :r", WINTER_NA) == (
        VALIDATION, "KeyConditionExpressions must only contain one condition per key")
    # Sort-key attributes without a gap (message unverified)...
    assert err(PARTITION + " AND bracket = :b", {**WINTER_NA, ":b": S("UPPER")}) == (
        VALIDATION, "Query condition missed key schema element: round")
    # ...and a range only on the last one given (message unverified).
    assert err(PARTITION + " AND #r > :a AND bracket = :b",
               {**WINTER_NA, ":a": S("A"), ":b": S("UPPER")}) == (
        VALIDATION, "Query key condition not supported")
    # Types as for single-attribute keys.
    assert err(PARTITION + " AND #r = :a AND bracket = :b AND matchNo = :n",
               {**WINTER_NA, ":a": S("SEMI"), ":b": S("UPPER"), ":n": S("1")}) == (
        VALIDATION, "One or more parameter values were invalid: Condition parameter type does not "
                    "match schema type")
    assert err(PARTITION + " AND #r = :a AND bracket = :b AND begins_with(matchNo, :n)",
               {**WINTER_NA, ":a": S("SEMI"), ":b": S("UPPER"), ":n": N(1)}) == (
        VALIDATION, "Invalid KeyConditionExpression: Incorrect operand type for operator or "
                    "function; operator or function: begins_with, operand type: N")
    assert err(PARTITION + " AND notes = :o", {**WINTER_NA, ":o": S("x")}) == (
        VALIDATION, "Query key condition not supported")  # message unverified
    # A filter may not name index key attributes.
    assert rejected(ddb.query, TableName=matches, IndexName="by-bracket",
                    KeyConditionExpression=PARTITION, FilterExpression="bracket = :b",
                    ExpressionAttributeValues={**WINTER_NA, ":b": S("UPPER")}) == (
        VALIDATION, "Filter Expression can only contain non-primary key attributes: Primary key "
                    "attribute: bracket")


def test_writes_check_every_key_attribute_type(ddb, matches):
    assert rejected(ddb.put_item, TableName=matches, Item=match(30, no=None) | {
        "matchNo": S("seven")}) == (
        VALIDATION, "One or more parameter values were invalid: Type mismatch for Index Key "
                    "matchNo Expected: N Actual: S IndexName: by-bracket")
    assert rejected(ddb.put_item, TableName=matches, Item=match(31) | {"regionCode": N(1)}) == (
        VALIDATION, "One or more parameter values were invalid: Type mismatch for Index Key "
                    "regionCode Expected: S Actual: N IndexName: by-bracket")
    assert "Item" not in ddb.get_item(TableName=matches, Key={"matchId": S("m30")})


def test_a_multi_attribute_gsi_added_by_update_table_is_backfilled(ddb, created_tables):
    name = unique_table_name("multi-add")
    created_tables.append(name)
    create_matches(ddb, name, gsis=())
    for item in MATCHES:
        ddb.put_item(TableName=name, Item=item)
    ddb.update_table(TableName=name, AttributeDefinitions=DEFINITIONS,
                     GlobalSecondaryIndexUpdates=[{"Create": MATCH_INDEX}])
    wait_for(lambda: ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0][
        "IndexStatus"] == "ACTIVE", timeout=60)
    index = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]
    assert index["KeySchema"] == MATCH_INDEX["KeySchema"]
    assert query(ddb, name, PARTITION, WINTER_NA) == ORDER


def test_create_table_key_schema_rules(ddb, created_tables):
    def create(schema):
        name = unique_table_name("multi-keys")
        created_tables.append(name)
        names = ["matchId"] + [a for a, _ in schema]
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "matchId", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"}
                                               for a in dict.fromkeys(names)],
                         GlobalSecondaryIndexes=[{"IndexName": "grid", "KeySchema": [
                             {"AttributeName": a, "KeyType": t} for a, t in schema],
                             "Projection": {"ProjectionType": "KEYS_ONLY"}}])
        return name

    def err(schema):
        return rejected(create, schema=schema)
    # HASH elements first (message unverified).
    assert err([("tournamentId", "HASH"), ("round", "RANGE"), ("regionCode", "HASH")]) == (
        VALIDATION, "Invalid KeySchema: All HASH key attributes must precede RANGE key attributes "
                    "in the KeySchema")
    assert err([("round", "RANGE"), ("regionCode", "HASH")]) == (
        VALIDATION, "Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    # Four of each at most (messages unverified).
    assert err([(f"x{i}", "HASH") for i in range(5)]) == (
        VALIDATION, "Invalid KeySchema: The KeySchema exceeds the maximum allowed number of HASH "
                    "key attributes")
    assert err([("x0", "HASH")] + [(f"x{i}", "RANGE") for i in range(1, 5)] + [
        ("round", "RANGE")]) == (
        VALIDATION, "Invalid KeySchema: The KeySchema exceeds the maximum allowed number of RANGE "
                    "key attributes")
    # Four and four is allowed.
    name = create([(f"x{i}", "HASH") for i in range(4)] + [(f"y{i}", "RANGE") for i in range(4)])
    wait_for_table(ddb, name)
    schema = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]["KeySchema"]
    assert [(e["AttributeName"], e["KeyType"]) for e in schema] == [
        (f"x{i}", "HASH") for i in range(4)] + [(f"y{i}", "RANGE") for i in range(4)]


def test_multi_attribute_indexes_survive_kill9():
    with DdbdProcess() as server:
        ddb = server.client()
        create_matches(ddb, "matches")
        for item in MATCHES:
            ddb.put_item(TableName="matches", Item=item)
        server.kill9()
        server.start()
        ddb = server.client()
        index, = ddb.describe_table(TableName="matches")["Table"]["GlobalSecondaryIndexes"]
        assert index["KeySchema"] == MATCH_INDEX["KeySchema"]
        assert query(ddb, "matches", PARTITION, WINTER_NA) == ORDER
