"""Request signing and accounts (ddbd only: these start their own servers).

With ``--credentials FILE`` ddbd verifies SigV4 signatures against the keys in
an ~/.aws/credentials-style file; the optional ``aws_account_id`` of a profile
becomes the account in that key's table ARNs. The error codes and messages are
those of the real service for an unknown access key and for a wrong secret.
"""

import re

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, make_client, unique_table_name

pytestmark = pytest.mark.ddbd_only

DEFAULT_KEY, DEFAULT_SECRET = "AKIAIOSFODNN7DEFAULT", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEFAULTKEY"
OTHER_KEY, OTHER_SECRET = "AKIAIOSFODNN7OTHER00", "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"
OTHER_ACCOUNT = "111122223333"
TEMP_KEY, TEMP_SECRET, TEMP_TOKEN = "ASIATEMPORARYKEY0001", "temporary-secret", "FwoGZXIvYXdzEXAMPLETOKEN"

CREDENTIALS_FILE = f"""\
# conformance test credentials
[default]
aws_access_key_id = {DEFAULT_KEY}
aws_secret_access_key = {DEFAULT_SECRET}

[other]
aws_access_key_id={OTHER_KEY}
aws_secret_access_key={OTHER_SECRET}
aws_account_id = {OTHER_ACCOUNT}

[temporary]
aws_access_key_id = {TEMP_KEY}
aws_secret_access_key = {TEMP_SECRET}
aws_session_token = {TEMP_TOKEN}
"""

UNRECOGNIZED = ("UnrecognizedClientException", "The security token included in the request is invalid.")
BAD_SIGNATURE = ("InvalidSignatureException",
                 "The request signature we calculated does not match the signature you provided. "
                 "Check your AWS Secret Access Key and signing method. Consult the service "
                 "documentation for details.")


@pytest.fixture
def secured(ddbd_factory, tmp_path):
    path = tmp_path / "credentials"
    path.write_text(CREDENTIALS_FILE)
    return ddbd_factory(extra_args=["--credentials", str(path)])


def create_simple_table(ddb, name):
    return ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]


def test_known_keys_are_accepted(secured):
    for key, secret in ((DEFAULT_KEY, DEFAULT_SECRET), (OTHER_KEY, OTHER_SECRET)):
        resp = make_client(secured.endpoint, key, secret).list_tables()
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_item_operations_with_valid_signature(secured):
    ddb = make_client(secured.endpoint, DEFAULT_KEY, DEFAULT_SECRET)
    name = unique_table_name("auth")
    create_simple_table(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "x" * 3000}})
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "x" * 3000}


def test_wrong_secret(secured):
    ddb = make_client(secured.endpoint, DEFAULT_KEY, DEFAULT_SECRET + "x")
    with pytest.raises(ClientError) as excinfo:
        ddb.list_tables()
    assert error_of(excinfo) == BAD_SIGNATURE
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_unknown_access_key(secured):
    ddb = make_client(secured.endpoint, "AKIANOTKNOWN00000000", DEFAULT_SECRET)
    with pytest.raises(ClientError) as excinfo:
        ddb.list_tables()
    assert error_of(excinfo) == UNRECOGNIZED
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_secret_of_other_profile(secured):
    ddb = make_client(secured.endpoint, DEFAULT_KEY, OTHER_SECRET)
    with pytest.raises(ClientError) as excinfo:
        ddb.describe_table(TableName="whatever")
    assert error_of(excinfo) == BAD_SIGNATURE


def test_rejected_request_has_no_effect(secured):
    bad = make_client(secured.endpoint, DEFAULT_KEY, "wrong-secret")
    good = make_client(secured.endpoint, DEFAULT_KEY, DEFAULT_SECRET)
    name = unique_table_name("auth")
    with pytest.raises(ClientError):
        create_simple_table(bad, name)
    with pytest.raises(ClientError) as excinfo:
        good.describe_table(TableName=name)
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_table_arn_carries_profile_account_id(secured):
    ddb = make_client(secured.endpoint, OTHER_KEY, OTHER_SECRET)
    name = unique_table_name("acct")
    desc = create_simple_table(ddb, name)
    assert desc["TableArn"] == f"arn:aws:dynamodb:us-east-1:{OTHER_ACCOUNT}:table/{name}"
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["TableArn"] == f"arn:aws:dynamodb:us-east-1:{OTHER_ACCOUNT}:table/{name}"


def test_profile_without_account_id_gets_a_12_digit_account(secured):
    ddb = make_client(secured.endpoint, DEFAULT_KEY, DEFAULT_SECRET)
    name = unique_table_name("acct")
    arn = create_simple_table(ddb, name)["TableArn"]
    assert re.fullmatch(r"arn:aws:dynamodb:us-east-1:\d{12}:table/" + re.escape(name), arn), arn


def test_without_credentials_any_key_sees_the_same_tables(ddbd_factory):
    server = ddbd_factory()
    first = make_client(server.endpoint, "AKIAFIRSTKEY00000000", "first-secret")
    second = make_client(server.endpoint, "AKIASECONDKEY0000000", "another-secret")
    name = unique_table_name("shared")
    create_simple_table(first, name)
    first.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"S": "from-first"}})
    assert name in second.list_tables()["TableNames"]
    assert second.describe_table(TableName=name)["Table"]["TableArn"] == \
        first.describe_table(TableName=name)["Table"]["TableArn"]
    item = second.get_item(TableName=name, Key={"pk": {"S": "k"}}, ConsistentRead=True)["Item"]
    assert item == {"pk": {"S": "k"}, "v": {"S": "from-first"}}


