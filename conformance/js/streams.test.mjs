// DynamoDB Streams with the AWS SDK for JavaScript v3 (@aws-sdk/client-dynamodb-streams): a
// workload of puts, updates and deletes over a table whose partitions split, read back from
// TRIM_HORIZON, parents' shards before their children's.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { createHashTable, credentials, makeClient, REGION, startDdbd, uniqueTableName } from "./server.mjs";

describe("streams (JS SDK v3)", () => {
  let server;
  let client;
  let streams;
  const table = uniqueTableName("js-strm");

  before(async () => {
    if (process.env.DDB_ENDPOINT) {
      server = { endpoint: process.env.DDB_ENDPOINT, stop: async () => {} };
    } else {
      // Small partitions, so that they split during the workload.
      server = await startDdbd({ extraArgs: ["--partition-split-bytes", "8000"] });
    }
    client = makeClient(server.endpoint);
    streams = new DynamoDBStreamsClient({
      endpoint: process.env.DDB_STREAMS_ENDPOINT || server.endpoint, region: REGION,
      credentials: credentials(), maxAttempts: 1,
    });
    await createHashTable(client, table, {
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    });
  });

  after(async () => {
    client?.destroy();
    streams?.destroy();
    await server?.stop();
  });

  it("reads every write once, in order per key, across partition splits", async () => {
    const expected = new Map();
    const state = new Map();
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 2000; i++) {
      const key = `k${Math.floor(random() * 150)}`;
      const old = state.get(key) ?? null;
      const op = random();
      let next;
      if (op < 0.15 && old) {
        await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: key } } }));
        next = null;
      } else if (op < 0.45 && old) {
        await client.send(new UpdateItemCommand({
          TableName: table, Key: { pk: { S: key } }, UpdateExpression: "SET v = :v",
          ExpressionAttributeValues: { ":v": { N: String(i) } },
        }));
        next = { ...old, v: { N: String(i) } };
      } else {
        next = { pk: { S: key }, v: { N: String(i) }, pad: { S: "x".repeat(300) } };
        await client.send(new PutItemCommand({ TableName: table, Item: next }));
      }
      if (!expected.has(key)) expected.set(key, []);
      expected.get(key).push([old, next]);
      state.set(key, next);
    }

    const listed = await streams.send(new ListStreamsCommand({ TableName: table }));
    const arn = listed.Streams[0].StreamArn;
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    const shards = StreamDescription.Shards;
    assert.ok(shards.some((s) => s.ParentShardId), "no partition split happened");
    const done = new Set();
    const got = new Map();
    let total = 0;
    while (done.size < shards.length) {
      for (const shard of shards) {
        if (done.has(shard.ShardId)) continue;
        if (shard.ParentShardId && !done.has(shard.ParentShardId) &&
            shards.some((s) => s.ShardId === shard.ParentShardId)) continue;
        let iterator = (await streams.send(new GetShardIteratorCommand({
          StreamArn: arn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON",
        }))).ShardIterator;
        while (iterator) {
          const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
          for (const record of page.Records) {
            const key = record.dynamodb.Keys.pk.S;
            if (!got.has(key)) got.set(key, []);
            got.get(key).push([record.dynamodb.OldImage ?? null, record.dynamodb.NewImage ?? null]);
            total++;
          }
          if (page.Records.length === 0 && !shard.SequenceNumberRange.EndingSequenceNumber) break;
          iterator = page.NextShardIterator;
        }
        done.add(shard.ShardId);
      }
    }
    assert.equal(total, 2000);
    assert.deepEqual(got, expected);
  });
});
