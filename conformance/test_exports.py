"""Exports to S3 (docs/exports.md): ExportTableToPointInTime, DescribeExport and ListExports, and
the files they write, read back here by the formats' published rules (DynamoDB JSON lines and
Amazon Ion text; the AWS Developer Guide's S3DataExport.Output page). Servers write to a
temporary --s3-dir; --test-hooks moves their clock for incremental periods (15 minutes at least).
Messages are the service's (aws-controllers-k8s/dynamodb-controller docs/api-quirks export.md)."""

import base64
import contextlib
import gzip
import hashlib
import http.server
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from decimal import Decimal

import boto3
import botocore.config
import pytest

from conftest import DdbdProcess, free_port
from helpers import N, S, rejected, scan_pages, wait_for

VALIDATION = "ValidationException"


@pytest.fixture
def server():
    with tempfile.TemporaryDirectory(prefix="ddbd-s3-") as s3:
        os.mkdir(os.path.join(s3, "bucket"))
        with DdbdProcess(extra_args=["--test-hooks", "--s3-dir", s3]) as srv:
            srv.s3 = s3
            srv.read_object = lambda bucket, key: open(os.path.join(s3, bucket, key), "rb").read()
            yield srv


S3RVER = os.path.join(os.path.dirname(__file__), "js", "node_modules", "s3rver", "bin",
                      "s3rver.js")


@contextlib.contextmanager
def running_s3rver(port):
    """An S3-compatible server (npm's s3rver, whose key is S3RVER/S3RVER) on the port, with a bucket "bucket"; yields a boto3 S3 client of it."""
    assert os.path.exists(S3RVER), "s3rver is missing: run `npm install` in conformance/js"
    with tempfile.TemporaryDirectory(prefix="s3rver-") as data, \
            tempfile.NamedTemporaryFile(prefix="s3rver-", suffix=".log") as log:
        # Its log has a line for each request it answered, ending "<key>?uploads 200 11ms 195b"
        # (without a terminal, the first 16 characters of the method and path are cut off).
        # s3rver makes ListObjectsV2 continuation tokens with DES: Node 17+ has it only in
        # OpenSSL's legacy provider.
        proc = subprocess.Popen(["node", "--openssl-legacy-provider", S3RVER, "-d", data,
                                 "-a", "127.0.0.1", "-p", str(port),
                                 "--configure-bucket", "bucket"],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            def listening():
                with socket.socket() as s:
                    return s.connect_ex(("127.0.0.1", port)) == 0
            wait_for(listening, timeout=30)
            s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}",
                              region_name="us-east-1", aws_access_key_id="S3RVER",
                              aws_secret_access_key="S3RVER",
                              config=botocore.config.Config(s3={"addressing_style": "path"}))
            wait_for(lambda: s3.list_objects_v2(Bucket="bucket") is not None, timeout=30)
            s3.endpoint = f"http://127.0.0.1:{port}"
            s3.requests = lambda: open(log.name, errors="replace").read()
            yield s3
        finally:
            proc.terminate()
            proc.wait()


@pytest.fixture
def s3rver():
    with running_s3rver(free_port()) as s3:
        yield s3


class SignatureChecker:
    """An HTTP proxy in front of the S3 server that checks each request's SigV4 signature with
    botocore's S3 signer before passing it on (s3rver itself checks only the access key), and
    answers a wrong one with S3's 403 SignatureDoesNotMatch."""

    def __init__(self, target, secret="S3RVER", region="us-east-1"):
        checker = self
        self.target, self.secret, self.region = target, secret, region
        self.checked, self.mismatches = 0, []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def relay(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not checker.check(self.command, self.path, self.headers, body):
                    self.send_response(403)
                    error = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                             b"SignatureDoesNotMatch</Code><Message>The request signature we "
                             b"calculated does not match the signature you provided.</Message>"
                             b"</Error>")
                    self.send_header("Content-Length", str(len(error)))
                    self.end_headers()
                    self.wfile.write(error)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = urllib.request.Request(checker.target + self.path, data=body or None,
                                                headers=headers, method=self.command)
                try:
                    reply = urllib.request.urlopen(answer)
                except urllib.error.HTTPError as e:
                    reply = e
                data = reply.read()
                self.send_response(reply.status if hasattr(reply, "status") else reply.code)
                for k, v in reply.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection",
                                         "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def check(self, method, path, headers, body):
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        self.checked += 1
        match = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, "
                             r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})",
                             headers.get("Authorization", ""))
        problem = None
        if not match:
            problem = "Authorization: " + headers.get("Authorization", "(none)")
        elif headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
            problem = "x-amz-content-sha256 is not the payload's SHA-256"
        else:
            key, day, region, signed, signature = match.groups()
            request = AWSRequest(method=method, url=f"http://{headers['Host']}{path}", data=body,
                                 headers={h: headers[h] for h in signed.split(";")})
            request.context["timestamp"] = headers["x-amz-date"]
            signer = S3SigV4Auth(Credentials(key, self.secret), "s3", self.region)
            expected = signer.signature(
                signer.string_to_sign(request, signer.canonical_request(request)), request)
            if region != self.region or not headers["x-amz-date"].startswith(day):
                problem = "credential scope " + match.group(0)
            elif signature != expected:
                problem = f"signature {signature}, botocore's {expected}"
        if problem:
            self.mismatches.append(f"{method} {path}: {problem}")
        return problem is None

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def s3_server(s3rver):
    """A ddbd whose exports and imports go to the s3rver (through the signature checker), in
    parts of 5 MiB."""
    checker = SignatureChecker(s3rver.endpoint)
    try:
        with DdbdProcess(extra_args=["--test-hooks", "--s3-endpoint", checker.endpoint,
                                     "--s3-credentials", "S3RVER:S3RVER",
                                     "--s3-part-size", str(5 << 20)]) as srv:
            srv.s3 = s3rver
            srv.read_object = lambda bucket, key: s3rver.get_object(Bucket=bucket, Key=key)[
                "Body"].read()
            yield srv
        assert checker.checked > 0 and checker.mismatches == []
    finally:
        checker.close()


