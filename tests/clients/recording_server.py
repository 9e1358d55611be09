#!/usr/bin/env python3
"""A tiny stdlib HTTP server that records every request a Sentry SDK sends.

It listens on 127.0.0.1 only, decodes ``Transfer-Encoding: chunked`` request bodies and
``Content-Encoding`` gzip / deflate / br (br needs the ``brotli`` package), and answers
``200 {"id": "<event id>"}``.

Two modes:

``serve``
    Record to a directory until interrupted::

        python recording_server.py serve --dir /tmp/rec [--port 0] [--port-file F]

    Each request N is written as ``NNNN.body`` (decoded body), ``NNNN.raw`` (bytes as they
    arrived after de-chunking, before content decoding) and ``NNNN.meta.json``.

``capture``
    Start the server on a free port, run one client command with ``SENTRY_DSN`` pointing at
    it, then write the envelopes it received as fixtures::

        python recording_server.py capture --out tests/fixtures/sentry/python --name normal \\
            -- python tests/clients/python/send_events.py

    writes ``<name>_<NN>_<item types>.envelope`` (decoded request body, byte for byte),
    ``<name>_<NN>_<item types>.envelope.<br|gzip|deflate>`` (the compressed bytes as sent, only
    when the request had a Content-Encoding) and
    ``<name>_<NN>_<item types>.meta.json`` (method, path, query, headers, wire facts) for each
    request. The client's stdout/stderr/exit status go to ``<name>.client.json``.

It can also be used in-process: ``with RecordingServer(directory) as srv: srv.dsn(...)``.
"""

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

try:  # optional: only needed for Content-Encoding: br
    import brotli  # type: ignore
except ImportError:  # pragma: no cover
    brotli = None

# A fixed, fake public key so fixtures are reproducible (never a real credential).
DEFAULT_KEY = "0123456789abcdef0123456789abcdef"
DEFAULT_PROJECT = "1"

RELEVANT_HEADERS = (
    "Content-Type",
    "Content-Encoding",
    "Content-Length",
    "Transfer-Encoding",
    "User-Agent",
    "X-Sentry-Auth",
    "Accept-Encoding",
    "Connection",
    "Host",
)


class BodyDecodeError(Exception):
    pass


def read_chunked(rfile):
    """Read a chunked transfer-encoded body from ``rfile`` and return the payload bytes."""
    out = bytearray()
    while True:
        line = rfile.readline(65537)
        if not line:
            raise BodyDecodeError("connection closed inside chunked body")
        size_field = line.split(b";", 1)[0].strip()
        try:
            size = int(size_field, 16)
        except ValueError as exc:
            raise BodyDecodeError(f"bad chunk size line {line!r}") from exc
        if size == 0:
            # trailers until the empty line
            while True:
                trailer = rfile.readline(65537)
                if trailer in (b"\r\n", b"\n", b""):
                    return bytes(out)
        chunk = rfile.read(size)
        if len(chunk) != size:
            raise BodyDecodeError("short chunk")
        out += chunk
        rfile.readline(3)  # CRLF after the chunk


def decode_content(body, encoding):
    """Undo ``Content-Encoding`` (possibly a comma-separated list, applied in order)."""
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)  # zlib-wrapped (what the RFC means)
            except zlib.error:
                body = zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate
        elif coding == "br":
            if brotli is None:
                raise BodyDecodeError("Content-Encoding br but the brotli package is missing")
            body = brotli.decompress(body)
        else:
            raise BodyDecodeError(f"unsupported Content-Encoding {coding!r}")
    return body


