// Items with the AWS SDK for JavaScript v3: DynamoDBClient and DynamoDBDocumentClient.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  GetCommand,
  NumberValue,
  PutCommand,
} from "@aws-sdk/lib-dynamodb";
import { hashTableSuite, uniqueTableName } from "./server.mjs";

const BIG = "1234567890123456789012345678901234567.8";

const sortedSet = (values) => [...values].map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : String(v))).sort();

describe("items (JS SDK v3)", () => {
  const suite = hashTableSuite("js-items", {
      marshallOptions: { removeUndefinedValues: true },
      unmarshallOptions: { wrapNumbers: true },
    });

  it("round-trips every attribute type with the low-level client", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    const item = {
      pk: { S: pk },
      s: { S: "h\u00e9llo \u2713" },
      n: { N: "42" },
      big: { N: BIG },
      b: { B: new Uint8Array([0, 1, 254, 255]) },
      t: { BOOL: true },
      f: { BOOL: false },
      nul: { NULL: true },
      m: { M: { inner: { S: "x" }, deep: { M: { l: { L: [{ N: "1" }, { NULL: true }] } } } } },
      l: { L: [{ S: "a" }, { N: "2" }, { M: {} }, { L: [] }] },
      ss: { SS: ["b", "a", "c"] },
      ns: { NS: ["3", "1", "2.5"] },
      bs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
    };
    await client.send(new PutItemCommand({ TableName: table, Item: item }));
    const got = (await client.send(new GetItemCommand({
      TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true,
    }))).Item;
    const { ss, ns, bs, ...rest } = got;
    const { ss: ss0, ns: ns0, bs: bs0, ...rest0 } = item;
    assert.deepEqual(rest, rest0);
    assert.deepEqual(sortedSet(ss.SS), sortedSet(ss0.SS));
    assert.deepEqual(sortedSet(ns.NS), sortedSet(ns0.NS));
    assert.deepEqual(sortedSet(bs.BS), sortedSet(bs0.BS));
  });

  it("normalises numbers", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    await client.send(new PutItemCommand({
      TableName: table,
      Item: { pk: { S: pk }, a: { N: "01.50" }, b: { N: "1E+2" }, c: { N: "-0" } },
    }));
    const got = (await client.send(new GetItemCommand({
      TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true,
    }))).Item;
    assert.deepEqual(got, { pk: { S: pk }, a: { N: "1.5" }, b: { N: "100" }, c: { N: "0" } });
  });

  it("round-trips every type with the document client (wrapNumbers)", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    const item = {
      pk,
      s: "text",
      n: 42,
      big: NumberValue.from(BIG),
      t: true,
      nul: null,
      b: new Uint8Array([9, 8, 7]),
      m: { a: 1, nested: { l: [2, "x", null, false] } },
      l: ["a", 3, { k: "v" }, [4]],
      ss: new Set(["x", "y"]),
      ns: new Set([1, 2.5, -3]),
    };
    await doc.send(new PutCommand({ TableName: table, Item: item }));
    const got = (await doc.send(new GetCommand({ TableName: table, Key: { pk }, ConsistentRead: true }))).Item;

    assert.equal(got.pk, pk);
    assert.equal(got.s, "text");
    assert.ok(got.n instanceof NumberValue);
    assert.equal(got.n.toString(), "42");
    assert.ok(got.big instanceof NumberValue);
    assert.equal(got.big.toString(), BIG);
    assert.equal(got.t, true);
    assert.equal(got.nul, null);
    assert.deepEqual(Buffer.from(got.b), Buffer.from([9, 8, 7]));
    assert.equal(got.m.a.toString(), "1");
    assert.equal(got.m.nested.l[0].toString(), "2");
    assert.deepEqual(got.m.nested.l.slice(1), ["x", null, false]);
    assert.equal(got.l[0], "a");
    assert.equal(got.l[1].toString(), "3");
    assert.deepEqual(got.l[2], { k: "v" });
    assert.equal(got.l[3][0].toString(), "4");
    assert.ok(got.ss instanceof Set);
    assert.deepEqual(sortedSet(got.ss), ["x", "y"]);
    assert.ok(got.ns instanceof Set);
    assert.deepEqual(sortedSet(got.ns), ["-3", "1", "2.5"]);
  });

  it("puts, gets and deletes with the document client", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    const put = await doc.send(new PutCommand({ TableName: table, Item: { pk, v: "one" }, ReturnValues: "ALL_OLD" }));
    assert.equal(put.Attributes, undefined);
    const put2 = await doc.send(new PutCommand({ TableName: table, Item: { pk, v: "two" }, ReturnValues: "ALL_OLD" }));
    assert.deepEqual(put2.Attributes, { pk, v: "one" });
    const got = await doc.send(new GetCommand({ TableName: table, Key: { pk }, ConsistentRead: true }));
    assert.deepEqual(got.Item, { pk, v: "two" });
    const del = await doc.send(new DeleteCommand({ TableName: table, Key: { pk }, ReturnValues: "ALL_OLD" }));
    assert.deepEqual(del.Attributes, { pk, v: "two" });
    const gone = await doc.send(new GetCommand({ TableName: table, Key: { pk }, ConsistentRead: true }));
    assert.equal(gone.Item, undefined);
  });

  it("reports a ValidationException with name and message", async () => {
    const { client, doc, table } = suite;
    await assert.rejects(
      client.send(new GetItemCommand({ TableName: table, Key: { pk: { N: "1" } } })),
      (err) => {
        assert.equal(err.name, "ValidationException");
        assert.equal(err.message, "The provided key element does not match the schema");
        assert.equal(err.$metadata.httpStatusCode, 400);
        assert.ok(err.$metadata.requestId);
        return true;
      },
    );
    await assert.rejects(
      doc.send(new PutCommand({ TableName: table, Item: { other: "x" } })),
      (err) => {
        assert.equal(err.name, "ValidationException");
        assert.equal(err.message, "One or more parameter values were invalid: Missing the key pk in the item");
        return true;
      },
    );
  });

  it("reports ResourceNotFoundException for a missing table", async () => {
    const { client, doc, table } = suite;
    await assert.rejects(
      doc.send(new GetCommand({ TableName: uniqueTableName("js-missing"), Key: { pk: "x" } })),
      (err) => {
        assert.equal(err.name, "ResourceNotFoundException");
        assert.equal(err.message, "Requested resource not found");
        return true;
      },
    );
  });
});
