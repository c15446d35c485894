"""Shared fixtures for the ddbd black-box conformance suite.

The tests in this directory state facts about Amazon DynamoDB. By default a
ddbd server is started for the session (binary: $DDBD_BIN or
<repo>/build/release/ddbd). With ``--endpoint URL`` no server is started, the
tests talk to URL instead, and tests marked ``ddbd_only`` are skipped.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

# Debian 12's botocore (1.29) predates WarmThroughput, ContributorInsightsMode, table ARNs as
# RequestItems keys and other members the tests send: clients (and the AWS CLI the tests run)
# load the DynamoDB model of a newer botocore from data/botocore (see data/README.md).
os.environ["AWS_DATA_PATH"] = str(Path(__file__).resolve().parent / "data" / "botocore")

import boto3  # noqa: E402 (after AWS_DATA_PATH)
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = REPO_ROOT / "build" / "release" / "ddbd"
REGION = "us-east-1"
# Any key works against a ddbd started without --credentials.
FAKE_ACCESS_KEY = "AKIDDDBDCONFORMANCE1"
FAKE_SECRET_KEY = "ddbd-conformance-secret-key"
TABLE_PREFIX = "ddbd-conf-"


# --------------------------------------------------------------------------
# pytest hooks
# --------------------------------------------------------------------------

def pytest_addoption(parser):
    parser.addoption(
        "--endpoint",
        action="store",
        default=None,
        help="run against an already running DynamoDB-compatible endpoint "
        "(e.g. http://127.0.0.1:8000 or https://dynamodb.us-east-1.amazonaws.com); "
        "no ddbd is started and ddbd_only tests are skipped",
    )
    parser.addoption(
        "--streams-endpoint",
        action="store",
        default=None,
        help="the DynamoDB Streams endpoint to use with --endpoint (e.g. "
        "https://streams.dynamodb.us-east-1.amazonaws.com); ddbd serves both on one port",
    )


# Tests of operations ddbd does not implement yet (see docs/compatibility.md), skipped when
# running against ddbd and run against any other endpoint. Each entry names its issue; remove
# it when the operation lands.
NOT_YET_IN_DDBD = set()


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--endpoint"):
        not_yet = pytest.mark.skip(reason="not implemented in ddbd yet (docs/compatibility.md)")
        for item in items:
            if item.originalname in NOT_YET_IN_DDBD:
                item.add_marker(not_yet)
        return
    skip = pytest.mark.skip(reason="ddbd_only: needs a ddbd started by the suite (not with --endpoint)")
    for item in items:
        if "ddbd_only" in item.keywords:
            item.add_marker(skip)


# --------------------------------------------------------------------------
# Server process management
# --------------------------------------------------------------------------

def ddbd_binary():
    return Path(os.environ.get("DDBD_BIN") or DEFAULT_BINARY)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DdbdProcess:
    """One ddbd server process, started with custom flags.

    ``data_dir`` is kept across stop()/start()/kill9() so restarts see the
    same data. The server always binds 127.0.0.1 on a fresh free port.
    """

    def __init__(self, data_dir=None, extra_args=(), in_memory=False, log_dir=None, throttling=False,
                 launcher=(), port=None):
        self._tmp = None
        self.fixed_port = port  # kept across restarts (e.g. a peer's URL names it)
        if data_dir is None and not in_memory:
            self._tmp = tempfile.TemporaryDirectory(prefix="ddbd-conf-data-")
            data_dir = self._tmp.name
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.launcher = list(launcher)  # e.g. ["prlimit", "--nofile=256:256"]
        self.throttling = throttling
        self.in_memory = in_memory
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="ddbd-conf-log-"))
        self.proc = None
        self.port = None
        self.log_path = None
        self._starts = 0

    # -- lifecycle ---------------------------------------------------------

    def start(self, timeout=10.0):
        binary = ddbd_binary()
        if not binary.exists():
            raise RuntimeError(
                f"ddbd binary not found at {binary}; build it, set DDBD_BIN, "
                "or pass --endpoint URL"
            )
        self.port = self.fixed_port or free_port()
        args = self.launcher + [str(binary), "--port", str(self.port), "--bind", "127.0.0.1"]
        if self.in_memory:
            args.append("--in-memory")
        else:
            args += ["--data-dir", str(self.data_dir)]
        # Tests run with SDK retries off, so by default the server meters capacity without
        # enforcing it; tests of throttling ask for it (throttling=True).
        if not self.throttling:
            args.append("--no-throttling")
        args += self.extra_args
        self._starts += 1
        self.log_path = self.log_dir / f"ddbd-{self.port}-{self._starts}.log"
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        finally:
            log.close()
        self._wait_healthy(timeout)
        return self

    def _wait_healthy(self, timeout):
        deadline = time.monotonic() + timeout
        url = f"{self.endpoint}/health"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"ddbd exited with code {self.proc.returncode} during start-up; log:\n{self.log_text()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.05)
        self.kill9()
        raise RuntimeError(f"ddbd did not answer GET /health within {timeout}s; log:\n{self.log_text()}")

    def stop(self, timeout=5.0):
        """SIGTERM, then SIGKILL if it has not exited within ``timeout``.

        Returns the exit code (negative if killed by a signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.proc = None
        return code

    def kill9(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc = None

    def restart(self, timeout=10.0):
        self.stop()
        return self.start(timeout)

    def cleanup(self):
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    # -- helpers -----------------------------------------------------------

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except (OSError, AttributeError):
            return ""

    def client(self, access_key=FAKE_ACCESS_KEY, secret_key=FAKE_SECRET_KEY, **config):
        return make_client(self.endpoint, access_key, secret_key, **config)

    def streams_client(self, **config):
        return make_client(self.endpoint, service="dynamodbstreams", **config)


# --------------------------------------------------------------------------
# Client helpers
# --------------------------------------------------------------------------

def client_config(**overrides):
    # Retries off: a conformance failure must not be hidden by a retry.
    kwargs = dict(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)
    kwargs.update(overrides)
    return Config(**kwargs)


def make_client(endpoint, access_key=FAKE_ACCESS_KEY, secret_key=FAKE_SECRET_KEY, service="dynamodb",
                **config):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=client_config(**config),
    )


def _credentials_for(config):
    """Fake keys against ddbd; the environment's keys with --endpoint if set."""
    if config.getoption("--endpoint") and os.environ.get("AWS_ACCESS_KEY_ID"):
        return os.environ["AWS_ACCESS_KEY_ID"], os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    return FAKE_ACCESS_KEY, FAKE_SECRET_KEY


def unique_table_name(tag=""):
    tag = f"{tag}-" if tag else ""
    return f"{TABLE_PREFIX}{tag}{uuid.uuid4().hex[:16]}"


def wait_for_table(ddb, name):
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})