def envelope_summary(body):
    """Best-effort parse of a Sentry envelope: header dict and the list of item types."""
    lines = body.split(b"\n", 1)
    try:
        header = json.loads(lines[0]) if lines[0].strip() else {}
    except ValueError:
        return None, []
    rest = lines[1] if len(lines) > 1 else b""
    types = []
    while rest:
        if rest.startswith(b"\n"):
            rest = rest[1:]
            continue
        nl = rest.find(b"\n")
        hdr_bytes = rest if nl < 0 else rest[:nl]
        rest = b"" if nl < 0 else rest[nl + 1 :]
        try:
            item_header = json.loads(hdr_bytes)
        except ValueError:
            break
        types.append(item_header.get("type", "?"))
        length = item_header.get("length")
        if length is not None:
            rest = rest[length:]
            if rest.startswith(b"\n"):
                rest = rest[1:]
        else:
            nl = rest.find(b"\n")
            rest = b"" if nl < 0 else rest[nl + 1 :]
    return header, types


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ErrorHubRecorder/1.0"

    def log_message(self, fmt, *args):  # keep test output quiet
        if self.server.verbose:
            sys.stderr.write("recorder: " + (fmt % args) + "\n")

    def _handle(self):
        started = time.time()
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        error = None
        raw = b""
        try:
            if "chunked" in te:
                raw = read_chunked(self.rfile)
            else:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
        except (BodyDecodeError, ValueError) as exc:
            error = f"read: {exc}"
        body = raw
        if error is None:
            try:
                body = decode_content(raw, self.headers.get("Content-Encoding"))
            except (BodyDecodeError, OSError, zlib.error, Exception) as exc:  # noqa: BLE001
                error = f"decode: {exc}"
        envelope_header, item_types = envelope_summary(body) if error is None else (None, [])
        url = urlsplit(self.path)
        record = {
            "method": self.command,
            "path": url.path,
            "query": url.query,
            "query_params": dict(parse_qsl(url.query, keep_blank_values=True)),
            "http_version": self.request_version,
            "headers": [[k, v] for k, v in self.headers.items()],
            "relevant_headers": {h: self.headers.get(h) for h in RELEVANT_HEADERS if self.headers.get(h) is not None},
            "chunked": "chunked" in te,
            "raw_length": len(raw),
            "decoded_length": len(body),
            "item_types": item_types,
            "envelope_header": envelope_header,
            "error": error,
            "received_at": started,
        }
        self.server.record(record, raw, body)
        event_id = (envelope_header or {}).get("event_id") or ""
        payload = json.dumps({"id": event_id}).encode()
        status = 400 if error else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = _handle
    do_PUT = _handle
    do_GET = _handle


class RecordingServer(ThreadingHTTPServer):
    """Threaded recorder. Use as a context manager; ``records`` holds what arrived."""

    daemon_threads = True

    def __init__(self, directory=None, port=0, verbose=False):
        super().__init__(("127.0.0.1", port), _Handler)
        self.directory = directory
        self.verbose = verbose
        self.records = []  # list of (meta dict, raw bytes, decoded body bytes)
        self._lock = threading.Lock()
        self._thread = None
        if directory:
            os.makedirs(directory, exist_ok=True)

    def handle_error(self, request, client_address):
        # Clients that exit right after a flush may reset kept-alive connections: not an error.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionResetError, BrokenPipeError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    @property
    def port(self):
        return self.server_address[1]

    def dsn(self, key=DEFAULT_KEY, project=DEFAULT_PROJECT):
        return f"http://{key}@127.0.0.1:{self.port}/{project}"

    def record(self, meta, raw, body):
        with self._lock:
            meta["seq"] = len(self.records) + 1
            self.records.append((meta, raw, body))
            if self.directory:
                stem = os.path.join(self.directory, f"{meta['seq']:04d}")
                with open(stem + ".raw", "wb") as f:
                    f.write(raw)
                with open(stem + ".body", "wb") as f:
                    f.write(body)
                with open(stem + ".meta.json", "w") as f:
                    json.dump(meta, f, indent=2, sort_keys=True)

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def wait_quiet(self, quiet=0.5, timeout=10.0):
        """Wait until no request has arrived for ``quiet`` seconds (or ``timeout``)."""
        deadline = time.time() + timeout
        last = len(self.records)
        since = time.time()
        while time.time() < deadline:
            time.sleep(0.05)
            n = len(self.records)
            if n != last:
                last, since = n, time.time()
            elif time.time() - since >= quiet:
                return


def _safe(name):
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "unknown"


