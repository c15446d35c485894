// The JS SDK as a web page uses it: every request carries an Origin header, and the browser
// first sends a CORS preflight (OPTIONS) naming the headers the SDK will send. The answers must
// let a browser go on: Access-Control-Allow-Origin on both, the preflight allowing POST and
// every requested header, and the SDK's response headers exposed to it.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  createHashTable, deleteTableQuietly, getEndpoint, makeClient, uniqueTableName,
} from "./server.mjs";

const ORIGIN = "http://app.example:3000";

describe("browser-like CORS requests (JS SDK v3)", () => {
  let server;
  let client;
  const table = uniqueTableName("js-cors");
  const sent = [];      // the header names of each request the SDK sent
  const answers = [];   // the headers of each response

  before(async () => {
    server = await getEndpoint();
    client = makeClient(server.endpoint);
    client.middlewareStack.add((next) => async (args) => {
      args.request.headers.origin = ORIGIN;  // what a browser adds
      sent.push(Object.keys(args.request.headers).map((h) => h.toLowerCase()));
      const result = await next(args);
      answers.push(result.response.headers);
      return result;
    }, { step: "finalizeRequest", name: "browserOrigin", priority: "low" });
    await createHashTable(client, table);
  });

  after(async () => {
    await deleteTableQuietly(client, table);
    client?.destroy();
    await server?.stop();
  });

  it("answers the preflight for the SDK's headers and the requests with CORS headers", async () => {
    await client.send(new PutItemCommand({
      TableName: table, Item: { pk: { S: "k" }, v: { S: "hello" } },
    }));
    const got = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "k" } } }));
    assert.equal(got.Item.v.S, "hello");
    const last = answers[answers.length - 1];
    assert.equal(last["access-control-allow-origin"], "*");
    const exposed = last["access-control-expose-headers"].toLowerCase().split(",");
    for (const h of ["x-amzn-requestid", "x-amz-crc32"]) assert.ok(exposed.includes(h), h);

    // The preflight a browser sends before that request (simple headers are not listed).
    const simple = new Set(["host", "content-length", "origin", "accept", "user-agent"]);
    const requested = sent[sent.length - 1].filter((h) => !simple.has(h)).sort().join(",");
    assert.ok(requested.includes("x-amz-target") && requested.includes("authorization"), requested);
    const preflight = await fetch(`${server.endpoint}/`, {
      method: "OPTIONS",
      headers: {
        Origin: ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": requested,
      },
    });
    assert.equal(preflight.status, 200);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
    assert.ok(preflight.headers.get("access-control-allow-methods").includes("POST"));
    const allowed = preflight.headers.get("access-control-allow-headers").toLowerCase().split(",");
    for (const h of requested.split(",")) assert.ok(allowed.includes(h), `${h} not allowed`);
  });
});
