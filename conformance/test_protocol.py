"""Wire protocol: raw HTTP requests in the awsJson1_0 protocol.

Requests are built by hand with http.client and signed with botocore's SigV4
signer, so that malformed input reaches the server exactly as written.
"""

import http.client
import json
import zlib
from urllib.parse import urlparse

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import REGION, unique_table_name
from helpers import new_key

JSON_CT = "application/x-amz-json-1.0"
VALIDATION = "com.amazon.coral.validate#ValidationException"
NOT_FOUND = "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"


class Wire:
    """Sends DynamoDB JSON requests over one (keep-alive) HTTP connection."""

    def __init__(self, endpoint, credentials):
        url = urlparse(endpoint)
        self.endpoint = endpoint
        self.host = url.hostname
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.https = url.scheme == "https"
        self.credentials = Credentials(*credentials)
        self.conn = self._connect()

    def _connect(self):
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=30)

    def headers_for(self, target, body, sign=True, extra=None):
        headers = {"Content-Type": JSON_CT}
        if target is not None:
            headers["X-Amz-Target"] = target
        headers.update(extra or {})
        if sign:
            req = AWSRequest(method="POST", url=self.endpoint + "/", data=body, headers=headers)
            SigV4Auth(self.credentials, "dynamodb", REGION).add_auth(req)
            headers = dict(req.headers.items())
        return headers

    def send(self, operation, payload=None, body=None, sign=True, target=None, extra_headers=None):
        if body is None:
            body = json.dumps(payload if payload is not None else {}).encode()
        if target is None and operation is not None:
            target = f"DynamoDB_20120810.{operation}"
        headers = self.headers_for(target, body, sign=sign, extra=extra_headers)
        self.conn.request("POST", "/", body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        return Reply(resp.status, resp.headers, data)

    def close(self):
        self.conn.close()


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def type(self):
        return self.json().get("__type")

    @property
    def message(self):
        doc = self.json()
        return doc.get("message", doc.get("Message"))


@pytest.fixture
def wire(endpoint, credentials):
    w = Wire(endpoint, credentials)
    yield w
    w.close()


def assert_standard_headers(reply):
    assert reply.headers.get("x-amzn-RequestId"), "x-amzn-RequestId header missing"
    assert reply.headers.get("Content-Type") == JSON_CT
    crc = reply.headers.get("x-amz-crc32")
    assert crc is not None, "x-amz-crc32 header missing"
    assert int(crc) == zlib.crc32(reply.body)
    assert int(reply.headers.get("Content-Length")) == len(reply.body)


# --------------------------------------------------------------------------
# Successful responses
# --------------------------------------------------------------------------

def test_successful_response_headers(wire):
    reply = wire.send("ListTables", {"Limit": 1})
    assert reply.status == 200
    assert_standard_headers(reply)
    assert isinstance(reply.json()["TableNames"], list)


def test_request_ids_differ(wire):
    a = wire.send("ListTables", {"Limit": 1}).headers["x-amzn-RequestId"]
    b = wire.send("ListTables", {"Limit": 1}).headers["x-amzn-RequestId"]
    assert a != b


def test_item_round_trip_over_raw_http(wire, table_s):
    item = {"pk": {"S": "raw-http"}, "n": {"N": "1.50"}, "b": {"B": "AAEC"}}
    reply = wire.send("PutItem", {"TableName": table_s, "Item": item})
    assert reply.status == 200
    assert reply.json() == {}
    reply = wire.send("GetItem", {"TableName": table_s, "Key": {"pk": {"S": "raw-http"}}, "ConsistentRead": True})
    assert reply.status == 200
    assert reply.json() == {"Item": {"pk": {"S": "raw-http"}, "n": {"N": "1.5"}, "b": {"B": "AAEC"}}}


# --------------------------------------------------------------------------
# Error responses
# --------------------------------------------------------------------------

def test_validation_exception_type(wire, table_s):
    reply = wire.send("GetItem", {"TableName": table_s, "Key": {"pk": {"N": "1"}}})
    assert reply.status == 400
    assert_standard_headers(reply)
    # Body form of the real service, e.g. baopham/laravel-dynamodb issue 1:
    # {"__type":"com.amazon.coral.validate#ValidationException","message":"..."}
    assert reply.json() == {"__type": VALIDATION,
                            "message": "The provided key element does not match the schema"}


def test_resource_not_found_type(wire):
    reply = wire.send("GetItem", {"TableName": unique_table_name("missing"), "Key": {"pk": {"S": "x"}}})
    assert reply.status == 400
    assert_standard_headers(reply)
    # Raw body of the real service quoted in
    # hashicorp-education/learn-terraform-aft-account-request issue 4.
    assert reply.json() == {"__type": NOT_FOUND, "message": "Requested resource not found"}


def test_resource_in_use_type(wire, table_s):
    reply = wire.send("CreateTable", {
        "TableName": table_s,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    })
    assert reply.status == 400
    assert_standard_headers(reply)
    assert reply.type == "com.amazonaws.dynamodb.v20120810#ResourceInUseException"
    assert reply.message == f"Table already exists: {table_s}"


def test_unparsable_json(wire):
    reply = wire.send("ListTables", body=b'{"Limit": 1')
    assert reply.status == 400
    assert_standard_headers(reply)
    # {"__type":"com.amazon.coral.service#SerializationException"} is the body
    # quoted in amazon-archives/aws-sdk-unity issue 54.
    assert reply.type == "com.amazon.coral.service#SerializationException"


def test_wrongly_typed_member(wire):
    reply = wire.send("DescribeTable", body=b'{"TableName": 5}')
    assert reply.status == 400
    assert_standard_headers(reply)
    # A JSON number where a string belongs is a SerializationException on the
    # real service ("NUMBER_VALUE cannot be converted to String", quoted in
    # localstack/localstack issue 9412); message unverified for this member.
    assert reply.type == "com.amazon.coral.service#SerializationException"


@pytest.mark.parametrize("body", [b"", b"[]", b"not json at all"])
def test_malformed_bodies_rejected(wire, body):
    reply = wire.send("DescribeTable", body=body)
    assert reply.status == 400
    assert_standard_headers(reply)
    # message unverified; which of the two types the real service returns for
    # each of these bodies is unverified too.
    assert reply.type in ("com.amazon.coral.service#SerializationException", VALIDATION)


def test_unknown_operation(wire):
    reply = wire.send("NoSuchOperation", {})
    assert reply.status == 400
    assert_standard_headers(reply)
    assert reply.type == "com.amazon.coral.service#UnknownOperationException"
    # Message as surfaced by two SDKs from the real service: boto/boto3 issue
    # 1542, aws/aws-toolkit-jetbrains issue 2956.
    assert reply.message == "Unknown operation exception"


def test_missing_authentication_token(wire):
    reply = wire.send("ListTables", {}, sign=False)
    assert reply.status == 400
    assert_standard_headers(reply)
    # Raw body quoted in awslabs/aws-sdk-ios-samples issue 111; status 400 in
    # amazon-archives/aws-dynamodb-session-tomcat issue 42.
    assert reply.json() == {"__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
                            "message": "Request is missing Authentication Token"}


# --------------------------------------------------------------------------
# Connection handling
# --------------------------------------------------------------------------

def test_keep_alive_several_requests_one_connection(wire, table_s):
    first = wire.send("ListTables", {"Limit": 1})
    assert first.status == 200
    sock = wire.conn.sock
    assert sock is not None, "server closed the connection after one request"
    replies = [
        wire.send("DescribeTable", {"TableName": table_s}),
        wire.send("GetItem", {"TableName": unique_table_name("missing"), "Key": {"pk": {"S": "x"}}}),
        wire.send("ListTables", body=b"{oops"),
        wire.send("PutItem", {"TableName": table_s, "Item": {"pk": {"S": "keepalive"}}}),
        wire.send("GetItem", {"TableName": table_s, "Key": {"pk": {"S": "keepalive"}}, "ConsistentRead": True}),
    ]
    assert [r.status for r in replies] == [200, 400, 400, 200, 200]
    assert replies[-1].json() == {"Item": {"pk": {"S": "keepalive"}}}
    assert wire.conn.sock is sock, "requests did not share one connection"


@pytest.mark.ddbd_only
def test_health_endpoint(endpoint):
    url = urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", "/health")
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status == 200


# --------------------------------------------------------------------------
# HTTP details: encoded request bodies, Date, CORS, GET /
# --------------------------------------------------------------------------

def _roundtrip_with_encoding(wire, table_s, encoding, compress):
    key = f"enc-{encoding}-{id(compress)}"
    body = compress(json.dumps({"TableName": table_s, "Item": {"pk": {"S": key}}}).encode())
    # The signature covers the bytes as sent (compressed).
    reply = wire.send("PutItem", body=body, extra_headers={"Content-Encoding": encoding})
    assert reply.status == 200, reply.body
    got = wire.send("GetItem", {"TableName": table_s, "Key": {"pk": {"S": key}},
                                "ConsistentRead": True})
    assert got.json() == {"Item": {"pk": {"S": key}}}


def test_gzip_request_bodies_are_decoded(wire, table_s):
    """The service accepts Content-Encoding gzip and deflate request bodies, signed as sent
    (scylladb/scylladb pull requests 27049 and 27080 describe this from runs against it)."""
    _roundtrip_with_encoding(wire, table_s, "gzip", lambda b: zlib.compress(b, wbits=31))


def test_deflate_request_bodies_are_decoded(wire, table_s):
    _roundtrip_with_encoding(wire, table_s, "deflate", zlib.compress)


@pytest.mark.ddbd_only
@pytest.mark.parametrize("body", [b"definitely not gzip",
                                  zlib.compress(b'{"TableName": "x"}', wbits=31)[:-6]],
                         ids=["garbage", "truncated"])
def test_undecodable_request_bodies_are_rejected(wire, body):
    # The service's answer is unverified; ddbd treats it as an undecodable body.
    reply = wire.send("ListTables", body=body, extra_headers={"Content-Encoding": "gzip"})
    assert reply.status == 400
    assert reply.type == "com.amazon.coral.service#SerializationException"


@pytest.mark.ddbd_only
def test_the_size_limit_applies_after_decoding(wire):
    """A small gzip body that inflates past the request size limit is refused (the service was
    fixed to do so in 2026, per scylladb/scylladb pull request 28820)."""
    bomb = zlib.compress(b'{"TableName":"' + b"a" * (17 * 1024 * 1024) + b'"}', wbits=31)
    assert len(bomb) < 100_000
    reply = wire.send("ListTables", body=bomb, extra_headers={"Content-Encoding": "gzip"})
    assert reply.status == 413


def test_responses_carry_a_date(wire):
    from email.utils import parsedate_to_datetime
    reply = wire.send("ListTables", {"Limit": 1})
    assert parsedate_to_datetime(reply.headers["Date"]).tzinfo is not None


@pytest.mark.ddbd_only
def test_cors_preflight_and_response_headers(endpoint, wire):
    url = urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("OPTIONS", "/", headers={
        "Origin": "http://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-amz-target,authorization,x-amz-date"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    assert resp.headers["Access-Control-Allow-Headers"] == \
        "content-type,x-amz-target,authorization,x-amz-date"
    reply = wire.send("ListTables", {"Limit": 1}, extra_headers={"Origin": "http://app.example"})
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "x-amzn-RequestId" in reply.headers["Access-Control-Expose-Headers"]


@pytest.mark.ddbd_only
def test_get_root_answers_healthy(endpoint):
    """As the service's endpoint does: "healthy: dynamodb.us-east-1.amazonaws.com"."""
    url = urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", "/")
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    assert resp.status == 200
    assert body.startswith("healthy: ")


# --------------------------------------------------------------------------
# Compressed responses
# --------------------------------------------------------------------------

def _put_large_item(wire, table_s):
    key = new_key()
    reply = wire.send("PutItem", {"TableName": table_s, "Item": {
        "pk": {"S": key}, "blob": {"S": "compressible " * 600}}})
    assert reply.status == 200
    return key


def test_large_responses_are_gzipped_for_clients_that_accept_gzip(wire, table_s):
    """The service gzips a response above a threshold (about 4 KB) when the request's
    Accept-Encoding allows gzip, and x-amz-crc32 is the CRC of the compressed bytes, which SDKs
    check before decompressing (smithy-lang/smithy-rs issue 129; awslabs issue 61 of
    dynamodb-cross-region-library)."""
    key = _put_large_item(wire, table_s)
    get = {"TableName": table_s, "Key": {"pk": {"S": key}}, "ConsistentRead": True}
    reply = wire.send("GetItem", get, extra_headers={"Accept-Encoding": "gzip"})
    assert reply.status == 200
    assert reply.headers["Content-Encoding"] == "gzip"
    assert_standard_headers(reply)  # the CRC and length of the bytes sent
    item = json.loads(zlib.decompress(reply.body, wbits=31))["Item"]
    assert item["blob"]["S"] == "compressible " * 600
    # Not without Accept-Encoding, nor with gzip refused, nor for a small response.
    for headers in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0"}):
        plain = wire.send("GetItem", get, extra_headers=headers)
        assert "Content-Encoding" not in plain.headers
        assert plain.json()["Item"] == item
    small = wire.send("ListTables", {"Limit": 1}, extra_headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers
    assert_standard_headers(small)


def test_boto3_asking_for_gzip_reads_compressed_responses(endpoint, credentials, wire, table_s):
    """boto3 sending Accept-Encoding: gzip gets compressed responses. botocore neither asks for
    gzip nor inflates, so the client does what the SDKs' notes on DynamoDB's gzip and CRC32
    describe (smithy-lang/smithy-rs issue 129): check x-amz-crc32 on the bytes received, then
    inflate. Here a before-send handler sends through the client's own HTTP session."""
    from botocore.awsrequest import AWSResponse
    from conftest import make_client
    key = _put_large_item(wire, table_s)
    client = make_client(endpoint, *credentials)
    seen = []

    class Inflated:
        def __init__(self, data):
            self.data = data

        def stream(self, **kwargs):
            yield self.data

    def send_accepting_gzip(request, **kwargs):
        request.headers["Accept-Encoding"] = "gzip"
        response = client._endpoint.http_session.send(request)
        if response.headers.get("Content-Encoding") != "gzip":
            return response
        body = response.content
        assert zlib.crc32(body) == int(response.headers["x-amz-crc32"])
        seen.append(len(body))
        data = zlib.decompress(body, wbits=31)
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() not in ("content-encoding", "content-length", "x-amz-crc32")}
        headers["x-amz-crc32"] = str(zlib.crc32(data))
        return AWSResponse(response.url, response.status_code, headers, Inflated(data))

    client.meta.events.register("before-send.dynamodb.*", send_accepting_gzip)
    item = client.get_item(TableName=table_s, Key={"pk": {"S": key}}, ConsistentRead=True)["Item"]
    assert item["blob"]["S"] == "compressible " * 600
    assert len(seen) == 1 and seen[0] < 1000
    assert client.list_tables(Limit=1)["TableNames"]  # small: sent as is
    assert len(seen) == 1


# --------------------------------------------------------------------------
# Malformed HTTP
# --------------------------------------------------------------------------

@pytest.mark.ddbd_only
@pytest.mark.parametrize("request_head", [
    b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (100 * 1024) + b"\r\n\r\n",
    b"POST /" + b"a" * (100 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"NOT HTTP AT ALL\r\n\r\n",
], ids=["header-block", "request-line", "garbage"])
def test_malformed_or_oversized_request_heads_get_400(endpoint, request_head):
    """A header block or request line past the limit, or one that is not HTTP, is answered
    with 400 before the connection closes (the service's limits are not published; ddbd's is
    64 KiB)."""
    import socket
    url = urlparse(endpoint)
    with socket.create_connection((url.hostname, url.port), timeout=10) as s:
        try:
            s.sendall(request_head)
        except OSError:  # the server may stop reading once it has answered
            pass
        reply = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400 "), reply[:100]
