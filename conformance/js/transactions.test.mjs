// Transactions with the AWS SDK for JavaScript v3: TransactWriteItems / TransactGetItems, the
// cancellation reasons as the SDK parses them, and the DocumentClient's transact commands.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { TransactGetItemsCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { TransactGetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { hashTableSuite, uniqueTableName } from "./server.mjs";

describe("transactions (JS SDK v3)", () => {
  const suite = hashTableSuite("js-txn");

  it("moves money between items with the DocumentClient", async () => {
    const { client, doc, table } = suite;
    const a = randomUUID();
    const b = randomUUID();
    await doc.send(new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: table, Item: { pk: a, bal: 100 } } },
        { Put: { TableName: table, Item: { pk: b, bal: 0 } } },
      ],
    }));
    await doc.send(new TransactWriteCommand({
      TransactItems: [
        { Update: { TableName: table, Key: { pk: a }, UpdateExpression: "SET bal = bal - :x",
          ConditionExpression: "bal >= :x", ExpressionAttributeValues: { ":x": 30 } } },
        { Update: { TableName: table, Key: { pk: b }, UpdateExpression: "SET bal = bal + :x",
          ExpressionAttributeValues: { ":x": 30 } } },
      ],
    }));
    const got = await doc.send(new TransactGetCommand({
      TransactItems: [
        { Get: { TableName: table, Key: { pk: a } } },
        { Get: { TableName: table, Key: { pk: b } } },
        { Get: { TableName: table, Key: { pk: randomUUID() } } },
      ],
    }));
    assert.deepEqual(got.Responses.map((r) => r.Item?.bal), [70, 30, undefined]);
  });

  it("exposes CancellationReasons with the old item", async () => {
    const { client, doc, table } = suite;
    const a = randomUUID();
    await doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: { pk: a, bal: 5 } } }] }));
    await assert.rejects(
      client.send(new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: { S: randomUUID() } } } },
          { ConditionCheck: { TableName: table, Key: { pk: { S: a } }, ConditionExpression: "bal > :min",
            ExpressionAttributeValues: { ":min": { N: "10" } }, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
        ],
      })),
      (err) => {
        assert.equal(err.name, "TransactionCanceledException");
        assert.equal(err.message,
          "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]");
        assert.equal(err.CancellationReasons.length, 2);
        assert.equal(err.CancellationReasons[0].Code, "None");
        assert.equal(err.CancellationReasons[0].Message, undefined);
        assert.equal(err.CancellationReasons[1].Code, "ConditionalCheckFailed");
        assert.equal(err.CancellationReasons[1].Message, "The conditional request failed");
        assert.deepEqual(err.CancellationReasons[1].Item, { pk: { S: a }, bal: { N: "5" } });
        return true;
      });
  });

  it("rejects two actions on one item", async () => {
    const { client, doc, table } = suite;
    const a = randomUUID();
    await assert.rejects(
      client.send(new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: { S: a } } } },
          { Delete: { TableName: table, Key: { pk: { S: a } } } },
        ],
      })),
      (err) => {
        assert.equal(err.name, "ValidationException");
        assert.equal(err.message, "Transaction request cannot include multiple operations on one item");
        return true;
      });
  });

  it("applies a repeated ClientRequestToken once", async () => {
    const { client, doc, table } = suite;
    const a = randomUUID();
    const input = {
      ClientRequestToken: randomUUID(),
      TransactItems: [{ Update: { TableName: table, Key: { pk: { S: a } }, UpdateExpression: "ADD n :one",
        ExpressionAttributeValues: { ":one": { N: "1" } } } }],
    };
    await client.send(new TransactWriteItemsCommand(input));
    await client.send(new TransactWriteItemsCommand(input));
    const got = await client.send(new TransactGetItemsCommand({
      TransactItems: [{ Get: { TableName: table, Key: { pk: { S: a } } } }],
      ReturnConsumedCapacity: "TOTAL",
    }));
    assert.equal(got.Responses[0].Item.n.N, "1");
    assert.deepEqual(got.ConsumedCapacity, [{ TableName: table, CapacityUnits: 2, ReadCapacityUnits: 2 }]);
    await assert.rejects(
      client.send(new TransactWriteItemsCommand({ ...input, TransactItems: [
        { Delete: { TableName: table, Key: { pk: { S: a } } } }] })),
      (err) => err.name === "IdempotentParameterMismatchException");
  });

  it("cancels with ValidationError for a key that does not match the schema", async () => {
    const { client, doc, table } = suite;
    await assert.rejects(
      client.send(new TransactWriteItemsCommand({
        TransactItems: [
          { Delete: { TableName: table, Key: { pk: { S: randomUUID() } } } },
          { Put: { TableName: table, Item: { pk: { N: "1" } } } },
        ],
      })),
      (err) => {
        assert.equal(err.name, "TransactionCanceledException");
        assert.deepEqual(err.CancellationReasons.map((r) => [r.Code, r.Message]), [
          ["None", undefined],
          ["ValidationError", "The provided key element does not match the schema"],
        ]);
        return true;
      });
  });

  it("rejects a table that does not exist, and more than 100 actions", async () => {
    const { client, doc, table } = suite;
    await assert.rejects(
      client.send(new TransactGetItemsCommand({
        TransactItems: [{ Get: { TableName: uniqueTableName("absent"), Key: { pk: { S: "x" } } } }],
      })),
      (err) => err.name === "ResourceNotFoundException" && err.message === "Requested resource not found");
    const many = Array.from({ length: 101 }, (_, i) => ({ Put: { TableName: table, Item: { pk: { S: `k${i}` } } } }));
    await assert.rejects(client.send(new TransactWriteItemsCommand({ TransactItems: many })), (err) => {
      assert.equal(err.name, "ValidationException");
      assert.match(err.message, /^1 validation error detected: Value '.*' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100$/s);
      return true;
    });
  });

  it("reads missing items and empty projections as empty slots", async () => {
    const { client, doc, table } = suite;
    const a = randomUUID();
    await doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: { pk: a, x: 1, y: 2 } } }] }));
    const got = await client.send(new TransactGetItemsCommand({
      TransactItems: [
        { Get: { TableName: table, Key: { pk: { S: a } }, ProjectionExpression: "y" } },
        { Get: { TableName: table, Key: { pk: { S: randomUUID() } } } },
        { Get: { TableName: table, Key: { pk: { S: a + "z" } }, ProjectionExpression: "y" } },
      ],
    }));
    assert.deepEqual(got.Responses, [{ Item: { y: { N: "2" } } }, {}, {}]);
  });
});