def signed_request(endpoint, key, secret, body, headers, signed=None, token=None):
    """Sends a POST signed with botocore's signer over only the headers in `signed`."""
    import http.client
    from urllib.parse import urlparse

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = urlparse(endpoint)
    to_sign = {k: v for k, v in headers.items() if signed is None or k.lower() in signed}
    req = AWSRequest(method="POST", url=endpoint + "/", data=body, headers=to_sign)
    SigV4Auth(Credentials(key, secret, token), "dynamodb", "us-east-1").add_auth(req)
    sent = dict(req.headers.items())
    for k, v in headers.items():
        sent.setdefault(k, v)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=sent)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_operation_headers_must_be_signed(secured):
    headers = {"X-Amz-Target": "DynamoDB_20120810.ListTables",
               "Content-Type": "application/x-amz-json-1.0"}
    status, body = signed_request(secured.endpoint, DEFAULT_KEY, DEFAULT_SECRET, b"{}", headers)
    assert status == 200
    # A signature that leaves X-Amz-Target out could be replayed as another operation.
    status, body = signed_request(secured.endpoint, DEFAULT_KEY, DEFAULT_SECRET, b"{}", headers,
                                  signed={"content-type"})
    assert status == 400
    assert b"InvalidSignatureException" in body


def test_session_token_of_temporary_credentials(secured):
    with_token = make_client(secured.endpoint, TEMP_KEY, TEMP_SECRET)
    with pytest.raises(ClientError) as excinfo:
        with_token.list_tables()  # no token sent
    assert error_of(excinfo) == UNRECOGNIZED
    import boto3
    from conftest import client_config
    client = boto3.client("dynamodb", endpoint_url=secured.endpoint, region_name="us-east-1",
                          aws_access_key_id=TEMP_KEY, aws_secret_access_key=TEMP_SECRET,
                          aws_session_token=TEMP_TOKEN, config=client_config())
    assert client.list_tables()["ResponseMetadata"]["HTTPStatusCode"] == 200
    wrong = boto3.client("dynamodb", endpoint_url=secured.endpoint, region_name="us-east-1",
                         aws_access_key_id=TEMP_KEY, aws_secret_access_key=TEMP_SECRET,
                         aws_session_token="not-the-token", config=client_config())
    with pytest.raises(ClientError) as excinfo:
        wrong.list_tables()
    assert error_of(excinfo) == UNRECOGNIZED


def server_cpu_seconds(pid):
    import os
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_thousands_of_signed_header_names_cost_little(secured):
    # 2,500 headers, each named twice in SignedHeaders (5,000 names; the request stays under the
    # 64 KB header limit): matching names to headers is O(n log n), not quadratic (this cost
    # ~42 ms of CPU per request before, on the machine where it was measured).
    import socket
    import time as _time
    names = [f"h{i:04d}" for i in range(2500)]
    signed = ";".join(["host"] + sorted(names + names))
    amz_date = _time.strftime("%Y%m%dT%H%M%SZ", _time.gmtime())
    request = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{secured.port}\r\n"
        "X-Amz-Target: DynamoDB_20120810.ListTables\r\n"
        f"X-Amz-Date: {amz_date}\r\n"
        f"Authorization: AWS4-HMAC-SHA256 Credential={DEFAULT_KEY}/{amz_date[:8]}/us-east-1/dynamodb/"
        f"aws4_request, SignedHeaders={signed}, Signature={'0' * 64}\r\n"
        + "".join(f"{h}: v\r\n" for h in names) + "Content-Length: 2\r\n\r\n{}").encode()
    before = server_cpu_seconds(secured.proc.pid)
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", secured.port), timeout=30) as conn:
            conn.sendall(request)
            reply = conn.recv(65536)
        assert reply.startswith(b"HTTP/1.1 400") and b"InvalidSignatureException" in reply
    spent = (server_cpu_seconds(secured.proc.pid) - before) / 5
    assert spent < 0.015, f"{spent * 1000:.1f} ms of server CPU per request"


def test_an_expired_signature_is_answered_before_the_scope(secured):
    """A request an hour old, signed for the wrong service and region: the service answers the
    time first ("Signature expired: ... is now earlier than ..."), before the credential scope
    or the key."""
    import datetime
    import http.client
    import json
    from unittest import mock
    from urllib.parse import urlparse

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    real = datetime.datetime

    class HourAgo(real):
        @classmethod
        def utcnow(cls):
            return real.utcnow() - datetime.timedelta(hours=1)

        @classmethod
        def now(cls, tz=None):
            return real.now(tz) - datetime.timedelta(hours=1)

    body = json.dumps({}).encode()
    req = AWSRequest(method="POST", url=secured.endpoint + "/", data=body,
                     headers={"X-Amz-Target": "DynamoDB_20120810.ListTables",
                              "Content-Type": "application/x-amz-json-1.0"})
    with mock.patch("botocore.auth.datetime.datetime", HourAgo):
        SigV4Auth(Credentials("AKIAUNKNOWNKEY000000", "x"), "lambda", "eu-west-9").add_auth(req)
    url = urlparse(secured.endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("POST", "/", body=body, headers=dict(req.headers.items()))
    resp = conn.getresponse()
    answer = json.loads(resp.read())
    conn.close()
    assert resp.status == 400
    assert answer["__type"].endswith("#InvalidSignatureException")
    assert re.fullmatch(r"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z "
                        r"\(\d{8}T\d{6}Z - 15 min\.\)", answer["message"]), answer
