"""A small real HTTP server speaking the Lambda Invoke API, for the trigger tests.

ddbd delivers a trigger's batches by POSTing them to
``{endpoint}/2015-03-31/functions/{FunctionName}/invocations`` (the Lambda Invoke API). This
server answers those requests and records every invocation (function name, parsed event, time of
arrival), so that tests can check what arrived, in which order and how often.

What a function answers is up to the test: ``endpoint.set_behaviour("fn", behaviour)`` with a
callable ``behaviour(event, info) -> (status, headers, body)`` (or None for the default: 200,
body ``null``). ``info`` is an :class:`Invocation` (function, attempt, ...). The helpers
``function_error()``, ``batch_item_failures(...)`` build the usual answers.

Usage::

    with LambdaEndpoint() as endpoint:
        endpoint.set_behaviour("fn", lambda event, info: function_error() if info.attempt < 3 else None)
        ... ddbd --lambda-endpoint endpoint.url ...
        endpoint.wait_for_records(10)
"""

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INVOKE_PREFIX = "/2015-03-31/functions/"
INVOKE_SUFFIX = "/invocations"

NOT_FOUND = (404, {"Content-Type": "application/json", "x-amzn-ErrorType": "ResourceNotFoundException"},
             {"Type": "User", "Message": "Function not found"})


def function_error(message="boom", error_type="Error"):
    """The answer of a function that threw: HTTP 200, X-Amz-Function-Error: Unhandled."""
    return (200, {"X-Amz-Function-Error": "Unhandled", "Content-Type": "application/json"},
            {"errorMessage": message, "errorType": error_type})


def batch_item_failures(*sequence_numbers):
    """A successful answer reporting some records as failed (ReportBatchItemFailures)."""
    return (200, {"Content-Type": "application/json"},
            {"batchItemFailures": [{"itemIdentifier": s} for s in sequence_numbers]})


def ok(body=None):
    return (200, {"Content-Type": "application/json"}, body)


def function_name_of(path_name):
    """'fn' for 'fn', 'fn:alias', 'arn:aws:lambda:r:a:function:fn' or '...:function:fn:alias'."""
    name = path_name
    if name.startswith("arn:"):
        parts = name.split(":")
        if len(parts) >= 7 and parts[5] == "function":
            name = parts[6]
    elif ":" in name:
        name = name.split(":", 1)[0]
    return name


@dataclass
class Invocation:
    function: str          # the function's name (an ARN in the path is reduced to the name)
    path_name: str         # the FunctionName as it was in the path (URL-decoded)
    event: object          # the parsed JSON body (None if it was not JSON)
    raw: bytes
    headers: dict
    time: float            # time.time() at arrival
    index: int             # 1-based, over all invocations of this endpoint
    number: int            # 1-based, over this function's invocations
    attempt: int           # 1 + earlier invocations of this function with the same records
    status: int = None     # the HTTP status answered (None while the behaviour runs)
    response: object = None  # the body answered
    failed: bool = None    # answered with X-Amz-Function-Error or a status >= 300
    done: float = None     # time.time() when answered

    @property
    def records(self):
        if isinstance(self.event, dict):
            return self.event.get("Records") or []
        return []

    @property
    def record_ids(self):
        return tuple(r.get("eventID") for r in self.records)


