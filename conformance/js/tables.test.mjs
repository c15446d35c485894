// Table lifecycle with the AWS SDK for JavaScript v3 (DynamoDBClient).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ListTablesCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";
import { getEndpoint, makeClient, uniqueTableName } from "./server.mjs";

describe("tables (JS SDK v3)", () => {
  let server;
  let client;
  const leftovers = [];

  before(async () => {
    server = await getEndpoint();
    client = makeClient(server.endpoint);
  });

  after(async () => {
    for (const name of leftovers) {
      try { await client.send(new DeleteTableCommand({ TableName: name })); } catch { /* already gone */ }
    }
    client?.destroy();
    await server?.stop();
  });

  it("creates, describes, lists and deletes a table", async () => {
    const name = uniqueTableName("js-table");
    leftovers.push(name);
    const keySchema = [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ];
    const created = await client.send(new CreateTableCommand({
      TableName: name,
      KeySchema: keySchema,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "N" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }));
    const desc = created.TableDescription;
    assert.equal(desc.TableName, name);
    assert.match(desc.TableArn, new RegExp(`^arn:aws:dynamodb:us-east-1:\\d{12}:table/${name}$`));
    assert.match(desc.TableId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.ok(["CREATING", "ACTIVE"].includes(desc.TableStatus), desc.TableStatus);
    assert.ok(desc.CreationDateTime instanceof Date);
    assert.deepEqual(desc.KeySchema, keySchema);
    assert.equal(desc.BillingModeSummary.BillingMode, "PAY_PER_REQUEST");
    assert.deepEqual(desc.ProvisionedThroughput, {
      NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0,
    });

    await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1 }, { TableName: name });
    const described = (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
    assert.equal(described.TableStatus, "ACTIVE");
    assert.equal(described.TableArn, desc.TableArn);
    assert.equal(described.ItemCount, 0);

    const listed = await client.send(new ListTablesCommand({ ExclusiveStartTableName: name.slice(0, -1) }));
    assert.ok(listed.TableNames.includes(name));

    const deleted = await client.send(new DeleteTableCommand({ TableName: name }));
    assert.equal(deleted.TableDescription.TableName, name);
    assert.equal(deleted.TableDescription.TableStatus, "DELETING");
    await waitUntilTableNotExists({ client, maxWaitTime: 120, minDelay: 1 }, { TableName: name });

    await assert.rejects(
      client.send(new DescribeTableCommand({ TableName: name })),
      (err) => {
        assert.equal(err.name, "ResourceNotFoundException");
        assert.equal(err.message, `Requested resource not found: Table: ${name} not found`);
        assert.equal(err.$metadata.httpStatusCode, 400);
        return true;
      },
    );
  });

  it("rejects creating an existing table", async () => {
    const name = uniqueTableName("js-dup");
    leftovers.push(name);
    const input = {
      TableName: name,
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
    };
    await client.send(new CreateTableCommand(input));
    await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1 }, { TableName: name });
    await assert.rejects(client.send(new CreateTableCommand(input)), (err) => {
      assert.equal(err.name, "ResourceInUseException");
      assert.equal(err.message, `Table already exists: ${name}`);
      return true;
    });
  });

  it("rejects an invalid table name with a ValidationException", async () => {
    const name = "no spaces allowed";
    await assert.rejects(
      client.send(new CreateTableCommand({
        TableName: name,
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      })),
      (err) => {
        assert.equal(err.name, "ValidationException");
        assert.equal(err.message,
          `1 validation error detected: Value '${name}' at 'tableName' failed to satisfy constraint: ` +
          "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        assert.equal(err.$metadata.httpStatusCode, 400);
        return true;
      },
    );
  });
});
