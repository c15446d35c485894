"""PartiQL: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction (docs/partiql.md).

Each statement's results and ConsumedCapacity are compared with the equivalent GetItem, Query,
Scan, PutItem, UpdateItem or DeleteItem call on the same data. Messages marked unverified were
not seen in a captured service response; for those only the error type is asserted.
"""

import pytest
from botocore.exceptions import ClientError

from conftest import unique_table_name
from helpers import N, S, rejected

VALIDATION = "ValidationException"
MALFORMED = "Statement wasn't well formed, can't be processed: "


@pytest.fixture(scope="module")
def music(ddb):
    """A table of songs (Artist, Song) with a GSI on Year, and 30 items in 3 partitions."""
    name = unique_table_name("pql")
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "Artist", "KeyType": "HASH"},
                   {"AttributeName": "Song", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "Artist", "AttributeType": "S"},
                              {"AttributeName": "Song", "AttributeType": "S"},
                              {"AttributeName": "Year", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[{"IndexName": "ByYear",
                                 "KeySchema": [{"AttributeName": "Year", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    ddb.get_waiter("table_exists").wait(TableName=name)
    for a in range(3):
        for s in range(10):
            item = {"Artist": S(f"artist{a}"), "Song": S(f"song{s:02d}"), "Year": N(2000 + s),
                    "Plays": N(a * 100 + s), "Info": {"M": {"Tags": {"L": [S("x"), S(f"t{s}")]}}}}
            if s % 3 == 0:
                item["Award"] = {"NULL": True}
            ddb.put_item(TableName=name, Item=item)
    yield name
    ddb.delete_table(TableName=name)


@pytest.fixture
def songs(ddb, table_factory):
    """An empty (Artist, Song) table."""
    return table_factory(tag="pqlw", hash_key=("Artist", "S"), range_key=("Song", "S"))


def run(ddb, statement, **kwargs):
    answer = ddb.execute_statement(Statement=statement, **kwargs)
    answer.pop("ResponseMetadata")
    return answer


def all_pages(ddb, statement, **kwargs):
    items, token = [], None
    while True:
        answer = run(ddb, statement, **(dict(kwargs, NextToken=token) if token else kwargs))
        items += answer["Items"]
        token = answer.get("NextToken")
        if not token:
            return items


def keys_of(items):
    return [(i["Artist"]["S"], i["Song"]["S"]) for i in items]


# ---------------------------------------------------------------------------------- SELECT

def test_select_of_a_full_key_is_a_get_item(ddb, music):
    for consistent in (False, True):
        answer = run(ddb, f"SELECT * FROM \"{music}\" WHERE Artist = 'artist1' AND Song = 'song03'",
                     ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL")
        get = ddb.get_item(TableName=music, Key={"Artist": S("artist1"), "Song": S("song03")},
                           ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL")
        assert answer["Items"] == [get["Item"]]
        assert answer["ConsumedCapacity"] == get["ConsumedCapacity"]
    assert run(ddb, f"SELECT * FROM \"{music}\" WHERE Artist = 'artist1' AND Song = 'nope'")[
        "Items"] == []


def test_select_with_a_partition_key_is_a_query(ddb, music):
    statement = (f"SELECT Song, Plays FROM \"{music}\" WHERE Artist = ? AND Song BETWEEN "
                 "'song02' AND 'song07' AND Plays > ?")
    answer = run(ddb, statement, Parameters=[S("artist2"), N(203)], ReturnConsumedCapacity="TOTAL")
    query = ddb.query(TableName=music, KeyConditionExpression="Artist = :a AND Song BETWEEN :l AND :h",
                      FilterExpression="Plays > :p", ProjectionExpression="Song, Plays",
                      ExpressionAttributeValues={":a": S("artist2"), ":l": S("song02"),
                                                 ":h": S("song07"), ":p": N(203)},
                      ReturnConsumedCapacity="TOTAL")
    assert answer["Items"] == query["Items"]
    assert [i["Song"]["S"] for i in answer["Items"]] == ["song04", "song05", "song06", "song07"]
    assert answer["ConsumedCapacity"] == query["ConsumedCapacity"]
    # begins_with on the sort key, and descending order.
    answer = run(ddb, f"SELECT * FROM \"{music}\" WHERE Artist = 'artist0' AND "
                      "begins_with(Song, 'song0') ORDER BY Song DESC")
    assert [i["Song"]["S"] for i in answer["Items"]] == [f"song0{i}" for i in range(9, -1, -1)]


def test_in_or_ors_on_the_partition_key_are_queries(ddb, music):
    # The service documents both as not scanning the table.
    def query(artist):
        return ddb.query(TableName=music, KeyConditionExpression="Artist = :a AND Song < :s",
                         ExpressionAttributeValues={":a": S(artist), ":s": S("song03")},
                         ReturnConsumedCapacity="TOTAL")

    expected = query("artist2")["Items"] + query("artist0")["Items"]
    units = query("artist2")["ConsumedCapacity"]["CapacityUnits"] + \
        query("artist0")["ConsumedCapacity"]["CapacityUnits"]
    for where in ("Artist IN ['artist2', 'artist0'] AND Song < 'song03'",
                  "Song < 'song03' AND Artist IN ['artist2', 'nobody', 'artist0']"):
        answer = run(ddb, f"SELECT * FROM \"{music}\" WHERE {where}", ReturnConsumedCapacity="TOTAL")
        assert answer["Items"] == expected
        assert answer["ConsumedCapacity"]["CapacityUnits"] <= units + 0.5  # the absent key's read
        assert answer["ConsumedCapacity"]["CapacityUnits"] < 2  # not a Scan of 30 items
    answer = run(ddb, f"SELECT Song FROM \"{music}\" WHERE Artist = 'artist1' OR Artist = 'artist2'")
    assert len(answer["Items"]) == 20
    # Limit and NextToken page through the keys in turn.
    items = all_pages(ddb, f"SELECT * FROM \"{music}\" WHERE Artist IN ['artist1', 'artist0']", Limit=7)
    assert keys_of(items) == [("artist1", f"song{i:02d}") for i in range(10)] + \
        [("artist0", f"song{i:02d}") for i in range(10)]


def test_select_without_the_partition_key_is_a_scan(ddb, music):
    statement = f"SELECT * FROM \"{music}\" WHERE Plays >= 105 AND Plays < 208"
    items = all_pages(ddb, statement, ReturnConsumedCapacity="TOTAL")
    scan = ddb.scan(TableName=music, FilterExpression="Plays >= :l AND Plays < :h",
                    ExpressionAttributeValues={":l": N(105), ":h": N(208)},
                    ReturnConsumedCapacity="TOTAL")
    assert sorted(keys_of(items)) == sorted(keys_of(scan["Items"]))
    assert len(items) == 13
    answer = run(ddb, statement, ReturnConsumedCapacity="TOTAL")
    assert answer["ConsumedCapacity"] == scan["ConsumedCapacity"]
    # The whole table, without WHERE.
    assert len(all_pages(ddb, f"SELECT * FROM \"{music}\"")) == 30


def test_where_operators_and_functions(ddb, music):
    def songs(where):
        return sorted(keys_of(all_pages(ddb, f"SELECT * FROM \"{music}\" WHERE {where}")))

    assert songs("Artist = 'artist0' AND Award IS NULL") == [
        ("artist0", f"song0{i}") for i in (0, 3, 6, 9)]
    assert songs("Artist = 'artist0' AND Award IS NOT MISSING") == songs(
        "Artist = 'artist0' AND Award IS NULL")
    assert len(songs("Artist = 'artist0' AND Award IS MISSING")) == 6
    assert songs("Plays IN [1, 102, 209]") == [("artist0", "song01"), ("artist1", "song02"),
                                              ("artist2", "song09")]
    assert songs("Artist = 'artist1' AND contains(Info.Tags, 't4')") == [("artist1", "song04")]
    assert songs("Artist = 'artist1' AND Info.Tags[1] = 't5'") == [("artist1", "song05")]
    assert songs("Artist = 'artist2' AND size(Info.Tags) = 2 AND NOT (Plays <> 200 AND "
                 "Plays <> 201)") == [("artist2", "song00"), ("artist2", "song01")]
    assert songs("attribute_type(Award, 'NULL') AND Artist = 'artist2'") == [
        ("artist2", f"song0{i}") for i in (0, 3, 6, 9)]
    # Key attributes may be tested beyond the key condition.
    assert songs("Artist = 'artist1' AND Song IS NOT MISSING AND Song <> 'song00' AND "
                 "Plays < 103") == [("artist1", "song01"), ("artist1", "song02")]


def test_select_from_an_index(ddb, music):
    answer = run(ddb, f"SELECT Artist, Song FROM \"{music}\".\"ByYear\" WHERE \"Year\" = 2004")
    assert sorted(keys_of(answer["Items"])) == [(f"artist{a}", "song04") for a in range(3)]


def test_nested_projection(ddb, music):
    answer = run(ddb, f"SELECT Info.Tags[1], Plays FROM \"{music}\" WHERE Artist = 'artist0' "
                      "AND Song = 'song07'")
    get = ddb.get_item(TableName=music, Key={"Artist": S("artist0"), "Song": S("song07")},
                       ProjectionExpression="Info.Tags[1], Plays")
    assert answer["Items"] == [get["Item"]]


def test_limit_and_next_token_page_through_every_item(ddb, music):
    statement = f"SELECT * FROM \"{music}\" WHERE Artist = 'artist1'"
    first = run(ddb, statement, Limit=4)
    assert len(first["Items"]) == 4 and "NextToken" in first
    items = all_pages(ddb, statement, Limit=4)
    assert keys_of(items) == [("artist1", f"song{i:02d}") for i in range(10)]
    # A token belongs to its statement (the service's text as aws/aws-sdk-js-v3 issue 4424
    # quotes it).
    assert rejected(ddb.execute_statement, Statement=f"SELECT * FROM \"{music}\" WHERE "
                    "Artist = 'artist2'", NextToken=first["NextToken"]) == (
        VALIDATION, "NextToken does not match request")
    code, _ = rejected(ddb.execute_statement, Statement=statement, NextToken="not a token")
    assert code == VALIDATION  # message unverified


# ---------------------------------------------------------------------------------- writes

def test_insert_update_delete(ddb, songs):
    t = f'"{songs}"'
    assert run(ddb, f"INSERT INTO {t} VALUE {{'Artist': 'a', 'Song': 's', 'n': 1, "
                    "'tags': <<'x', 'y'>>, 'list': [1, 'two', TRUE, NULL], 'map': {'k': ?}}",
               Parameters=[{"B": b"\x00\x01"}]) == {"Items": []}
    item = ddb.get_item(TableName=songs, Key={"Artist": S("a"), "Song": S("s")})["Item"]
    assert item == {"Artist": S("a"), "Song": S("s"), "n": N(1), "tags": {"SS": ["x", "y"]},
                    "list": {"L": [N(1), S("two"), {"BOOL": True}, {"NULL": True}]},
                    "map": {"M": {"k": {"B": b"\x00\x01"}}}}
    # An INSERT of an existing key.
    assert rejected(ddb.execute_statement,
                    Statement=f"INSERT INTO {t} VALUE {{'Artist': 'a', 'Song': 's'}}") == (
        "DuplicateItemException", "Duplicate primary key exists in table")  # message unverified
    answer = run(ddb, f"UPDATE {t} SET n = n + 5 SET list = list_append(list, ['x']) "
                      "SET tags = set_add(tags, <<'z'>>) REMOVE map WHERE Artist = 'a' AND Song = 's' "
                      "RETURNING MODIFIED NEW *")
    assert answer["Items"] == [{"n": N(6), "list": {"L": [N(1), S("two"), {"BOOL": True},
                                                          {"NULL": True}, S("x")]},
                                "tags": {"SS": ["x", "y", "z"]}}]
    answer = run(ddb, f"UPDATE {t} SET tags = set_delete(tags, <<'x'>>) WHERE Artist = 'a' AND "
                      "Song = 's' AND n > 5 RETURNING ALL OLD *")
    assert answer["Items"][0]["tags"] == {"SS": ["x", "y", "z"]}
    # Extra WHERE terms are conditions.
    assert rejected(ddb.execute_statement, Statement=f"UPDATE {t} SET n = 0 WHERE Artist = 'a' "
                    "AND Song = 's' AND n > 100")[0] == "ConditionalCheckFailedException"
    # An UPDATE of no item fails its condition: it never creates one (the developer guide's
    # UPDATE reference; the message is the service's usual one).
    assert rejected(ddb.execute_statement, Statement=f"UPDATE {t} SET n = 0 WHERE Artist = 'a' "
                    "AND Song = 'none'") == (
        "ConditionalCheckFailedException", "The conditional request failed")
    assert "Item" not in ddb.get_item(TableName=songs, Key={"Artist": S("a"), "Song": S("none")})
    answer = run(ddb, f"DELETE FROM {t} WHERE Artist = 'a' AND Song = 's' RETURNING ALL OLD *")
    assert answer["Items"][0]["n"] == N(6)
    # A DELETE of no item succeeds (the developer guide's DELETE reference).
    assert run(ddb, f"DELETE FROM {t} WHERE Artist = 'a' AND Song = 'none'")["Items"] == []
    assert "Item" not in ddb.get_item(TableName=songs, Key={"Artist": S("a"), "Song": S("s")})


def test_writes_name_the_whole_key(ddb, songs):
    t = f'"{songs}"'
    for statement in (f"UPDATE {t} SET n = 1 WHERE Artist = 'a'",
                      f"DELETE FROM {t} WHERE Song = 's'",
                      f"UPDATE {t} SET n = 1 WHERE Artist = 'a' OR Song = 's'"):
        assert rejected(ddb.execute_statement, Statement=statement) == (
            VALIDATION, "Where clause does not contain a mandatory equality on all key attributes")


def test_writes_cost_what_the_equivalent_calls_cost(ddb, songs):
    t = f'"{songs}"'
    big = "x" * 3000
    answer = run(ddb, f"INSERT INTO {t} VALUE {{'Artist': 'c', 'Song': '1', 'big': '{big}'}}",
                 ReturnConsumedCapacity="TOTAL")
    put = ddb.put_item(TableName=songs, Item={"Artist": S("c"), "Song": S("2"), "big": S(big)},
                       ReturnConsumedCapacity="TOTAL")
    assert answer["ConsumedCapacity"] == put["ConsumedCapacity"]
    answer = run(ddb, f"UPDATE {t} SET n = 1 WHERE Artist = 'c' AND Song = '1'",
                 ReturnConsumedCapacity="TOTAL")
    update = ddb.update_item(TableName=songs, Key={"Artist": S("c"), "Song": S("2")},
                             UpdateExpression="SET n = :one", ExpressionAttributeValues={":one": N(1)},
                             ReturnConsumedCapacity="TOTAL")
    assert answer["ConsumedCapacity"] == update["ConsumedCapacity"]
    answer = run(ddb, f"DELETE FROM {t} WHERE Artist = 'c' AND Song = '1'",
                 ReturnConsumedCapacity="TOTAL")
    delete = ddb.delete_item(TableName=songs, Key={"Artist": S("c"), "Song": S("2")},
                             ReturnConsumedCapacity="TOTAL")
    assert answer["ConsumedCapacity"] == delete["ConsumedCapacity"]


# ---------------------------------------------------------------------------------- errors

def test_statement_errors(ddb, ddb_raw, songs):
    t = f'"{songs}"'
    # Quoted from the service (awsdocs/aws-sdk-for-javascript-v3 issue 98): a statement that is
    # no SELECT, INSERT, UPDATE or DELETE, such as an UPDATE of an unquoted name with a hyphen.
    for statement in ("SELEC * FROM t", "UPDATE Payment-abc SET active=? WHERE subscriptionId=?"):
        assert rejected(ddb.execute_statement, Statement=statement,
                        Parameters=[{"BOOL": False}, S("x")]) == (
            VALIDATION, MALFORMED + "Expected data manipulation"), statement
    for statement in ("SELEC * FROM t", f"SELECT * FROM {t} WHERE", f"SELECT * {t}",
                      f"INSERT INTO {t} VALUE {{'Artist': 'a'", f"DELETE FROM {t}",
                      f"UPDATE {t} WHERE Artist = 'a' AND Song = 'b'"):
        code, message = rejected(ddb.execute_statement, Statement=statement)
        assert code == VALIDATION and message.startswith(MALFORMED), statement
    missing = unique_table_name("nopql")
    code, _ = rejected(ddb.execute_statement, Statement=f"SELECT * FROM \"{missing}\"")
    assert code == "ResourceNotFoundException"  # message unverified
    # The parameters must match the statement's ? markers.
    code, _ = rejected(ddb.execute_statement, Statement=f"SELECT * FROM {t} WHERE Artist = ?")
    assert code == VALIDATION  # message unverified
    code, _ = rejected(ddb.execute_statement, Statement=f"SELECT * FROM {t} WHERE Artist = ?",
                       Parameters=[S("a"), S("b")])
    assert code == VALIDATION  # message unverified
    assert rejected(ddb_raw.execute_statement, Statement="") == (
        VALIDATION, "1 validation error detected: Value '' at 'statement' failed to satisfy "
                    "constraint: Member must have length greater than or equal to 1")


# ---------------------------------------------------------------------------------- batches

def test_batch_execute_statement(ddb, songs):
    t = f'"{songs}"'
    ddb.put_item(TableName=songs, Item={"Artist": S("b"), "Song": S("1"), "n": N(1)})
    answer = ddb.batch_execute_statement(Statements=[
        {"Statement": f"INSERT INTO {t} VALUE {{'Artist': 'b', 'Song': '2'}}"},
        {"Statement": f"INSERT INTO {t} VALUE {{'Artist': 'b', 'Song': '1'}}"},
        {"Statement": f"UPDATE {t} SET n = 2 WHERE Artist = 'b' AND Song = '1' AND n = 5",
         "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        {"Statement": f"DELETE FROM {t} WHERE Artist = ? AND Song = ?",
         "Parameters": [S("b"), S("3")]},
    ], ReturnConsumedCapacity="TOTAL")["Responses"]
    assert answer[0] == {"TableName": songs}
    assert answer[1]["Error"]["Code"] == "DuplicateItem"
    assert answer[2]["Error"]["Code"] == "ConditionalCheckFailed"
    assert answer[3] == {"TableName": songs}
    answer = ddb.batch_execute_statement(Statements=[
        {"Statement": f"SELECT * FROM {t} WHERE Artist = 'b' AND Song = '1'"},
        {"Statement": f"SELECT * FROM {t} WHERE Artist = 'b' AND Song = 'none'"},
        # The sort key may be written second; ORDER BY does not change one item.
        {"Statement": f"SELECT Song FROM {t} WHERE '2' = Song AND Artist = 'b' ORDER BY Song"},
        {"Statement": f"SELECT * FROM {t} WHERE Artist = 'b'"},
    ])["Responses"]
    assert answer[0] == {"TableName": songs, "Item": {"Artist": S("b"), "Song": S("1"), "n": N(1)}}
    assert answer[1] == {"TableName": songs}
    assert answer[2] == {"TableName": songs, "Item": {"Song": S("2")}}
    # Reads in a batch name one item.
    assert answer[3]["Error"]["Code"] == "ValidationError"


def test_batch_checks_every_entry_before_running_any(ddb, songs):
    t = f'"{songs}"'
    # The service documents that a batch is all reads or all writes.
    code, _ = rejected(ddb.batch_execute_statement, Statements=[
        {"Statement": f"INSERT INTO {t} VALUE {{'Artist': 'm', 'Song': '1'}}"},
        {"Statement": f"SELECT * FROM {t} WHERE Artist = 'm' AND Song = '1'"}])
    assert code == VALIDATION  # message unverified
    # A malformed entry fails the request before the writes ahead of it run.
    code, _ = rejected(ddb.batch_execute_statement, Statements=[
        {"Statement": f"INSERT INTO {t} VALUE {{'Artist': 'm', 'Song': '2'}}"},
        {"Statement": f"INSERT INTO {t} VALUE {{'Artist': 'm', 'Song': '3'}}",
         "ReturnValuesOnConditionCheckFailure": "SOME"}])
    assert code == VALIDATION
    for song in ("1", "2"):
        assert "Item" not in ddb.get_item(TableName=songs, Key={"Artist": S("m"), "Song": S(song)})


def test_value_checks(ddb, songs):
    t = f'"{songs}"'
    ddb.put_item(TableName=songs, Item={"Artist": S("v"), "Song": S("1"), "n": N(1)})
    # set_add and set_delete take sets.
    code, _ = rejected(ddb.execute_statement, Statement=f"UPDATE {t} SET n = set_add(n, 5) "
                       "WHERE Artist = 'v' AND Song = '1'")
    assert code == VALIDATION  # message unverified
    assert ddb.get_item(TableName=songs, Key={"Artist": S("v"), "Song": S("1")})["Item"]["n"] == N(1)
    # A map literal names each key once.
    code, _ = rejected(ddb.execute_statement, Statement=f"INSERT INTO {t} VALUE "
                       "{'Artist': 'v', 'Song': '2', 'Song': '3'}")
    assert code == VALIDATION  # message unverified
    # A partition key given twice in IN is read once.
    answer = run(ddb, f"SELECT * FROM {t} WHERE Artist IN ['v', 'v']")
    assert len(answer["Items"]) == 1


# ---------------------------------------------------------------------------------- transactions

def test_execute_transaction_writes_atomically(ddb, songs):
    t = f'"{songs}"'
    ddb.put_item(TableName=songs, Item={"Artist": S("x"), "Song": S("1"), "n": N(1)})
    ddb.execute_transaction(TransactStatements=[
        {"Statement": f"INSERT INTO {t} VALUE {{'Artist': 'x', 'Song': '2'}}"},
        {"Statement": f"UPDATE {t} SET n = n + 1 WHERE Artist = 'x' AND Song = '1'"},
    ])
    assert ddb.get_item(TableName=songs, Key={"Artist": S("x"), "Song": S("1")})["Item"]["n"] == N(2)
    with pytest.raises(ClientError) as excinfo:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": f"DELETE FROM {t} WHERE Artist = 'x' AND Song = '2'"},
            {"Statement": f"EXISTS(SELECT * FROM {t} WHERE Artist = 'x' AND Song = '1' AND n = 7)"},
        ])
    error = excinfo.value.response["Error"]
    assert error["Code"] == "TransactionCanceledException"
    reasons = excinfo.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    # Nothing of the cancelled transaction was applied.
    assert "Item" in ddb.get_item(TableName=songs, Key={"Artist": S("x"), "Song": S("2")})


def test_execute_transaction_reads(ddb, songs):
    t = f'"{songs}"'
    ddb.put_item(TableName=songs, Item={"Artist": S("r"), "Song": S("1"), "n": N(1)})
    ddb.put_item(TableName=songs, Item={"Artist": S("r"), "Song": S("2"), "n": N(2)})
    answer = ddb.execute_transaction(TransactStatements=[
        {"Statement": f"SELECT * FROM {t} WHERE Artist = 'r' AND Song = '1'"},
        {"Statement": f"SELECT n FROM {t} WHERE Artist = ? AND Song = ?",
         "Parameters": [S("r"), S("2")]},
        {"Statement": f"SELECT * FROM {t} WHERE Artist = 'r' AND Song = 'none'"},
    ], ReturnConsumedCapacity="TOTAL")
    get = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": songs, "Key": {"Artist": S("r"), "Song": S("1")}}},
        {"Get": {"TableName": songs, "Key": {"Artist": S("r"), "Song": S("2")},
                 "ProjectionExpression": "n"}},
        {"Get": {"TableName": songs, "Key": {"Artist": S("r"), "Song": S("none")}}},
    ], ReturnConsumedCapacity="TOTAL")
    assert answer["Responses"] == get["Responses"]
    assert answer["Responses"][:2] == [{"Item": {"Artist": S("r"), "Song": S("1"), "n": N(1)}},
                                       {"Item": {"n": N(2)}}]
    assert answer["ConsumedCapacity"] == get["ConsumedCapacity"]


def test_execute_transaction_idempotency_token(ddb, songs):
    t = f'"{songs}"'
    ddb.put_item(TableName=songs, Item={"Artist": S("i"), "Song": S("1"), "n": N(0)})
    statements = [{"Statement": f"UPDATE {t} SET n = n + 1 WHERE Artist = 'i' AND Song = '1'"}]
    for _ in range(2):
        ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="pql-token-1")
    assert ddb.get_item(TableName=songs, Key={"Artist": S("i"), "Song": S("1")})["Item"]["n"] == N(1)