def capture(out_dir, name, command, env_extra=None, timeout=120.0):
    """Run ``command`` against a fresh recorder and write fixtures; returns the records."""
    os.makedirs(out_dir, exist_ok=True)
    with RecordingServer() as srv:
        env = dict(os.environ)
        env["SENTRY_DSN"] = srv.dsn()
        env.setdefault("ERRORHUB_RUN_ID", f"fixture-{name}")
        env.update(env_extra or {})
        started = time.time()
        proc = subprocess.run(command, env=env, capture_output=True, timeout=timeout)
        elapsed = time.time() - started
        srv.wait_quiet(quiet=1.0, timeout=10.0)
        records = list(srv.records)
        port = srv.port
    for meta, raw, body in records:
        types = "-".join(_safe(t) for t in meta["item_types"]) or "empty"
        stem = os.path.join(out_dir, f"{name}_{meta['seq']:02d}_{types}")
        meta = dict(meta)
        meta.pop("received_at", None)
        meta["recorder_port"] = port
        meta["capture_command"] = [os.path.basename(str(c)) for c in command]
        with open(stem + ".envelope", "wb") as f:
            f.write(body)
        enc = (meta["relevant_headers"].get("Content-Encoding") or "").strip().lower()
        if enc and enc != "identity" and raw != body:
            # the compressed bytes exactly as sent, e.g. normal_01_event.envelope.br
            meta["compressed_fixture"] = os.path.basename(stem) + ".envelope." + _safe(enc)
            with open(os.path.join(out_dir, meta["compressed_fixture"]), "wb") as f:
                f.write(raw)
        with open(stem + ".meta.json", "w") as f:
            json.dump(meta, f, indent=2, sort_keys=True)
            f.write("\n")
    with open(os.path.join(out_dir, f"{name}.client.json"), "w") as f:
        json.dump(
            {
                "command": [os.path.basename(str(c)) for c in command],
                "returncode": proc.returncode,
                "seconds": round(elapsed, 3),
                "stdout": proc.stdout.decode("utf-8", "replace"),
                "stderr": proc.stderr.decode("utf-8", "replace")[-4000:],
                "requests": len(records),
            },
            f,
            indent=2,
        )
        f.write("\n")
    return proc, records


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p_serve = sub.add_parser("serve", help="record requests to a directory until interrupted")
    p_serve.add_argument("--dir", required=True)
    p_serve.add_argument("--port", type=int, default=0)
    p_serve.add_argument("--port-file", help="write the chosen port here once listening")
    p_serve.add_argument("-v", "--verbose", action="store_true")
    p_cap = sub.add_parser("capture", help="run a client command and save fixtures")
    p_cap.add_argument("--out", required=True)
    p_cap.add_argument("--name", required=True)
    p_cap.add_argument("--clean", action="store_true", help="delete <name>_* fixtures first")
    p_cap.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    if args.mode == "serve":
        srv = RecordingServer(args.dir, args.port, args.verbose)
        if args.port_file:
            with open(args.port_file, "w") as f:
                f.write(str(srv.port))
        print(f"recording on http://127.0.0.1:{srv.port}/ dsn={srv.dsn()}", flush=True)
        try:
            srv.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            srv.server_close()
        return 0

    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("capture needs a command after --")
    if args.clean and os.path.isdir(args.out):
        for fn in os.listdir(args.out):
            if re.match(re.escape(args.name) + r"_\d\d_", fn) or fn == f"{args.name}.client.json":
                os.remove(os.path.join(args.out, fn))
    proc, records = capture(args.out, args.name, command)
    sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
    for meta, _raw, _body in records:
        print(
            f"#{meta['seq']} {meta['method']} {meta['path']}?{meta['query']} "
            f"items={meta['item_types']} chunked={meta['chunked']} "
            f"enc={meta['relevant_headers'].get('Content-Encoding')} "
            f"raw={meta['raw_length']} decoded={meta['decoded_length']} err={meta['error']}"
        )
    print(f"client exit={proc.returncode} requests={len(records)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