def delete_table_quietly(ddb, name):
    try:
        ddb.delete_table(TableName=name)
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise


def error_of(excinfo):
    """(code, message) of a botocore ClientError captured by pytest.raises."""
    err = excinfo.value.response["Error"]
    return err.get("Code"), err.get("Message")


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def endpoint(request):
    url = request.config.getoption("--endpoint")
    if url:
        yield url.rstrip("/")
        return
    server = DdbdProcess()
    try:
        server.start(timeout=10)
    except RuntimeError as e:
        server.cleanup()
        pytest.fail(str(e), pytrace=False)
    yield server.endpoint
    server.cleanup()


@pytest.fixture(scope="session")
def credentials(request):
    return _credentials_for(request.config)


@pytest.fixture(scope="session")
def ddb(endpoint, credentials):
    """Low-level boto3 client (botocore validates parameters client-side)."""
    return make_client(endpoint, *credentials)


@pytest.fixture(scope="session")
def streams_endpoint(request, endpoint):
    return (request.config.getoption("--streams-endpoint") or endpoint).rstrip("/")


@pytest.fixture(scope="session")
def streams(streams_endpoint, credentials):
    """DynamoDB Streams client (boto3 "dynamodbstreams")."""
    return make_client(streams_endpoint, *credentials, service="dynamodbstreams")


@pytest.fixture(scope="session")
def streams_raw(streams_endpoint, credentials):
    """Streams client that sends malformed input as is."""
    return make_client(streams_endpoint, *credentials, service="dynamodbstreams",
                       parameter_validation=False)