class LambdaEndpoint:
    """The server. ``start()``/``stop()`` or a ``with`` block; ``url`` is its base URL."""

    def __init__(self, host="127.0.0.1"):
        self._host = host
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._behaviours = {}
        self.default_behaviour = None
        self.invocations = []
        self.unknown_requests = []  # (method, path) of requests to other paths
        self._server = None
        self._thread = None

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        endpoint = self

        class Handler(_Handler):
            owner = endpoint

        self._server = _Server((self._host, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="lambda-endpoint",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return f"http://{self._host}:{self.port}"

    # -- behaviour ---------------------------------------------------------

    def set_behaviour(self, function, behaviour):
        """behaviour(event, info) -> (status, headers, body) or None (= 200 null)."""
        with self._lock:
            self._behaviours[function] = behaviour

    def _behaviour_for(self, function):
        with self._lock:
            return self._behaviours.get(function, self.default_behaviour)

    # -- what arrived ------------------------------------------------------

    def calls(self, function=None):
        """A snapshot of the invocations (of one function), in order of arrival."""
        with self._lock:
            return [i for i in self.invocations if function is None or i.function == function]

    def events(self, function=None):
        return [i.event for i in self.calls(function)]

    def records(self, function=None, succeeded_only=False):
        """Every record of every invocation, in order of arrival."""
        out = []
        for call in self.calls(function):
            if succeeded_only and (call.failed is None or call.failed):
                continue
            out += call.records
        return out

    def wait_for(self, predicate, timeout=20.0):
        """Waits until predicate(self) is truthy (re-checked on each arrival and each answer)."""
        deadline = time.time() + timeout
        with self._cond:
            while True:
                value = predicate(self._snapshot_unlocked())
                if value:
                    return value
                remaining = deadline - time.time()
                if remaining <= 0:
                    raise AssertionError(
                        f"lambda endpoint: condition not reached within {timeout:.0f} s; "
                        f"{len(self.invocations)} invocations: {self.summary_unlocked()}")
                self._cond.wait(min(remaining, 0.1))

    def wait_for_calls(self, count, function=None, timeout=20.0):
        return self.wait_for(lambda calls: len([c for c in calls if function is None or
                                                c.function == function]) >= count, timeout)

    def wait_for_records(self, count, function=None, timeout=20.0):
        """Waits until at least ``count`` records arrived (duplicates counted)."""
        return self.wait_for(lambda calls: sum(len(c.records) for c in calls if function is None or
                                               c.function == function) >= count, timeout)

    def _snapshot_unlocked(self):
        return list(self.invocations)

    def summary_unlocked(self):
        return [(i.function, len(i.records), i.status, i.failed) for i in self.invocations[-20:]]

    # -- request handling --------------------------------------------------

    def _arrive(self, path_name, raw, headers):
        try:
            event = json.loads(raw) if raw else None
        except ValueError:
            event = None
        function = function_name_of(path_name)
        with self._cond:
            ids = tuple(r.get("eventID") for r in (event.get("Records") or [])) \
                if isinstance(event, dict) else ()
            same = [i for i in self.invocations if i.function == function and i.record_ids == ids]
            call = Invocation(function=function, path_name=path_name, event=event, raw=raw,
                              headers=headers, time=time.time(), index=len(self.invocations) + 1,
                              number=1 + sum(1 for i in self.invocations if i.function == function),
                              attempt=1 + len(same))
            self.invocations.append(call)
            self._cond.notify_all()
        return call

    def _answered(self, call, status, headers, body):
        with self._cond:
            call.status = status
            call.response = body
            call.failed = status >= 300 or any(k.lower() == "x-amz-function-error" for k in headers)
            call.done = time.time()
            self._cond.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client (ddbd) killed with -9 mid-request leaves broken pipes; not the test's concern.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner = None  # set by LambdaEndpoint.start

    def log_message(self, fmt, *args):
        pass

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, headers, body):
        if body is None:
            data = b"null"
        elif isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
        self.send_response(status)
        headers = dict(headers or {})
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        headers.setdefault("X-Amz-Executed-Version", "$LATEST")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _function_in_path(self):
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith(INVOKE_PREFIX) and path.endswith(INVOKE_SUFFIX):
            name = path[len(INVOKE_PREFIX):-len(INVOKE_SUFFIX)]
            if name and "/" not in name:
                return urllib.parse.unquote(name)
        return None

    def do_POST(self):
        raw = self._read_body()
        name = self._function_in_path()
        if name is None:
            self._unknown()
            return
        owner = self.owner
        call = owner._arrive(name, raw, {k: v for k, v in self.headers.items()})
        behaviour = owner._behaviour_for(call.function)
        answer = behaviour(call.event, call) if behaviour else None
        status, headers, body = answer if answer is not None else ok()
        owner._answered(call, status, headers or {}, body)
        try:
            self._send(status, headers, body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _unknown(self):
        with self.owner._lock:
            self.owner.unknown_requests.append((self.command, self.path))
        self._send(*NOT_FOUND)

    def do_GET(self):
        self._read_body()
        self._unknown()

    do_PUT = do_GET
    do_DELETE = do_GET
