// Expressions with the AWS SDK for JavaScript v3: conditions, updates,
// projections, ReturnValuesOnConditionCheckFailure, legacy parameters, and the
// service's error names and messages (sources in ../expression_messages.md).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import {
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { hashTableSuite } from "./server.mjs";

const CCF_MESSAGE = "The conditional request failed";

async function rejectsWith(promise, name, message) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name);
    if (message !== undefined) assert.equal(err.message, message);
    assert.equal(err.$metadata.httpStatusCode, 400);
    return true;
  });
}

describe("expressions (JS SDK v3)", () => {
  const suite = hashTableSuite("js-expr");

  const getDoc = async (pk, extra = {}) =>
    (await suite.doc.send(new GetCommand({
      TableName: suite.table, Key: { pk }, ConsistentRead: true, ...extra,
    }))).Item;

  it("puts only if absent", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    const put = (v) => doc.send(new PutCommand({
      TableName: table, Item: { pk, v }, ConditionExpression: "attribute_not_exists(pk)",
    }));
    await put("first");
    await rejectsWith(put("second"), "ConditionalCheckFailedException", CCF_MESSAGE);
    assert.deepEqual(await getDoc(pk), { pk, v: "first" });
  });

  it("evaluates functions, nested paths and precedence in conditions", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    const item = { pk, n: 10, s: "abc", tags: new Set(["a", "b"]), l: ["x", { c: "deep" }], m: { k: 1 } };
    await doc.send(new PutCommand({ TableName: table, Item: item }));
    const holds = async (ConditionExpression, ExpressionAttributeValues, ExpressionAttributeNames) => {
      try {
        await doc.send(new PutCommand({
          TableName: table, Item: item, ConditionExpression, ExpressionAttributeValues, ExpressionAttributeNames,
        }));
        return true;
      } catch (err) {
        assert.equal(err.name, "ConditionalCheckFailedException");
        return false;
      }
    };
    assert.equal(await holds("n > :v", { ":v": 9 }), true); // numeric, not string, order
    assert.equal(await holds("n BETWEEN :a AND :b", { ":a": 10, ":b": 10 }), true);
    assert.equal(await holds("n IN (:a, :b)", { ":a": 1, ":b": 2 }), false);
    assert.equal(await holds("begins_with(s, :p) AND contains(tags, :t)", { ":p": "ab", ":t": "b" }), true);
    assert.equal(await holds("size(l) = :two AND l[1].c = :d", { ":two": 2, ":d": "deep" }), true);
    assert.equal(await holds("attribute_type(#m, :t) AND #m.k = :one", { ":t": "M", ":one": 1 }, { "#m": "m" }), true);
    assert.equal(await holds("n = :v OR s = :v AND n = :v", { ":v": 10 }), true); // AND binds tighter
    assert.equal(await holds("(n = :v OR s = :v) AND s = :v", { ":v": 10 }), false);
    assert.equal(await holds("NOT n = :v AND s = :s", { ":v": 10, ":s": "abc" }), false);
    assert.equal(await holds("gone <> :v", { ":v": 1 }), true);
  });

  it("returns the old item with ReturnValuesOnConditionCheckFailure ALL_OLD", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    const old = { pk: { S: pk }, v: { N: "1" }, l: { L: [{ S: "x" }] } };
    await client.send(new PutItemCommand({ TableName: table, Item: old }));
    for (const command of [
      new PutItemCommand({
        TableName: table, Item: { pk: { S: pk }, v: { N: "5" } }, ConditionExpression: "v = :two",
        ExpressionAttributeValues: { ":two": { N: "2" } }, ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
      new UpdateItemCommand({
        TableName: table, Key: { pk: { S: pk } }, UpdateExpression: "SET v = :two", ConditionExpression: "v = :two",
        ExpressionAttributeValues: { ":two": { N: "2" } }, ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    ]) {
      await assert.rejects(client.send(command), (err) => {
        assert.equal(err.name, "ConditionalCheckFailedException");
        assert.equal(err.message, CCF_MESSAGE);
        assert.deepEqual(err.Item, old);
        return true;
      });
    }
    await assert.rejects(client.send(new PutItemCommand({
      TableName: table, Item: old, ConditionExpression: "attribute_not_exists(pk)",
      ReturnValuesOnConditionCheckFailure: "NONE",
    })), (err) => {
      assert.equal(err.name, "ConditionalCheckFailedException");
      assert.equal(err.Item, undefined);
      return true;
    });
  });

  it("applies SET, REMOVE, ADD and DELETE in one UpdateExpression", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    await doc.send(new PutCommand({ TableName: table, Item: { pk, b: 1, c: 1, d: new Set(["x", "y"]) } }));
    const res = await doc.send(new UpdateCommand({
      TableName: table, Key: { pk },
      UpdateExpression: "SET a = :a REMOVE b ADD c :c DELETE d :d",
      ExpressionAttributeValues: { ":a": "A", ":c": 2, ":d": new Set(["x"]) },
      ReturnValues: "ALL_NEW",
    }));
    assert.deepEqual(res.Attributes, { pk, a: "A", c: 3, d: new Set(["y"]) });
  });

  it("creates a missing item and counts with if_not_exists", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    for (let i = 0; i < 3; i++) {
      await doc.send(new UpdateCommand({
        TableName: table, Key: { pk }, UpdateExpression: "SET c = if_not_exists(c, :zero) + :one",
        ExpressionAttributeValues: { ":zero": 0, ":one": 1 },
      }));
    }
    assert.deepEqual(await getDoc(pk), { pk, c: 3 });
  });

  it("appends, prepends and removes list elements", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    await doc.send(new PutCommand({ TableName: table, Item: { pk, l: ["b", "c"] } }));
    await doc.send(new UpdateCommand({
      TableName: table, Key: { pk }, UpdateExpression: "SET l = list_append(:f, list_append(l, :e))",
      ExpressionAttributeValues: { ":f": ["a"], ":e": ["d", "e"] },
    }));
    assert.deepEqual((await getDoc(pk)).l, ["a", "b", "c", "d", "e"]);
    await doc.send(new UpdateCommand({ TableName: table, Key: { pk }, UpdateExpression: "REMOVE l[0], l[2]" }));
    assert.deepEqual((await getDoc(pk)).l, ["b", "d", "e"]);
  });

  it("returns only the updated fragment with UPDATED_NEW / UPDATED_OLD", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    await doc.send(new PutCommand({ TableName: table, Item: { pk, m: { x: 1, y: 2 }, a: 1 } }));
    const set = (ReturnValues) => doc.send(new UpdateCommand({
      TableName: table, Key: { pk }, UpdateExpression: "SET m.x = m.x + :one", ExpressionAttributeValues: { ":one": 1 },
      ReturnValues,
    }));
    assert.deepEqual((await set("UPDATED_OLD")).Attributes, { m: { x: 1 } });
    assert.deepEqual((await set("UPDATED_NEW")).Attributes, { m: { x: 3 } });
    const removed = await doc.send(new UpdateCommand({
      TableName: table, Key: { pk }, UpdateExpression: "REMOVE a", ReturnValues: "UPDATED_NEW",
    }));
    assert.equal(removed.Attributes, undefined);
  });

  it("projects list elements compacted and nested map members", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    await doc.send(new PutCommand({
      TableName: table, Item: { pk, l: ["l0", "l1", "l2", "l3"], a: { b: [0, 1, { c: "deep", d: "x" }] } },
    }));
    assert.deepEqual(await getDoc(pk, { ProjectionExpression: "l[1], l[3]" }), { l: ["l1", "l3"] });
    assert.deepEqual(await getDoc(pk, { ProjectionExpression: "a.b[2].c, #l[0]", ExpressionAttributeNames: { "#l": "l" } }),
      { a: { b: [{ c: "deep" }] }, l: ["l0"] });
  });

  it("does exact decimal arithmetic", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    const key = { pk: { S: pk } };
    await client.send(new PutItemCommand({ TableName: table, Item: { ...key, n: { N: "12345678901234567890.123" } } }));
    const res = await client.send(new UpdateItemCommand({
      TableName: table, Key: key, UpdateExpression: "SET n = n + :v", ExpressionAttributeValues: { ":v": { N: "0.877" } },
      ReturnValues: "UPDATED_NEW",
    }));
    assert.deepEqual(res.Attributes, { n: { N: "12345678901234567891" } });
    for (let i = 0; i < 10; i++) {
      await client.send(new UpdateItemCommand({
        TableName: table, Key: key, UpdateExpression: "ADD t :v", ExpressionAttributeValues: { ":v": { N: "0.1" } },
      }));
    }
    const got = await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    assert.deepEqual(got.Item.t, { N: "1" });
  });

  it("serialises concurrent increments", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    await doc.send(new PutCommand({ TableName: table, Item: { pk, c: 0 } }));
    const one = () => doc.send(new UpdateCommand({
      TableName: table, Key: { pk }, UpdateExpression: "SET #c = #c + :one",
      ExpressionAttributeNames: { "#c": "c" }, ExpressionAttributeValues: { ":one": 1 },
    }));
    await Promise.all(Array.from({ length: 8 }, async () => { for (let i = 0; i < 25; i++) await one(); }));
    assert.deepEqual(await getDoc(pk), { pk, c: 200 });
  });

  it("reports expression errors with the service's messages", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    await doc.send(new PutCommand({ TableName: table, Item: { pk, s: "text", n: 1 } }));
    const upd = (UpdateExpression, ExpressionAttributeValues, ExpressionAttributeNames) =>
      doc.send(new UpdateCommand({ TableName: table, Key: { pk }, UpdateExpression, ExpressionAttributeValues, ExpressionAttributeNames }));
    await rejectsWith(upd("ADD hits : incr", { ":incr": 1 }), "ValidationException",
      'Invalid UpdateExpression: Syntax error; token: ":", near: "hits : incr"');
    await rejectsWith(upd("SET status = :v", { ":v": 1 }), "ValidationException",
      "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status");
    await rejectsWith(upd("SET a = :v", { ":v": 1, ":unused": 2 }), "ValidationException",
      "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}");
    await rejectsWith(upd("SET a = :nope"), "ValidationException",
      "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope");
    await rejectsWith(upd("SET #a = :v", { ":v": 1 }, { "#a": "a", "#b": "b" }), "ValidationException",
      "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}");
    await rejectsWith(upd("SET pk = :v", { ":v": "x" }), "ValidationException",
      "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key");
    await rejectsWith(upd("SET a = :v, a = :v", { ":v": 1 }), "ValidationException",
      "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]");
    await rejectsWith(upd("SET s = s + :one", { ":one": 1 }), "ValidationException",
      "An operand in the update expression has an incorrect data type");
    await rejectsWith(upd("SET x = gone + :one", { ":one": 1 }), "ValidationException",
      "The provided expression refers to an attribute that does not exist in the item");
    await rejectsWith(upd("SET gone.x = :one", { ":one": 1 }), "ValidationException",
      "The document path provided in the update expression is invalid for update");
    await rejectsWith(upd("SET l = list_append(l, :m)", { ":m": { a: 1 } }), "ValidationException",
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: M");
    assert.deepEqual(await getDoc(pk), { pk, s: "text", n: 1 });
  });

  it("supports the legacy Expected, AttributeUpdates and AttributesToGet", async () => {
    const { client, doc, table } = suite;
    const pk = randomUUID();
    const key = { pk: { S: pk } };
    await client.send(new PutItemCommand({
      TableName: table, Item: { ...key, n: { N: "5" } }, Expected: { pk: { Exists: false } },
    }));
    await rejectsWith(client.send(new PutItemCommand({
      TableName: table, Item: key, Expected: { n: { ComparisonOperator: "GT", AttributeValueList: [{ N: "5" }] } },
    })), "ConditionalCheckFailedException", CCF_MESSAGE);
    await client.send(new UpdateItemCommand({
      TableName: table, Key: key,
      AttributeUpdates: { n: { Action: "ADD", Value: { N: "2" } }, s: { Action: "PUT", Value: { S: "x" } } },
      Expected: { n: { ComparisonOperator: "BETWEEN", AttributeValueList: [{ N: "1" }, { N: "9" }] }, gone: { Exists: false } },
      ConditionalOperator: "AND",
    }));
    const got = await client.send(new GetItemCommand({ TableName: table, Key: key, AttributesToGet: ["n", "s"] }));
    assert.deepEqual(got.Item, { n: { N: "7" }, s: { S: "x" } });
    await rejectsWith(client.send(new GetItemCommand({
      TableName: table, Key: key, AttributesToGet: ["n"], ProjectionExpression: "s",
    })), "ValidationException",
    "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}");
  });
});