def advance(server, seconds):
    urllib.request.urlopen(urllib.request.Request(
        f"{server.endpoint}/test/advance-clock?seconds={seconds}", method="POST")).read()


def make_table(ddb, name, pitr=True):
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}],
                     BillingMode="PAY_PER_REQUEST")
    if pitr:
        ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True})
    return ddb.describe_table(TableName=name)["Table"]["TableArn"]


def rich_item(i):
    return {"pk": S(f"p{i % 97}"), "sk": N(i), "n": N(f"{i}.250"), "neg": N(-i * 1000),
            "s": S(f"text \"{i}\" \\ é\n"), "b": {"B": bytes([i % 256, 0, 255])},
            "bool": {"BOOL": i % 2 == 0}, "null": {"NULL": True},
            "ss": {"SS": ["a", f"b{i}"]}, "ns": {"NS": ["1", "0.5", "-20"]},
            "bs": {"BS": [b"\x00", b"xy"]}, "l": {"L": [S("x"), N(i), {"M": {"k": S("v")}}]},
            "m": {"M": {"odd name": S("o"), "inner": {"L": []}}}}


def wait_export(ddb, arn, timeout=120):
    return wait_for(lambda: (lambda d: d if d["ExportStatus"] != "IN_PROGRESS" else None)(
        ddb.describe_export(ExportArn=arn)["ExportDescription"]), timeout=timeout)


