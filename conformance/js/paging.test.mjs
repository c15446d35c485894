// Paging with the AWS SDK for JavaScript v3: paginateQuery / paginateScan
// (client-dynamodb) and the document client's paginators (lib-dynamodb) over
// 3,000 items of about 1 KB in one partition, parallel scan segments, and
// BatchWriteItem / BatchGetItem round trips.
//
// Facts: a page stops after about 1 MB of items (900-1100 items of ~1 KB);
// every page but the last carries LastEvaluatedKey, the key of its last item;
// a Query returns its partition in sort-key order (reversed with
// ScanIndexForward=false); the segments of a parallel scan are disjoint and
// together hold every item.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  PutItemCommand,
  paginateQuery,
  paginateScan,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  paginateQuery as paginateQueryDoc,
  paginateScan as paginateScanDoc,
} from "@aws-sdk/lib-dynamodb";
import { getEndpoint, makeClient, uniqueTableName } from "./server.mjs";

const ITEMS = 3000;
const FILLER = "x".repeat(990);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// BatchWriteItem in chunks of 25, resending UnprocessedItems; PutItem if the
// endpoint does not implement BatchWriteItem.
async function writeAll(client, table, items) {
  for (let i = 0; i < items.length; i += 25) {
    let pending = { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
    let delay = 50;
    while (Object.keys(pending).length > 0) {
      try {
        const res = await client.send(new BatchWriteItemCommand({ RequestItems: pending }));
        pending = res.UnprocessedItems ?? {};
      } catch (err) {
        if (err.name === "UnknownOperationException") {
          for (const item of items.slice(i)) await client.send(new PutItemCommand({ TableName: table, Item: item }));
          return;
        }
        if (err.name !== "ProvisionedThroughputExceededException" && err.name !== "ThrottlingException") throw err;
      }
      if (Object.keys(pending).length > 0) {
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  }
}

async function collect(paginator) {
  const pages = [];
  for await (const page of paginator) pages.push(page);
  return pages;
}

function checkPages(pages, keyOf) {
  assert.ok(pages.length >= 3, `${pages.length} pages`);
  pages.forEach((page, i) => {
    assert.equal(page.Count, page.Items.length);
    assert.equal(page.ScannedCount, page.Count);
    if (i === pages.length - 1) {
      assert.equal(page.LastEvaluatedKey, undefined, "the last page has no LastEvaluatedKey");
      assert.ok(page.ScannedCount <= 1100);
      return;
    }
    assert.ok(page.LastEvaluatedKey, `page ${i} has no LastEvaluatedKey`);
    assert.ok(page.ScannedCount >= 900 && page.ScannedCount <= 1100, `page ${i}: ${page.ScannedCount} items`);
    assert.deepEqual(page.LastEvaluatedKey, keyOf(page.Items[page.Items.length - 1]));
  });
}

describe("paging (JS SDK v3)", () => {
  let server;
  let client;
  let doc;
  const table = uniqueTableName("js-paging");
  const pk = randomUUID();

  before(async () => {
    server = await getEndpoint();
    client = makeClient(server.endpoint);
    doc = DynamoDBDocumentClient.from(client);
    await client.send(new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }],
      BillingMode: "PAY_PER_REQUEST",
    }));
    await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1 }, { TableName: table });
    const items = [];
    for (let i = 0; i < ITEMS; i++) items.push({ pk: { S: pk }, sk: { N: String(i) }, d: { S: FILLER } });
    await writeAll(client, table, items);
  });

  after(async () => {
    try { await client?.send(new DeleteTableCommand({ TableName: table })); } catch { /* gone */ }
    client?.destroy();
    await server?.stop();
  });

  const keyOf = (item) => ({ pk: item.pk, sk: item.sk });
  const queryInput = (extra = {}) => ({
    TableName: table,
    KeyConditionExpression: "pk = :p",
    ExpressionAttributeValues: { ":p": { S: pk } },
    ConsistentRead: true,
    ...extra,
  });

  it("paginateQuery walks every item once, in sort-key order, in 1 MB pages", async () => {
    const pages = await collect(paginateQuery({ client }, queryInput()));
    checkPages(pages, keyOf);
    const sks = pages.flatMap((p) => p.Items.map((item) => Number(item.sk.N)));
    assert.deepEqual(sks, Array.from({ length: ITEMS }, (_, i) => i));
  });

  it("paginateQuery backwards with ScanIndexForward=false", async () => {
    const pages = await collect(paginateQuery({ client }, queryInput({ ScanIndexForward: false })));
    checkPages(pages, keyOf);
    const sks = pages.flatMap((p) => p.Items.map((item) => Number(item.sk.N)));
    assert.deepEqual(sks, Array.from({ length: ITEMS }, (_, i) => ITEMS - 1 - i));
  });

  it("paginateQuery with pageSize sets Limit", async () => {
    const pages = await collect(paginateQuery({ client, pageSize: 700 }, queryInput()));
    // 700 + 700 + 700 + 700 + 200; a page that ends on the Limit carries LastEvaluatedKey.
    assert.deepEqual(pages.map((p) => p.Count), [700, 700, 700, 700, 200]);
    pages.slice(0, -1).forEach((p) => assert.deepEqual(p.LastEvaluatedKey, keyOf(p.Items[p.Items.length - 1])));
    assert.equal(pages[pages.length - 1].LastEvaluatedKey, undefined);
  });

  it("paginateScan walks every item once", async () => {
    const pages = await collect(paginateScan({ client }, { TableName: table, ConsistentRead: true }));
    checkPages(pages, keyOf);
    const sks = pages.flatMap((p) => p.Items.map((item) => Number(item.sk.N))).sort((a, b) => a - b);
    assert.deepEqual(sks, Array.from({ length: ITEMS }, (_, i) => i));
  });

  it("parallel scan: four paginated segments are disjoint and complete", async () => {
    const seen = new Map();
    for (let segment = 0; segment < 4; segment++) {
      const pages = await collect(paginateScan({ client }, {
        TableName: table, Segment: segment, TotalSegments: 4, ConsistentRead: true,
      }));
      assert.equal(pages[pages.length - 1].LastEvaluatedKey, undefined);
      for (const item of pages.flatMap((p) => p.Items)) {
        const key = item.sk.N;
        assert.ok(!seen.has(key), `sk ${key} in segments ${seen.get(key)} and ${segment}`);
        seen.set(key, segment);
      }
    }
    assert.equal(seen.size, ITEMS);
  });

  it("the document client's paginators return native values", async () => {
    const pages = await collect(paginateQueryDoc({ client: doc, pageSize: 1000 }, {
      TableName: table,
      KeyConditionExpression: "pk = :p AND sk >= :lo",
      ExpressionAttributeValues: { ":p": pk, ":lo": 2500 },
      ConsistentRead: true,
    }));
    const sks = pages.flatMap((p) => p.Items.map((item) => item.sk));
    assert.deepEqual(sks, Array.from({ length: 500 }, (_, i) => 2500 + i));
    assert.equal(typeof pages[0].Items[0].d, "string");
    const scanned = await collect(paginateScanDoc({ client: doc }, {
      TableName: table, Select: "COUNT", ConsistentRead: true,
    }));
    assert.equal(scanned.reduce((n, p) => n + p.Count, 0), ITEMS);
    assert.ok(scanned.every((p) => p.Items === undefined), "Select=COUNT has no Items");
  });

  it("BatchWriteItem and BatchGetItem round trip", async () => {
    const other = randomUUID();
    const items = Array.from({ length: 25 }, (_, i) => ({ pk: { S: other }, sk: { N: String(i) }, v: { S: `v${i}` } }));
    const res = await client.send(new BatchWriteItemCommand({
      RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) },
    }));
    assert.deepEqual(res.UnprocessedItems, {});
    const got = await client.send(new BatchGetItemCommand({
      RequestItems: { [table]: { Keys: items.map(keyOf), ConsistentRead: true, ProjectionExpression: "sk, v" } },
    }));
    assert.deepEqual(got.UnprocessedKeys, {});
    const back = got.Responses[table].map((item) => [Number(item.sk.N), item.v.S]).sort((a, b) => a[0] - b[0]);
    assert.deepEqual(back, items.map((item, i) => [i, `v${i}`]));
    await assert.rejects(client.send(new BatchGetItemCommand({
      RequestItems: { [table]: { Keys: [keyOf(items[0]), keyOf(items[0])] } },
    })), (err) => {
      assert.equal(err.name, "ValidationException");
      assert.equal(err.message, "Provided list of item keys contains duplicates");
      return true;
    });
  });
});
