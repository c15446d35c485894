// Endpoint for the JS conformance tests.
//
// With DDB_ENDPOINT set, the tests talk to that endpoint. Otherwise a ddbd is
// started for the test file: $DDBD_BIN or <repo>/build/release/ddbd, on a free
// port on 127.0.0.1 with a temporary --data-dir; it is stopped with SIGTERM
// (SIGKILL after 5 s) when the file's tests are done.

import { spawn } from "node:child_process";
import { after, before } from "node:test";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REGION = "us-east-1";

export function ddbdBinary() {
  return process.env.DDBD_BIN || path.resolve(here, "..", "..", "build", "release", "ddbd");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startDdbd({ extraArgs = [], timeoutMs = 10000 } = {}) {
  const binary = ddbdBinary();
  if (!fs.existsSync(binary)) {
    throw new Error(`ddbd binary not found at ${binary}; build it, set DDBD_BIN, or set DDB_ENDPOINT`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ddbd-conf-js-"));
  const port = await freePort();
  const logPath = path.join(dataDir, "..", `${path.basename(dataDir)}.log`);
  const log = fs.openSync(logPath, "w");
  const child = spawn(
    binary,
    // SDK-level behaviour is tested here; capacity is metered but not enforced.
    ["--port", String(port), "--bind", "127.0.0.1", "--data-dir", dataDir, "--no-throttling", ...extraArgs],
    { stdio: ["ignore", log, log] },
  );
  fs.closeSync(log);
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on("exit", (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));
  const endpoint = `http://127.0.0.1:${port}`;
  const readLog = () => { try { return fs.readFileSync(logPath, "utf8"); } catch { return ""; } };

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = sleep(5000).then(() => "timeout");
      if ((await Promise.race([exitPromise, timer])) === "timeout") {
        child.kill("SIGKILL");
        await exitPromise;
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(logPath, { force: true });
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`ddbd exited (${JSON.stringify(exited)}) during start-up; log:\n${readLog()}`);
    }
    try {
      const res = await fetch(`${endpoint}/health`);
      if (res.status === 200) return { endpoint, stop };
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  await stop();
  throw new Error(`ddbd did not answer GET /health within ${timeoutMs} ms; log:\n${readLog()}`);
}

// { endpoint, stop } for DDB_ENDPOINT or a freshly started ddbd.
export async function getEndpoint() {
  if (process.env.DDB_ENDPOINT) {
    return { endpoint: process.env.DDB_ENDPOINT.replace(/\/+$/, ""), stop: async () => {} };
  }
  return startDdbd();
}

export function credentials() {
  if (process.env.DDB_ENDPOINT && process.env.AWS_ACCESS_KEY_ID) {
    return {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID,
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || "",
      sessionToken: process.env.AWS_SESSION_TOKEN,
    };
  }
  return { accessKeyId: "AKIDDDBDCONFORMANCE1", secretAccessKey: "ddbd-conformance-secret-key" };
}

export function makeClient(endpoint) {
  // maxAttempts 1: no retries, a failure must not be hidden.
  return new DynamoDBClient({ endpoint, region: REGION, credentials: credentials(), maxAttempts: 1 });
}

export function uniqueTableName(tag = "js") {
  return `ddbd-conf-${tag}-${Math.random().toString(16).slice(2, 10)}${Date.now().toString(16)}`;
}

// Creates an on-demand table with a string hash key `pk` (and whatever `extra` adds) and waits
// until it is ACTIVE.
export async function createHashTable(client, table, extra = {}) {
  await client.send(new CreateTableCommand({
    TableName: table,
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    BillingMode: "PAY_PER_REQUEST",
    ...extra,
  }));
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1 }, { TableName: table });
}

export async function deleteTableQuietly(client, table) {
  try { await client?.send(new DeleteTableCommand({ TableName: table })); } catch { /* gone */ }
}

// The endpoint, a client, a DocumentClient (made with `docOptions`) and a table with hash key
// `pk` for the tests of one describe block: set up in before(), removed in after(). The fields
// of the returned object are filled in by before().
export function hashTableSuite(tag, docOptions) {
  const suite = { table: uniqueTableName(tag) };
  before(async () => {
    suite.server = await getEndpoint();
    suite.client = makeClient(suite.server.endpoint);
    suite.doc = DynamoDBDocumentClient.from(suite.client, docOptions);
    await createHashTable(suite.client, suite.table);
  });
  after(async () => {
    await deleteTableQuietly(suite.client, suite.table);
    suite.client?.destroy();
    await suite.server?.stop();
  });
  return suite;
}
