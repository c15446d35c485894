"""Transactions under concurrency and crashes (ddbd only: these hold transactions in flight with
--test-transaction-delay-ms, kill -9 and restart servers).

Conflicts follow the service's documented rules (docs/transactions.md): a PutItem, UpdateItem
or DeleteItem meeting an item held by a transaction in flight fails with
TransactionConflictException; a transaction meeting another transaction's item is cancelled
with TransactionConflict, and so is a TransactGetItems meeting any write's item; GetItem and
BatchWriteItem do not conflict.
"""

import random
import threading
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import unique_table_name
from helpers import N, S, get

pytestmark = pytest.mark.ddbd_only


def create(ddb, name, **extra):
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], **extra)


def slow_transaction(server, table, keys, results, token=None):
    """Runs a transaction that stays in flight (server's delay) and records its outcome."""
    ddb = server.client()
    kwargs = {"ClientRequestToken": token} if token else {}
    try:
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": table, "Key": {"pk": S(k)}, "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": N(1)}}} for k in keys], **kwargs)
        results.append("ok")
    except ClientError as e:
        results.append(e.response["Error"]["Code"])


def in_flight(server, table, keys, token=None):
    results = []
    thread = threading.Thread(target=slow_transaction, args=(server, table, keys, results, token))
    thread.start()
    time.sleep(0.3)  # the transaction now holds its items
    return thread, results


def test_conflicts_with_a_transaction_in_flight(ddbd_factory):
    server = ddbd_factory(extra_args=["--test-transaction-delay-ms", "1500"])
    ddb = server.client()
    table = unique_table_name("conflict")
    create(ddb, table)
    for k in ("a", "b", "c"):
        ddb.put_item(TableName=table, Item={"pk": S(k), "n": N(0)})
    thread, results = in_flight(server, table, ["a", "b"])

    # Single-item writes on its items fail ...
    with pytest.raises(ClientError) as excinfo:
        ddb.put_item(TableName=table, Item={"pk": S("a")})
    assert excinfo.value.response["Error"]["Code"] == "TransactionConflictException"
    for call in (lambda: ddb.delete_item(TableName=table, Key={"pk": S("b")}),
                 lambda: ddb.update_item(TableName=table, Key={"pk": S("b")},
                                         UpdateExpression="SET x = :x",
                                         ExpressionAttributeValues={":x": N(1)})):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert excinfo.value.response["Error"]["Code"] == "TransactionConflictException"
    # ... other items are free ...
    ddb.put_item(TableName=table, Item={"pk": S("c"), "n": N(5)})
    # ... GetItem reads the last committed version ...
    assert get(ddb, table, {"pk": S("a")})["n"] == N(0)
    # ... another transaction touching one of its items is cancelled ...
    with pytest.raises(ClientError) as excinfo:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": S("c")}}},
            {"ConditionCheck": {"TableName": table, "Key": {"pk": S("a")},
                                "ConditionExpression": "attribute_exists(pk)"}}])
    assert excinfo.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
    # ... and so is a TransactGetItems.
    with pytest.raises(ClientError) as excinfo:
        ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": {"pk": S("b")}}}])
    assert excinfo.value.response["CancellationReasons"][0]["Code"] == "TransactionConflict"
    thread.join()
    assert results == ["ok"]
    assert get(ddb, table, {"pk": S("a")})["n"] == N(1)
    assert get(ddb, table, {"pk": S("c")}) == {"pk": S("c"), "n": N(5)}


def test_batch_write_waits_for_a_transaction_instead_of_failing(ddbd_factory):
    server = ddbd_factory(extra_args=["--test-transaction-delay-ms", "800"])
    ddb = server.client()
    table = unique_table_name("batchwait")
    create(ddb, table)
    ddb.put_item(TableName=table, Item={"pk": S("a"), "n": N(0)})
    thread, results = in_flight(server, table, ["a"])
    r = ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": {"pk": S("a"), "n": N(9)}}}]})
    assert r["UnprocessedItems"] == {}
    thread.join()
    assert results == ["ok"]
    # The batch's put came after the transaction (it waited for it).
    assert get(ddb, table, {"pk": S("a")})["n"] == N(9)


def test_token_of_a_transaction_in_progress(ddbd_factory):
    server = ddbd_factory(extra_args=["--test-transaction-delay-ms", "1000"])
    ddb = server.client(retries={"total_max_attempts": 1})
    table = unique_table_name("inprogress")
    create(ddb, table)
    token = str(uuid.uuid4())
    thread, results = in_flight(server, table, ["a"], token=token)
    with pytest.raises(ClientError) as excinfo:
        ddb.transact_write_items(ClientRequestToken=token, TransactItems=[
            {"Update": {"TableName": table, "Key": {"pk": S("a")}, "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": N(1)}}}])
    assert excinfo.value.response["Error"] == {
        "Code": "TransactionInProgressException",
        "Message": "Transaction from previous request is still in progress"}
    thread.join()
    assert results == ["ok"]
    assert get(ddb, table, {"pk": S("a")})["n"] == N(1)


def test_tokens_survive_a_restart(ddbd_factory):
    server = ddbd_factory()
    ddb = server.client()
    table = unique_table_name("tokens")
    create(ddb, table)
    token = str(uuid.uuid4())
    request = dict(ClientRequestToken=token, TransactItems=[
        {"Update": {"TableName": table, "Key": {"pk": S("a")}, "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": N(1)}}}])
    ddb.transact_write_items(**request)
    server.kill9()
    server.start()
    ddb = server.client()
    ddb.transact_write_items(**request)  # answered from the token: not applied again
    assert get(ddb, table, {"pk": S("a")})["n"] == N(1)
    with pytest.raises(ClientError) as excinfo:
        ddb.transact_write_items(ClientRequestToken=token, TransactItems=[
            {"Delete": {"TableName": table, "Key": {"pk": S("a")}}}])
    assert excinfo.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"