def b64md5(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


# -- reading the files back -------------------------------------------------------------------

def canonical(item):
    """An item (DynamoDB JSON as boto3 returns it) in a comparable form."""
    def value(v):
        (t, x), = v.items()
        if t == "N":
            return ("N", Decimal(x).normalize())
        if t == "NS":
            return ("NS", frozenset(Decimal(n).normalize() for n in x))
        if t in ("SS",):
            return ("SS", frozenset(x))
        if t == "BS":
            return ("BS", frozenset(bytes(b) for b in x))
        if t == "B":
            return ("B", bytes(x))
        if t == "L":
            return ("L", tuple(value(e) for e in x))
        if t == "M":
            return ("M", tuple(sorted((k, value(e)) for k, e in x.items())))
        return (t, x)
    return tuple(sorted((k, value(v)) for k, v in item.items()))


def from_wire_json(item):
    """DynamoDB JSON of a file (base64 binaries) as boto3 would decode it."""
    def value(v):
        (t, x), = v.items()
        if t == "B":
            return {"B": base64.b64decode(x)}
        if t == "BS":
            return {"BS": [base64.b64decode(b) for b in x]}
        if t == "L":
            return {"L": [value(e) for e in x]}
        if t == "M":
            return {"M": {k: value(e) for k, e in x.items()}}
        return {t: x}
    return {k: value(v) for k, v in item.items()}


class IonText:
    """The subset of Amazon Ion text the export format uses (amazon-ion.github.io/ion-docs):
    strings, decimals (with a 'd' exponent or a trailing '.'), ints, blobs {{base64}}, bool,
    null, symbols as field names (identifiers or quoted), annotations (ann::), lists, structs."""

    def __init__(self, text):
        self.t, self.i = text, 0

    def ws(self):
        while self.i < len(self.t) and self.t[self.i] in " \t\n\r":
            self.i += 1

    def string(self, quote):
        self.i += 1
        out = []
        while self.t[self.i] != quote:
            c = self.t[self.i]
            if c == "\\":
                e = self.t[self.i + 1]
                if e == "x":
                    out.append(chr(int(self.t[self.i + 2:self.i + 4], 16)))
                    self.i += 4
                    continue
                out.append({"n": "\n", "r": "\r", "t": "\t"}.get(e, e))
                self.i += 2
                continue
            out.append(c)
            self.i += 1
        self.i += 1
        return "".join(out)

    def symbol(self):
        self.ws()
        if self.t[self.i] in "\"'":
            return self.string(self.t[self.i])
        m = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*").match(self.t, self.i)
        self.i = m.end()
        return m.group(0)

    def value(self):
        self.ws()
        c = self.t[self.i]
        annotation = None
        m = re.compile(r"([A-Za-z_$][A-Za-z0-9_$]*)::").match(self.t, self.i)
        if m:
            annotation = m.group(1)
            self.i = m.end()
            self.ws()
            c = self.t[self.i]
        if c == '"':
            v = ("string", self.string('"'))
        elif self.t.startswith("{{", self.i):
            end = self.t.index("}}", self.i)
            v = ("blob", base64.b64decode(self.t[self.i + 2:end].strip()))
            self.i = end + 2
        elif c == "{":
            self.i += 1
            fields = {}
            self.ws()
            while self.t[self.i] != "}":
                name = self.symbol()
                self.ws()
                assert self.t[self.i] == ":"
                self.i += 1
                fields[name] = self.value()
                self.ws()
                if self.t[self.i] == ",":
                    self.i += 1
                    self.ws()
            self.i += 1
            v = ("struct", fields)
        elif c == "[":
            self.i += 1
            items = []
            self.ws()
            while self.t[self.i] != "]":
                items.append(self.value())
                self.ws()
                if self.t[self.i] == ",":
                    self.i += 1
                    self.ws()
            self.i += 1
            v = ("list", items)
        else:
            m = re.compile(r"true|false|null|-?[0-9]+(\.[0-9]*)?(d[-+]?[0-9]+)?").match(self.t, self.i)
            word = m.group(0)
            self.i = m.end()
            if word in ("true", "false"):
                v = ("bool", word == "true")
            elif word == "null":
                v = ("null", None)
            elif "." in word or "d" in word:
                v = ("decimal", Decimal(word.replace("d", "E")))
            else:
                v = ("int", int(word))
        return (annotation, v)

    def line(self):
        self.ws()
        assert self.t.startswith("$ion_1_0", self.i)
        self.i += len("$ion_1_0")
        v = self.value()
        self.ws()
        assert self.i == len(self.t)
        return v


def ion_to_item(struct):
    """Ion struct of an item -> DynamoDB JSON (as boto3 decodes it), by the Developer Guide's
    type map."""
    def value(annotated):
        annotation, (kind, x) = annotated
        if annotation in ("$dynamodb_SS", "$dynamodb_NS", "$dynamodb_BS"):
            t = annotation[-2:]
            members = [m[1][1] for m in x]
            if t == "NS":
                return {"NS": [str(m) for m in members]}
            return {t: members}
        if kind == "string":
            return {"S": x}
        if kind in ("decimal", "int"):
            return {"N": str(x)}
        if kind == "blob":
            return {"B": x}
        if kind == "bool":
            return {"BOOL": x}
        if kind == "null":
            return {"NULL": True}
        if kind == "list":
            return {"L": [value(e) for e in x]}
        return {"M": {k: value(e) for k, e in x.items()}}
    return {k: value(v) for k, v in struct[1][1].items()}


def read_export(server, description):
    """Checks the export's layout, manifests and checksums; returns its data lines, parsed.
    Objects are read with server.read_object(bucket, key)."""
    bucket = description["S3Bucket"]
    read = server.read_object
    summary_key = description["ExportManifest"]
    base = summary_key.rsplit("/", 1)[0]
    assert re.fullmatch(r"(.+/)?AWSDynamoDB/\d{14}-[0-9a-f]{8}", base)
    assert base.endswith(description["ExportArn"].rsplit("/", 1)[1])
    assert read(bucket, base + "/_started") == b""
    files = {}
    for name in ("manifest-summary", "manifest-files"):
        data = read(bucket, f"{base}/{name}.json")
        assert read(bucket, f"{base}/{name}.md5").decode().strip() == b64md5(data)
        files[name] = data
    summary = json.loads(files["manifest-summary"])
    assert summary["exportArn"] == description["ExportArn"]
    assert summary["manifestFilesS3Key"] == base + "/manifest-files.json"
    assert summary["itemCount"] == description["ItemCount"]
    assert summary["outputFormat"] == description["ExportFormat"]
    lines = []
    entries = [json.loads(line) for line in files["manifest-files"].decode().splitlines()]
    assert sum(e["itemCount"] for e in entries) == summary["itemCount"]
    ion = description["ExportFormat"] == "ION"
    for entry in entries:
        key = entry["dataFileS3Key"]
        assert re.fullmatch(re.escape(base) + r"/data/[a-z2-7]{26}\." + ("ion" if ion else "json") +
                            r"\.gz", key)
        data = read(bucket, key)
        assert entry["md5Checksum"] == b64md5(data)
        if "-" not in entry["etag"]:  # a multipart upload's ETag is not the data's MD5
            assert entry["etag"] == hashlib.md5(data).hexdigest()
        text = gzip.decompress(data).decode()
        file_lines = text.splitlines()
        assert len(file_lines) == entry["itemCount"]
        for line in file_lines:
            if ion:
                parsed = IonText(line).line()
                lines.append({k: ion_to_item(v) if k != "Metadata" else v
                              for k, v in parsed[1][1].items()})
            else:
                lines.append({k: from_wire_json(v) if k != "Metadata" else v
                              for k, v in json.loads(line).items()})
    summary["entries"] = entries
    return summary, lines


def table_items(ddb, name):
    return sorted(canonical(i) for page in scan_pages(ddb, TableName=name) for i in page["Items"])


# -- tests ------------------------------------------------------------------------------------

def test_full_export_in_both_formats_reads_back(server):
    ddb = server.client()
    arn = make_table(ddb, "exported")
    for start in range(0, 300, 25):
        ddb.batch_write_item(RequestItems={"exported": [
            {"PutRequest": {"Item": rich_item(i)}} for i in range(start, start + 25)]})
    expected = table_items(ddb, "exported")
    for fmt in ("DYNAMODB_JSON", "ION"):
        started = ddb.export_table_to_point_in_time(
            TableArn=arn, S3Bucket="bucket", S3Prefix="nightly", ExportFormat=fmt,
            ClientToken="token-" + fmt)["ExportDescription"]
        assert started["ExportStatus"] == "IN_PROGRESS"
        assert re.fullmatch(re.escape(arn) + r"/export/\d{14}-[0-9a-f]{8}", started["ExportArn"])
        assert started["S3SseAlgorithm"] == "AES256" and started["S3Prefix"] == "nightly"
        assert started["ExportTime"] == started["StartTime"]
        for member in ("ItemCount", "ExportManifest", "EndTime"):
            assert member not in started
        done = wait_export(ddb, started["ExportArn"])
        assert done["ExportStatus"] == "COMPLETED"
        assert done["ItemCount"] == 300
        assert done["ExportManifest"].startswith("nightly/AWSDynamoDB/")
        summary, lines = read_export(server, done)
        assert summary["version"] == "2020-06-30" and summary["exportType"] == "FULL_EXPORT"
        assert summary["s3Prefix"] == "nightly" and summary["s3Bucket"] == "bucket"
        assert all(set(line) == {"Item"} for line in lines)
        assert sorted(canonical(line["Item"]) for line in lines) == expected
    listed = ddb.list_exports(TableArn=arn)["ExportSummaries"]
    assert len(listed) == 2 and listed[0]["ExportArn"] > listed[1]["ExportArn"]  # newest first


def test_an_export_is_the_table_at_its_export_time(server):
    ddb = server.client()
    arn = make_table(ddb, "pointed")
    for i in range(50):
        ddb.put_item(TableName="pointed", Item={"pk": S("k"), "sk": N(i), "v": N(0)})
    expected = table_items(ddb, "pointed")
    advance(server, 2)
    export_time = time.time() + 1  # a second before the changes below, on the server's clock
    advance(server, 2)
    for i in range(0, 50, 2):
        ddb.delete_item(TableName="pointed", Key={"pk": S("k"), "sk": N(i)})
    for i in range(1, 50, 2):
        ddb.update_item(TableName="pointed", Key={"pk": S("k"), "sk": N(i)},
                        UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": N(9)})
    done = wait_export(ddb, ddb.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="bucket", ExportTime=export_time)["ExportDescription"]["ExportArn"])
    _, lines = read_export(server, done)
    assert sorted(canonical(line["Item"]) for line in lines) == expected


@pytest.mark.parametrize("view", ["NEW_AND_OLD_IMAGES", "NEW_IMAGE"])
@pytest.mark.parametrize("fmt", ["DYNAMODB_JSON", "ION"])
def test_incremental_export_compacts_the_period(server, view, fmt):
    ddb = server.client()
    arn = make_table(ddb, "changing")
    for i in range(6):
        ddb.put_item(TableName="changing", Item={"pk": S("k"), "sk": N(i), "v": N(i)})
    advance(server, 2)
    start = int(time.time()) + 1
    advance(server, 2)
    # In the period: 0 updated twice, 1 deleted, 2 untouched, 10 created, 11 created and deleted.
    ddb.update_item(TableName="changing", Key={"pk": S("k"), "sk": N(0)},
                    UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": N(100)})
    ddb.update_item(TableName="changing", Key={"pk": S("k"), "sk": N(0)},
                    UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": N(200)})
    ddb.delete_item(TableName="changing", Key={"pk": S("k"), "sk": N(1)})
    ddb.put_item(TableName="changing", Item={"pk": S("k"), "sk": N(10), "v": N(10)})
    ddb.put_item(TableName="changing", Item={"pk": S("k"), "sk": N(11)})
    ddb.delete_item(TableName="changing", Key={"pk": S("k"), "sk": N(11)})
    advance(server, 20 * 60)
    end = int(time.time()) + 20 * 60 + 2 * 2 - 1
    # After the period: not exported.
    advance(server, 10)
    ddb.put_item(TableName="changing", Item={"pk": S("k"), "sk": N(2), "v": N(-1)})
    started = ddb.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="bucket", ExportFormat=fmt, ExportType="INCREMENTAL_EXPORT",
        IncrementalExportSpecification={"ExportFromTime": start, "ExportToTime": end,
                                        "ExportViewType": view})["ExportDescription"]
    assert started["ExportType"] == "INCREMENTAL_EXPORT"
    assert started["IncrementalExportSpecification"]["ExportViewType"] == view
    assert "ExportTime" not in started
    done = wait_export(ddb, started["ExportArn"])
    assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == 3
    summary, lines = read_export(server, done)
    assert summary["version"] == "2023-08-01" and summary["exportType"] == "INCREMENTAL_EXPORT"
    assert summary["outputView"] == view and "exportFromTime" in summary
    by_key = {}
    for line in lines:
        stamp = line["Metadata"]
        micros = int(stamp["WriteTimestampMicros"]["N"]) if fmt == "DYNAMODB_JSON" else int(
            stamp[1][1]["WriteTimestampMicros"][1][1])
        assert start * 10 ** 6 <= micros < end * 10 ** 6
        by_key[int(Decimal(line["Keys"]["sk"]["N"]))] = line
        assert set(line["Keys"]) == {"pk", "sk"}
    assert sorted(by_key) == [0, 1, 10]
    assert canonical(by_key[0]["NewImage"]) == canonical({"pk": S("k"), "sk": N(0), "v": N(200)})
    assert "NewImage" not in by_key[1]
    assert canonical(by_key[10]["NewImage"]) == canonical({"pk": S("k"), "sk": N(10), "v": N(10)})
    assert "OldImage" not in by_key[10]
    if view == "NEW_AND_OLD_IMAGES":
        assert canonical(by_key[0]["OldImage"]) == canonical({"pk": S("k"), "sk": N(0), "v": N(0)})
        assert canonical(by_key[1]["OldImage"]) == canonical({"pk": S("k"), "sk": N(1), "v": N(1)})
    else:
        assert "OldImage" not in by_key[0] and "OldImage" not in by_key[1]


def test_export_errors(server):
    ddb = server.client()
    arn = make_table(ddb, "plain", pitr=False)
    export = ddb.export_table_to_point_in_time
    assert rejected(export, TableArn=arn, S3Bucket="bucket") == (
        "PointInTimeRecoveryUnavailableException",
        "Point in time recovery is not enabled for table 'plain'")
    ddb.update_continuous_backups(TableName="plain", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    assert rejected(export, TableArn="plain", S3Bucket="bucket") == (
        VALIDATION, "One or more parameter values were invalid: tableArn is not a valid ARN")
    assert rejected(export, TableArn=arn + "/index/abc", S3Bucket="bucket") == (
        VALIDATION, "Invalid Request: Table ARN is invalid.")
    missing = arn.rsplit("/", 1)[0] + "/missing"
    assert rejected(export, TableArn=missing, S3Bucket="bucket") == (
        "TableNotFoundException", f"Table not found: {missing}")
    assert rejected(export, TableArn=arn, S3Bucket="bucket", ExportTime=time.time() + 3600) == (
        "InvalidExportTimeException", "Export Time is invalid")
    assert rejected(export, TableArn=arn, S3Bucket="bucket",
                    IncrementalExportSpecification={"ExportFromTime": time.time()}) == (
        VALIDATION, "Invalid Request: Export Type expected to be Incremental Export when "
        "incremental export specification is provided")
    assert rejected(export, TableArn=arn, S3Bucket="bucket", ExportType="FULL_EXPORT",
                    IncrementalExportSpecification={"ExportFromTime": time.time()}) == (
        VALIDATION, "Invalid Request: When Export Type is Full Export , Incremental Export "
        "Specification should not be provided")
    assert rejected(export, TableArn=arn, S3Bucket="bucket", ExportType="INCREMENTAL_EXPORT") == (
        VALIDATION, "Invalid Request: Incremental Export Specification expected when export type "
        "is set as Incremental Export")
    assert rejected(export, TableArn=arn, S3Bucket="bucket", ExportType="INCREMENTAL_EXPORT",
                    IncrementalExportSpecification={"ExportToTime": time.time()}) == (
        VALIDATION, "Invalid Request: ExportFromTime must be provided in "
        "IncrementalExportSpecification")
    now = time.time()
    assert rejected(export, TableArn=arn, S3Bucket="bucket", ExportType="INCREMENTAL_EXPORT",
                    IncrementalExportSpecification={"ExportFromTime": now + 60,
                                                    "ExportToTime": now + 120})[1].startswith(
        "Incremental export period to time cannot be greater than the current time : ")
    advance(server, 3600)
    assert rejected(export, TableArn=arn, S3Bucket="bucket", ExportType="INCREMENTAL_EXPORT",
                    IncrementalExportSpecification={"ExportFromTime": now + 60,
                                                    "ExportToTime": now + 120}) == (
        "InvalidExportTimeException", "Difference between export period from time and export "
        "period to time is less than 15 minutes")
    assert rejected(export, TableArn=arn, S3Bucket="bucket", S3SseKmsKeyId="key") == (
        VALIDATION, "Invalid Request: KMS Key Id is not supported for this encryption type")
    assert rejected(export, TableArn=arn, S3Bucket="bucket", ExportFormat="CSV")[1].startswith(
        "1 validation error detected: Value 'CSV' at 'exportFormat' failed to satisfy constraint: "
        "Member must satisfy enum value set: [DYNAMODB_JSON, ION]")
    # One ClientToken: the same export again, or a conflict.
    first = export(TableArn=arn, S3Bucket="bucket", ClientToken="once")["ExportDescription"]
    again = export(TableArn=arn, S3Bucket="bucket", ClientToken="once")["ExportDescription"]
    assert again["ExportArn"] == first["ExportArn"]
    assert rejected(export, TableArn=arn, S3Bucket="other", ClientToken="once") == (
        "ExportConflictException",
        "Export conflict: Duplicate request detected with conflicting parameters")
    # DescribeExport.
    unknown = arn + "/export/01700000000000-0badcafe"
    assert rejected(ddb.describe_export, ExportArn=unknown) == (
        "ExportNotFoundException", f"Export not found: Export not found: {unknown}")
    assert rejected(ddb.describe_export, ExportArn=arn + "/backup/01700000000000-0badcafe") == (
        VALIDATION, "Invalid Export ARN")
    # A bucket that does not exist fails the export, as S3 would.
    failed = wait_export(ddb, export(TableArn=arn, S3Bucket="no-such-bucket")[
        "ExportDescription"]["ExportArn"])
    assert failed["ExportStatus"] == "FAILED" and failed["FailureCode"] == "S3NoSuchBucket"
    assert failed["FailureMessage"].startswith("The specified bucket does not exist (Service: "
                                               "Amazon S3; Status Code: 404; Error Code: "
                                               "NoSuchBucket;")


def test_a_large_export_cut_short_by_kill9_is_written_after_restart(server):
    """Acceptance 3 (the local directory): 100,000 items, FULL, killed while it writes."""
    ddb = server.client()
    arn = make_table(ddb, "large")

    def load(w):
        client = server.client()
        for start in range(w * 25, 100000, 25 * 4):
            requests = [{"PutRequest": {"Item": {"pk": S(f"p{i % 1000}"), "sk": N(i),
                                                 "v": S("x" * 50)}}}
                        for i in range(start, min(start + 25, 100000))]
            client.batch_write_item(RequestItems={"large": requests})
    threads = [threading.Thread(target=load, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    started = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="bucket")[
        "ExportDescription"]
    server.kill9()
    server.start()
    ddb = server.client()
    done = wait_export(ddb, started["ExportArn"], timeout=300)
    assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == 100000
    _, lines = read_export(server, done)
    assert len({(line["Item"]["pk"]["S"], line["Item"]["sk"]["N"]) for line in lines}) == 100000


# -- imports ----------------------------------------------------------------------------------

def wait_import(ddb, arn, timeout=120):
    return wait_for(lambda: (lambda d: d if d["ImportStatus"] != "IN_PROGRESS" else None)(
        ddb.describe_import(ImportArn=arn)["ImportTableDescription"]), timeout=timeout)


def creation(name, gsi=False, **extra):
    params = {"TableName": name,
              "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                            {"AttributeName": "sk", "KeyType": "RANGE"}],
              "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                       {"AttributeName": "sk", "AttributeType": "N"}],
              "BillingMode": "PAY_PER_REQUEST"}
    if gsi:
        params["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "S"})
        params["GlobalSecondaryIndexes"] = [{
            "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}]
    params.update(extra)
    return params


@pytest.mark.parametrize("fmt", ["DYNAMODB_JSON", "ION"])
def test_a_full_export_imports_back_into_an_identical_table(server, fmt):
    """Acceptance 3: export, then ImportTable of the export's data files into a new table."""
    ddb = server.client()
    arn = make_table(ddb, "source")
    for start in range(0, 1000, 25):
        ddb.batch_write_item(RequestItems={"source": [
            {"PutRequest": {"Item": dict(rich_item(i), g=S(f"g{i % 5}"))}}
            for i in range(start, start + 25)]})
    expected = table_items(ddb, "source")
    done = wait_export(ddb, ddb.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="bucket", S3Prefix="exp", ExportFormat=fmt)[
        "ExportDescription"]["ExportArn"])
    data_prefix = done["ExportManifest"].rsplit("/", 1)[0] + "/data/"
    started = ddb.import_table(
        S3BucketSource={"S3Bucket": "bucket", "S3KeyPrefix": data_prefix}, InputFormat=fmt,
        InputCompressionType="GZIP", TableCreationParameters=creation("copy", gsi=True))[
        "ImportTableDescription"]
    assert started["ImportStatus"] == "IN_PROGRESS"
    assert re.fullmatch(r"arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table/copy/import/\d{14}-[0-9a-f]{8}",
                        started["ImportArn"])
    assert started["S3BucketSource"]["S3BucketOwner"] and started["InputCompressionType"] == "GZIP"
    assert started["TableCreationParameters"]["TableName"] == "copy"
    finished = wait_import(ddb, started["ImportArn"])
    assert finished["ImportStatus"] == "COMPLETED"
    assert finished["ProcessedItemCount"] == finished["ImportedItemCount"] == 1000
    assert finished["ErrorCount"] == 0
    assert ddb.describe_table(TableName="copy")["Table"]["TableStatus"] == "ACTIVE"
    assert table_items(ddb, "copy") == expected
    assert sum(p["Count"] for p in scan_pages(ddb, TableName="copy", IndexName="by-g",
                                               Select="COUNT")) == 1000
    listed = ddb.list_imports(TableArn=started["TableArn"])["ImportSummaryList"]
    assert [i["ImportArn"] for i in listed] == [started["ImportArn"]]


def test_csv_import_counts_bad_lines_and_imports_the_rest(server):
    ddb = server.client()
    with open(os.path.join(server.s3, "bucket", "people.csv"), "w") as f:
        f.write("pk,sk,name,age\n")
        f.write("a,1,Ann,30\n")
        f.write("b,2,\"Smith, Bob\",41\n")
        f.write(",3,no key,1\n")           # no partition key
        f.write("c,notanumber,x,1\n")      # a sort key that is no number
        f.write("d,4,\"say \"\"hi\"\"\",\n")
    started = ddb.import_table(
        S3BucketSource={"S3Bucket": "bucket", "S3KeyPrefix": "people"}, InputFormat="CSV",
        TableCreationParameters=creation("people"))["ImportTableDescription"]
    assert "InputFormatOptions" not in started
    done = wait_import(ddb, started["ImportArn"])
    assert done["ImportStatus"] == "FAILED" and done["FailureCode"] == "ItemValidationError"
    assert done["FailureMessage"] == ("Some of the items failed validation checks and were not "
                                      "imported. Please check CloudWatch error logs for more "
                                      "details.")
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (5, 3, 2)
    items = {i["pk"]["S"]: i for page in scan_pages(ddb, TableName="people") for i in page["Items"]}
    assert items["a"] == {"pk": S("a"), "sk": N(1), "name": S("Ann"), "age": S("30")}
    assert items["b"]["name"] == S("Smith, Bob")
    assert items["d"] == {"pk": S("d"), "sk": N(4), "name": S('say "hi"')}
    # An explicit header and delimiter: the first line is data.
    with open(os.path.join(server.s3, "bucket", "semi.csv"), "w") as f:
        f.write("x;1;one\ny;2;two\n")
    options = {"Csv": {"Delimiter": ";", "HeaderList": ["pk", "sk", "word"]}}
    started = ddb.import_table(
        S3BucketSource={"S3Bucket": "bucket", "S3KeyPrefix": "semi.csv"}, InputFormat="CSV",
        InputFormatOptions=options, TableCreationParameters=creation("semi"))[
        "ImportTableDescription"]
    assert started["InputFormatOptions"] == options
    assert wait_import(ddb, started["ImportArn"])["ImportStatus"] == "COMPLETED"
    assert table_items(ddb, "semi") == sorted(canonical(i) for i in [
        {"pk": S("x"), "sk": N(1), "word": S("one")}, {"pk": S("y"), "sk": N(2), "word": S("two")}])


def test_import_of_zstd_json_lines_and_an_unreadable_line(server):
    import subprocess
    lines = [json.dumps({"Item": {"pk": {"S": f"k{i}"}, "sk": {"N": str(i)}}}) for i in range(10)]
    lines.insert(6, "{not json")
    raw = ("\n".join(lines) + "\n").encode()
    path = os.path.join(server.s3, "bucket", "lines.json.zst")
    try:
        import zstandard  # noqa: F401
        compressed = zstandard.ZstdCompressor().compress(raw)
    except ImportError:
        tool = subprocess.run(["zstd", "-q", "-c"], input=raw, capture_output=True)
        if tool.returncode != 0:
            pytest.skip("no zstd compressor")
        compressed = tool.stdout
    open(path, "wb").write(compressed)
    ddb = server.client()
    done = wait_import(ddb, ddb.import_table(
        S3BucketSource={"S3Bucket": "bucket", "S3KeyPrefix": "lines"}, InputFormat="DYNAMODB_JSON",
        InputCompressionType="ZSTD", TableCreationParameters=creation("lines"))[
        "ImportTableDescription"]["ImportArn"])
    # The unreadable line stops the rest of its object, as the service does.
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (7, 6, 1)
    assert done["ImportStatus"] == "FAILED"


def test_import_errors(server):
    ddb = server.client()
    make_table(ddb, "taken", pitr=False)
    code, message = rejected(ddb.import_table, S3BucketSource={"S3Bucket": "bucket"},
                             InputFormat="DYNAMODB_JSON", TableCreationParameters=creation("taken"))
    assert (code, message) == ("ResourceInUseException", "Table already exists: taken")
    assert rejected(ddb.import_table, S3BucketSource={"S3Bucket": "bucket"},
                    InputFormat="DYNAMODB_JSON",
                    InputFormatOptions={"Csv": {"Delimiter": ","}},
                    TableCreationParameters=creation("other")) == (
        VALIDATION, "Invalid Request: Unsupported InputFormatOptions for the given input format: "
        "DYNAMODB_JSON.")
    params = creation("prov")
    del params["BillingMode"]
    assert rejected(ddb.import_table, S3BucketSource={"S3Bucket": "bucket"}, InputFormat="CSV",
                    TableCreationParameters=params) == (
        VALIDATION, "One or more parameter values were invalid: ReadCapacityUnits and "
        "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
    assert rejected(ddb.describe_import, ImportArn=ddb.describe_table(TableName="taken")["Table"][
        "TableArn"] + "/index/abcdefghijklmnopqrstuvwxyz") == (VALIDATION, "Invalid Import ARN")
    # A missing bucket: FAILED, and no table.
    done = wait_import(ddb, ddb.import_table(
        S3BucketSource={"S3Bucket": "no-bucket"}, InputFormat="CSV",
        TableCreationParameters=creation("never"))["ImportTableDescription"]["ImportArn"])
    assert done["ImportStatus"] == "FAILED" and done["FailureCode"] == "S3NoSuchBucket"
    assert "never" not in ddb.list_tables()["TableNames"]
    # One ClientToken: another table is a conflict; once the import is done, a replay meets its
    # table. An empty prefix imports nothing and completes.
    first = ddb.import_table(S3BucketSource={"S3Bucket": "bucket", "S3KeyPrefix": "nothing/"},
                             InputFormat="CSV", ClientToken="t1",
                             TableCreationParameters=creation("empty1"))["ImportTableDescription"]
    assert rejected(ddb.import_table, S3BucketSource={"S3Bucket": "bucket"}, InputFormat="CSV",
                    ClientToken="t1", TableCreationParameters=creation("empty2")) == (
        "ImportConflictException",
        "Import conflict: Duplicate request detected with conflicting parameters")
    done = wait_import(ddb, first["ImportArn"])
    assert done["ImportStatus"] == "COMPLETED" and done["ProcessedItemCount"] == 0
    assert rejected(ddb.import_table, S3BucketSource={"S3Bucket": "bucket", "S3KeyPrefix": "nothing/"},
                    InputFormat="CSV", ClientToken="t1",
                    TableCreationParameters=creation("empty1")) == (
        "ResourceInUseException", "Table already exists: empty1")


def test_an_import_cut_short_by_kill9_finishes_after_restart(server):
    lines = "".join(json.dumps({"Item": {"pk": {"S": f"k{i % 100}"}, "sk": {"N": str(i)},
                                         "pad": {"S": "x" * 100}}}) + "\n" for i in range(30000))
    with gzip.open(os.path.join(server.s3, "bucket", "big.json.gz"), "wt") as f:
        f.write(lines)
    ddb = server.client()
    arn = ddb.import_table(S3BucketSource={"S3Bucket": "bucket", "S3KeyPrefix": "big"},
                           InputFormat="DYNAMODB_JSON", InputCompressionType="GZIP",
                           TableCreationParameters=creation("big"))["ImportTableDescription"][
        "ImportArn"]
    server.kill9()
    server.start()
    ddb = server.client()
    done = wait_import(ddb, arn, timeout=300)
    assert done["ImportStatus"] == "COMPLETED" and done["ImportedItemCount"] == 30000
    assert sum(p["Count"] for p in scan_pages(ddb, TableName="big", Select="COUNT")) == 30000


# -- an S3-compatible server ------------------------------------------------------------------

def test_exports_and_imports_through_an_s3_compatible_server(s3_server):
    """Acceptance 3 (the S3-compatible endpoint): a 100,000-item table exported FULL and
    INCREMENTAL in both formats to s3rver (data files over 5 MiB go up as multipart uploads),
    the objects read back with boto3's S3 client, then the FULL export imported from s3rver."""
    server, s3 = s3_server, s3_server.s3
    ddb = server.client()
    arn = make_table(ddb, "big")

    def item(i, version=0):
        # Random text compresses badly: each data file of 50,000 items is over 5 MiB gzipped.
        return {"pk": S(f"p{i % 1000}"), "sk": N(i), "ver": N(version),
                "pad": S(base64.b64encode(os.urandom(144)).decode())}

    def load(w):
        client = server.client()
        for start in range(w * 25, 100000, 25 * 4):
            client.batch_write_item(RequestItems={"big": [
                {"PutRequest": {"Item": item(i)}} for i in range(start, min(start + 25, 100000))]})
    threads = [threading.Thread(target=load, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = table_items(ddb, "big")
    assert len(expected) == 100000
    full = {}
    for fmt in ("DYNAMODB_JSON", "ION"):
        done = wait_export(ddb, ddb.export_table_to_point_in_time(
            TableArn=arn, S3Bucket="bucket", S3Prefix="full", ExportFormat=fmt)[
            "ExportDescription"]["ExportArn"], timeout=300)
        assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == 100000
        summary, lines = read_export(server, done)
        assert sorted(canonical(line["Item"]) for line in lines) == expected
        for entry in summary["entries"]:  # the manifest's ETags are S3's
            head = s3.head_object(Bucket="bucket", Key=entry["dataFileS3Key"])
            assert head["ETag"].strip('"') == entry["etag"]
        # Each data file (about 7 MiB) went up as a multipart upload of two parts. (s3rver
        # gives a completed multipart object the MD5 of its data as ETag, not S3's "<md5>-2").
        requests = s3.requests()
        for entry in summary["entries"]:
            key = entry["dataFileS3Key"]
            assert re.search(rf"{re.escape(key)}\?uploads=? 200 ", requests)
            assert re.search(rf"{re.escape(key)}\?partNumber=2&uploadId=\w+ 200 ", requests)
            assert not re.search(rf"{re.escape(key)}\?partNumber=3&", requests)
        full[fmt] = done
    # Changes inside an incremental period: 1,000 updated, 500 deleted, 500 created.
    advance(server, 2)
    start = int(time.time()) + 1
    advance(server, 2)
    changed = {}
    for first in range(0, 2000, 25):
        requests = []
        for i in range(first, first + 25):
            if i < 1000:
                changed[i] = item(i, 1)
                requests.append({"PutRequest": {"Item": changed[i]}})
            elif i < 1500:
                changed[i] = None
                requests.append({"DeleteRequest": {"Key": {"pk": S(f"p{i % 1000}"), "sk": N(i)}}})
            else:
                changed[100000 + i] = item(100000 + i, 1)
                requests.append({"PutRequest": {"Item": changed[100000 + i]}})
        ddb.batch_write_item(RequestItems={"big": requests})
    advance(server, 20 * 60)
    end = int(time.time()) + 20 * 60 + 2 * 2 - 1
    for fmt, view in (("DYNAMODB_JSON", "NEW_AND_OLD_IMAGES"), ("ION", "NEW_IMAGE")):
        done = wait_export(ddb, ddb.export_table_to_point_in_time(
            TableArn=arn, S3Bucket="bucket", S3Prefix="incremental", ExportFormat=fmt,
            ExportType="INCREMENTAL_EXPORT",
            IncrementalExportSpecification={"ExportFromTime": start, "ExportToTime": end,
                                            "ExportViewType": view})[
            "ExportDescription"]["ExportArn"], timeout=300)
        assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == 2000
        _, lines = read_export(server, done)
        by_sk = {int(Decimal(line["Keys"]["sk"]["N"])): line for line in lines}
        assert sorted(by_sk) == sorted(changed)
        for sk, after in changed.items():
            if after is None:
                assert "NewImage" not in by_sk[sk]
            else:
                assert canonical(by_sk[sk]["NewImage"]) == canonical(after)
            assert ("OldImage" in by_sk[sk]) == (view == "NEW_AND_OLD_IMAGES" and sk < 100000)
    # The FULL export (taken before the changes) imported from s3rver: the same items.
    for fmt, done in full.items():
        data_prefix = done["ExportManifest"].rsplit("/", 1)[0] + "/data/"
        name = "copy-" + fmt.lower()
        imported = wait_import(ddb, ddb.import_table(
            S3BucketSource={"S3Bucket": "bucket", "S3KeyPrefix": data_prefix}, InputFormat=fmt,
            InputCompressionType="GZIP", TableCreationParameters=creation(name))[
            "ImportTableDescription"]["ImportArn"], timeout=300)
        assert imported["ImportStatus"] == "COMPLETED"
        assert imported["ProcessedItemCount"] == imported["ImportedItemCount"] == 100000
        assert table_items(ddb, name) == expected


def test_s3_errors_from_an_s3_compatible_server(s3_server):
    """A bucket the S3 server does not have fails the export and the import with S3's error."""
    ddb = s3_server.client()
    arn = make_table(ddb, "things")
    ddb.put_item(TableName="things", Item={"pk": S("a"), "sk": N(1)})
    done = wait_export(ddb, ddb.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="no-such-bucket")["ExportDescription"]["ExportArn"])
    assert done["ExportStatus"] == "FAILED" and done["FailureCode"] == "S3NoSuchBucket"
    assert re.fullmatch(r"The specified bucket does not exist \(Service: Amazon S3; Status Code: "
                        r"404; Error Code: NoSuchBucket; Request ID: [^)]*\)",
                        done["FailureMessage"]), done["FailureMessage"]
    imported = wait_import(ddb, ddb.import_table(
        S3BucketSource={"S3Bucket": "no-such-bucket"}, InputFormat="CSV",
        TableCreationParameters=creation("never"))["ImportTableDescription"]["ImportArn"])
    assert imported["ImportStatus"] == "FAILED" and imported["FailureCode"] == "S3NoSuchBucket"
    assert "never" not in ddb.list_tables()["TableNames"]
    # Objects written by another S3 client import: CSV with a header line.
    s3_server.s3.put_object(Bucket="bucket", Key="csv/people.csv",
                            Body=b"pk,sk,name\na,1,Ann\nb,2,Bob\n")
    imported = wait_import(ddb, ddb.import_table(
        S3BucketSource={"S3Bucket": "bucket", "S3KeyPrefix": "csv/"}, InputFormat="CSV",
        TableCreationParameters=creation("people"))["ImportTableDescription"]["ImportArn"])
    assert imported["ImportStatus"] == "COMPLETED" and imported["ImportedItemCount"] == 2, imported
    assert table_items(ddb, "people") == sorted(canonical(i) for i in [
        {"pk": S("a"), "sk": N(1), "name": S("Ann")}, {"pk": S("b"), "sk": N(2), "name": S("Bob")}])


def test_an_s3_server_refusing_the_signature_fails_the_export_with_s3_access_denied(s3rver):
    checker = SignatureChecker(s3rver.endpoint)
    with DdbdProcess(extra_args=["--s3-endpoint", checker.endpoint,
                                 "--s3-credentials", "S3RVER:not-the-secret"]) as srv:
        ddb = srv.client()
        arn = make_table(ddb, "things")
        done = wait_export(ddb, ddb.export_table_to_point_in_time(
            TableArn=arn, S3Bucket="bucket")["ExportDescription"]["ExportArn"])
        assert done["ExportStatus"] == "FAILED" and done["FailureCode"] == "S3AccessDenied"
        assert re.fullmatch(r".+ \(Service: Amazon S3; Status Code: 403; Error Code: \w+; "
                            r"Request ID: [^)]*\)", done["FailureMessage"]), done["FailureMessage"]
        imported = wait_import(ddb, ddb.import_table(
            S3BucketSource={"S3Bucket": "bucket"}, InputFormat="CSV",
            TableCreationParameters=creation("never"))["ImportTableDescription"]["ImportArn"])
        assert imported["ImportStatus"] == "FAILED"
        assert imported["FailureCode"] == "S3AccessDenied"
        assert "never" not in ddb.list_tables()["TableNames"]
    checker.close()
    assert checker.mismatches and s3rver.list_objects_v2(Bucket="bucket")["KeyCount"] == 0


def test_an_export_waits_for_an_s3_endpoint_that_does_not_answer_yet():
    """Nothing listens at the endpoint: the export stays IN_PROGRESS (also across a restart)
    and is written once the S3 server is up."""
    port = free_port()
    with DdbdProcess(extra_args=["--s3-endpoint", f"http://127.0.0.1:{port}",
                                 "--s3-credentials", "S3RVER:S3RVER"]) as srv:
        ddb = srv.client()
        arn = make_table(ddb, "things")
        ddb.put_item(TableName="things", Item={"pk": S("a"), "sk": N(1)})
        export = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="bucket")[
            "ExportDescription"]["ExportArn"]
        time.sleep(2)
        assert ddb.describe_export(ExportArn=export)["ExportDescription"][
            "ExportStatus"] == "IN_PROGRESS"
        srv.kill9()
        srv.start()
        ddb = srv.client()
        time.sleep(1)
        assert ddb.describe_export(ExportArn=export)["ExportDescription"][
            "ExportStatus"] == "IN_PROGRESS"
        with running_s3rver(port) as s3:
            done = wait_export(ddb, export)
            assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == 1
            data = [o["Key"] for o in s3.list_objects_v2(Bucket="bucket")["Contents"]
                    if "/data/" in o["Key"]]
            assert len(data) == 1
            lines = gzip.decompress(s3.get_object(Bucket="bucket", Key=data[0])["Body"].read())
            assert json.loads(lines) == {"Item": {"pk": S("a"), "sk": N(1)}}