@pytest.fixture(scope="session")
def ddb_raw(endpoint, credentials):
    """Low-level client that sends malformed input as is (no client-side validation)."""
    return make_client(endpoint, *credentials, parameter_validation=False)


@pytest.fixture(scope="session")
def resource(endpoint, credentials):
    access_key, secret_key = credentials
    return boto3.resource(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=client_config(),
    )


@pytest.fixture
def created_tables(ddb):
    """A list; every table name appended to it is deleted after the test."""
    names = []
    yield names
    for name in names:
        delete_table_quietly(ddb, name)


def _create(ddb, name, key_schema, attribute_definitions, **extra):
    kwargs = dict(
        TableName=name,
        KeySchema=key_schema,
        AttributeDefinitions=attribute_definitions,
    )
    if "ProvisionedThroughput" not in extra and "BillingMode" not in extra:
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    kwargs.update(extra)
    ddb.create_table(**kwargs)
    wait_for_table(ddb, name)
    return name


def key_schema_for(hash_key=("pk", "S"), range_key=None):
    ks = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    ad = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    if range_key:
        ks.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
        ad.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
    return ks, ad


@pytest.fixture
def table_factory(ddb):
    """table_factory(hash_key=("pk","S"), range_key=None, **create_kwargs) -> name.

    Creates a uniquely named on-demand table (unless BillingMode /
    ProvisionedThroughput are given), waits until it is ACTIVE, and deletes it
    after the test."""
    names = []

    def make(hash_key=("pk", "S"), range_key=None, tag="", **extra):
        name = extra.pop("TableName", None) or unique_table_name(tag)
        ks, ad = key_schema_for(hash_key, range_key)
        names.append(name)
        return _create(ddb, name, ks, ad, **extra)

    yield make
    for name in names:
        delete_table_quietly(ddb, name)


def _session_table(ddb, hash_key, range_key=None, tag=""):
    name = unique_table_name(tag)
    ks, ad = key_schema_for(hash_key, range_key)
    _create(ddb, name, ks, ad)
    return name


# Session-scoped tables shared by item tests; each test uses its own keys.

@pytest.fixture(scope="session")
def table_s(ddb):
    """Hash-only table, key ``pk`` of type S."""
    name = _session_table(ddb, ("pk", "S"), tag="s")
    yield name
    delete_table_quietly(ddb, name)


@pytest.fixture(scope="session")
def table_sr(ddb):
    """Hash + range table: ``pk`` (S) and ``sk`` (S)."""
    name = _session_table(ddb, ("pk", "S"), ("sk", "S"), tag="sr")
    yield name
    delete_table_quietly(ddb, name)


@pytest.fixture(scope="session")
def table_n(ddb):
    """Hash-only table, key ``pk`` of type N."""
    name = _session_table(ddb, ("pk", "N"), tag="n")
    yield name
    delete_table_quietly(ddb, name)


@pytest.fixture(scope="session")
def table_b(ddb):
    """Hash-only table, key ``pk`` of type B."""
    name = _session_table(ddb, ("pk", "B"), tag="b")
    yield name
    delete_table_quietly(ddb, name)


@pytest.fixture
def ddbd_factory(tmp_path):
    """ddbd_factory(extra_args=(), data_dir=None, start=True) -> DdbdProcess.

    Extra servers for restart, kill -9 and credentials tests; all are stopped
    (and their temporary data removed) after the test."""
    servers = []

    def make(extra_args=(), data_dir=None, start=True, in_memory=False, throttling=False,
             launcher=()):
        server = DdbdProcess(data_dir=data_dir, extra_args=extra_args, in_memory=in_memory,
                             throttling=throttling, log_dir=tmp_path, launcher=launcher)
        servers.append(server)
        if start:
            server.start()
        return server

    yield make
    for server in servers:
        server.cleanup()


@pytest.fixture
def lambda_endpoint():
    """A LambdaEndpoint (conformance/lambda_endpoint.py): a local HTTP server answering the Lambda
    Invoke API and recording every invocation; give its ``url`` to ddbd's --lambda-endpoint."""
    from lambda_endpoint import LambdaEndpoint

    with LambdaEndpoint() as server:
        yield server