def test_bank_transfers_keep_the_total_through_kill_9(ddbd_factory):
    """16 clients move money between 100 accounts with TransactWriteItems (condition: enough
    balance), 4 read with TransactGetItems (2 of them all 100 accounts in one snapshot, which
    must sum to the total), 2 increment a counter attribute of the same items with UpdateItem;
    the server is killed with -9 halfway and restarted. Transactions are held 1 ms in flight so
    that conflicts happen and surface as the service's exceptions."""
    server = ddbd_factory(extra_args=["--test-transaction-delay-ms", "1"])
    table = unique_table_name("bank")
    create(server.client(), table)
    accounts = [f"acct{i:03d}" for i in range(100)]
    total = 100 * 1000
    setup = server.client()
    for start in range(0, 100, 25):
        setup.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": S(a), "bal": N(1000), "cnt": N(0)}}}
            for a in accounts[start:start + 25]]})

    stop = threading.Event()
    lock = threading.Lock()
    stats = {"transfers": 0, "insufficient": 0, "conflict": 0, "conflict_exc": 0, "reads": 0,
             "counter_acked": 0, "counter_unknown": 0, "down": 0}
    failures = []
    clients = {}

    def client():
        port = server.port
        key = (threading.get_ident(), port)
        if key not in clients:
            clients[key] = server.client(connect_timeout=2, read_timeout=10)
        return clients[key]

    def bump(name):
        with lock:
            stats[name] += 1

    def transfers(seed):
        rng = random.Random(seed)
        while not stop.is_set():
            src, dst = rng.sample(accounts, 2)
            amount = rng.randint(1, 50)
            try:
                client().transact_write_items(TransactItems=[
                    {"Update": {"TableName": table, "Key": {"pk": S(src)},
                                "UpdateExpression": "SET bal = bal - :a",
                                "ConditionExpression": "bal >= :a",
                                "ExpressionAttributeValues": {":a": N(amount)}}},
                    {"Update": {"TableName": table, "Key": {"pk": S(dst)},
                                "UpdateExpression": "SET bal = bal + :a",
                                "ExpressionAttributeValues": {":a": N(amount)}}}])
                bump("transfers")
            except ClientError as e:
                code = e.response["Error"]["Code"]
                reasons = [r["Code"] for r in e.response.get("CancellationReasons", [])]
                if code == "TransactionCanceledException" and "ConditionalCheckFailed" in reasons:
                    bump("insufficient")
                elif code == "TransactionCanceledException" and "TransactionConflict" in reasons:
                    bump("conflict")
                else:
                    failures.append(f"transfer: {code} {reasons}")
            except Exception:  # the server is down (kill -9)
                bump("down")
                time.sleep(0.05)

    def snapshot_reader(seed, full):
        rng = random.Random(seed)
        while not stop.is_set():
            keys = accounts if full else rng.sample(accounts, 2)
            try:
                r = client().transact_get_items(TransactItems=[
                    {"Get": {"TableName": table, "Key": {"pk": S(k)}}} for k in keys])
            except ClientError as e:
                reasons = [x["Code"] for x in e.response.get("CancellationReasons", [])]
                if "TransactionConflict" not in reasons:
                    failures.append(f"read: {e.response['Error']['Code']} {reasons}")
                else:
                    bump("conflict")
                continue
            except Exception:
                time.sleep(0.05)
                continue
            balances = [int(x["Item"]["bal"]["N"]) for x in r["Responses"]]
            if min(balances) < 0:
                failures.append(f"negative balance read: {balances}")
            if full and sum(balances) != total:
                failures.append(f"snapshot sums to {sum(balances)}")
            bump("reads")

    def counter(seed):
        rng = random.Random(seed)
        while not stop.is_set():
            try:
                client().update_item(TableName=table, Key={"pk": S(rng.choice(accounts))},
                                     UpdateExpression="ADD cnt :one",
                                     ExpressionAttributeValues={":one": N(1)})
                bump("counter_acked")
            except ClientError as e:
                if e.response["Error"]["Code"] != "TransactionConflictException":
                    failures.append(f"counter: {e.response['Error']['Code']}")
                else:
                    bump("conflict_exc")
            except Exception:
                bump("counter_unknown")  # in flight at the kill: may or may not have applied
                time.sleep(0.05)

    threads = [threading.Thread(target=transfers, args=(i,)) for i in range(16)]
    threads += [threading.Thread(target=snapshot_reader, args=(100 + i, i < 2)) for i in range(4)]
    threads += [threading.Thread(target=counter, args=(200 + i,)) for i in range(2)]
    for t in threads:
        t.start()
    time.sleep(10)
    server.kill9()
    server.start()
    time.sleep(10)
    stop.set()
    for t in threads:
        t.join()

    assert not failures, failures[:10]
    ddb = server.client()
    items = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": table, "Key": {"pk": S(k)}}} for k in accounts])["Responses"]
    balances = [int(i["Item"]["bal"]["N"]) for i in items]
    counters = sum(int(i["Item"]["cnt"]["N"]) for i in items)
    assert sum(balances) == total
    assert min(balances) >= 0
    assert stats["counter_acked"] <= counters <= stats["counter_acked"] + stats["counter_unknown"]
    assert stats["transfers"] > 100 and stats["reads"] > 20, stats
    assert stats["conflict"] + stats["conflict_exc"] > 0, stats  # conflicts did surface
