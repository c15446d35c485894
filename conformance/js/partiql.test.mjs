// PartiQL with the AWS SDK for JavaScript v3: ExecuteStatementCommand (client-dynamodb) and
// lib-dynamodb's ExecuteStatement / BatchExecuteStatement / ExecuteTransaction commands with
// native values as parameters.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ExecuteStatementCommand } from "@aws-sdk/client-dynamodb";
import {
  BatchExecuteStatementCommand,
  ExecuteStatementCommand as DocExecuteStatementCommand,
  ExecuteTransactionCommand,
} from "@aws-sdk/lib-dynamodb";
import { hashTableSuite } from "./server.mjs";

describe("PartiQL (JS SDK v3)", () => {
  const suite = hashTableSuite("js-pql");

  it("inserts, selects, updates and deletes with ExecuteStatementCommand", async () => {
    const { client, table } = suite;
    const pk = randomUUID();
    await client.send(new ExecuteStatementCommand({
      Statement: `INSERT INTO "${table}" VALUE {'pk': ?, 'n': 1, 'tags': <<'a'>>}`,
      Parameters: [{ S: pk }],
    }));
    let got = await client.send(new ExecuteStatementCommand({
      Statement: `SELECT * FROM "${table}" WHERE pk = ?`, Parameters: [{ S: pk }],
    }));
    assert.deepEqual(got.Items, [{ pk: { S: pk }, n: { N: "1" }, tags: { SS: ["a"] } }]);
    got = await client.send(new ExecuteStatementCommand({
      Statement: `UPDATE "${table}" SET n = n + 1 WHERE pk = ? RETURNING MODIFIED NEW *`,
      Parameters: [{ S: pk }],
    }));
    assert.deepEqual(got.Items, [{ n: { N: "2" } }]);
    await assert.rejects(
      client.send(new ExecuteStatementCommand({
        Statement: `INSERT INTO "${table}" VALUE {'pk': ?}`, Parameters: [{ S: pk }],
      })),
      (err) => err.name === "DuplicateItemException",
    );
    await client.send(new ExecuteStatementCommand({
      Statement: `DELETE FROM "${table}" WHERE pk = ?`, Parameters: [{ S: pk }],
    }));
    got = await client.send(new ExecuteStatementCommand({
      Statement: `SELECT * FROM "${table}" WHERE pk = ?`, Parameters: [{ S: pk }],
    }));
    assert.deepEqual(got.Items, []);
  });

  it("takes native values through lib-dynamodb", async () => {
    const { doc, table } = suite;
    const pk = randomUUID();
    await doc.send(new DocExecuteStatementCommand({
      Statement: `INSERT INTO "${table}" VALUE {'pk': ?, 'doc': ?}`,
      Parameters: [pk, { list: [1, "two", true, null], nested: { x: 1.5 } }],
    }));
    const got = await doc.send(new DocExecuteStatementCommand({
      Statement: `SELECT doc FROM "${table}" WHERE pk = ?`, Parameters: [pk],
    }));
    assert.deepEqual(got.Items, [{ doc: { list: [1, "two", true, null], nested: { x: 1.5 } } }]);
  });

  it("runs batches and transactions", async () => {
    const { doc, table } = suite;
    const a = randomUUID();
    const b = randomUUID();
    await doc.send(new ExecuteTransactionCommand({
      TransactStatements: [
        { Statement: `INSERT INTO "${table}" VALUE {'pk': ?, 'bal': ?}`, Parameters: [a, 100] },
        { Statement: `INSERT INTO "${table}" VALUE {'pk': ?, 'bal': ?}`, Parameters: [b, 0] },
      ],
    }));
    await assert.rejects(
      doc.send(new ExecuteTransactionCommand({
        TransactStatements: [
          { Statement: `UPDATE "${table}" SET bal = bal - 500 WHERE pk = ? AND bal >= 500`, Parameters: [a] },
          { Statement: `UPDATE "${table}" SET bal = bal + 500 WHERE pk = ?`, Parameters: [b] },
        ],
      })),
      (err) => err.name === "TransactionCanceledException" &&
        err.CancellationReasons.map((r) => r.Code).join() === "ConditionalCheckFailed,None",
    );
    const reads = await doc.send(new BatchExecuteStatementCommand({
      Statements: [
        { Statement: `SELECT bal FROM "${table}" WHERE pk = ?`, Parameters: [a] },
        { Statement: `SELECT bal FROM "${table}" WHERE pk = ?`, Parameters: [b] },
      ],
    }));
    assert.deepEqual(reads.Responses.map((r) => r.Item?.bal), [100, 0]);
    const writes = await doc.send(new BatchExecuteStatementCommand({
      Statements: [{ Statement: `INSERT INTO "${table}" VALUE {'pk': ?}`, Parameters: [a] }],
    }));
    assert.equal(writes.Responses[0].Error.Code, "DuplicateItem");
  });
});
