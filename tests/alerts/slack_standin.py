"""A local threaded HTTP server that speaks the Slack Web API methods ErrorHub uses
(auth.test, chat.postMessage, chat.update, users.info, users.lookupByEmail,
conversations.info, views.open), so the real slack_sdk client talks to it through
``base_url``, and Slack's incoming webhooks (``webhook_url()``, recorded as method
"incoming-webhook"). It records every call and can be told to answer 500, 429 with
Retry-After, a Slack error, or to hang."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

#: ``manage.py shell -c`` script (``.format(pid=...)``): a Slack channel "alerts" (C0ALERTS)
#: and the rule "every new issue of project <pid> -> #alerts" (the fault tests and the bench).
NEW_ISSUE_RULE_SCRIPT = """
from alerts.models import Channel, Rule
from errorhub.accounts.models import Project
p = Project.objects.get(pk={pid})
ch = Channel.objects.create(organization=p.organization, name="alerts", kind="slack", config={{"channel": "C0ALERTS"}})
r = Rule.objects.create(organization=p.organization, project=p, name="every new issue", triggers=["new_issue"])
r.channels.set([ch])
"""


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int


@dataclass
class SlackStandIn:
    users: dict[str, str] = field(default_factory=dict)  # Slack user id -> email
    channels: set[str] = field(default_factory=lambda: {"C0ALERTS", "C0OTHER"})
    calls: list[Call] = field(default_factory=list)
    script: list[tuple] = field(
        default_factory=list
    )  # queued answers: ("500",), ("429", after), ("error", "x"), ("hang", s)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # ts -> message
    _seq: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    args = json.loads(body or b"{}")
                else:
                    args = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                method = self.path.strip("/").split("/")[-1]
                if self.path.startswith("/services/"):
                    method = "incoming-webhook"
                status, headers, answer = standin.answer(method, args, self.headers.get("Authorization", ""))
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(answer, bytes) else "text/html")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def webhook_url(self) -> str:
        """An incoming-webhook URL on the stand-in (Slack's are https://hooks.slack.com/services/T/B/X)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/services/T0TEST/B0TEST/webhooksecret"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def posted(self, method: str = "chat.postMessage", ok: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200) == ok]

    def answer(self, method: str, args: dict[str, Any], auth: str) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            step = self.script.pop(0) if self.script else None
        if step and step[0] == "hang":
            time.sleep(step[1])
        status, headers, answer = self._answer(method, args, auth, step)
        with self._lock:
            self.calls.append(Call(method, args, status))
        return status, headers, answer

    def _answer(self, method: str, args: dict[str, Any], auth: str, step: tuple | None):
        if step and step[0] == "500":
            return 500, {}, b"<html>upstream error</html>"
        if step and step[0] == "429":
            return 429, {"Retry-After": str(step[1])}, {"ok": False, "error": "ratelimited"}
        if step and step[0] == "error":
            return 200, {}, {"ok": False, "error": step[1]}
        if method == "incoming-webhook":  # no bearer token: the URL is the credential; Slack answers "ok"
            return 200, {}, b"ok"
        if auth != "Bearer xoxb-test":
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        return 200, {}, handler(args)

    def _auth_test(self, args: dict) -> dict:
        return {"ok": True, "team": "Acme", "user": "errorhub", "bot_id": "B1"}

    def _chat_postMessage(self, args: dict) -> dict:
        if args.get("channel") not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        with self._lock:
            self._seq += 1
            ts = f"{1700000000 + self._seq}.000100"
        self.messages[ts] = dict(args)
        return {"ok": True, "channel": args["channel"], "ts": ts, "message": {"text": args.get("text")}}

    def _chat_update(self, args: dict) -> dict:
        if args.get("ts") not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[args["ts"]].update(args)
        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}

    def _users_info(self, args: dict) -> dict:
        email = self.users.get(args.get("user", ""))
        if email is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": args["user"], "profile": {"email": email}}}

    def _users_lookupByEmail(self, args: dict) -> dict:
        for uid, email in self.users.items():
            if email.lower() == str(args.get("email", "")).lower():
                return {"ok": True, "user": {"id": uid, "profile": {"email": email}}}
        return {"ok": False, "error": "users_not_found"}

    def _conversations_info(self, args: dict) -> dict:
        if args.get("channel") not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": args["channel"], "name": "alerts"}}

    def _views_open(self, args: dict) -> dict:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return {"ok": True, "view": {"id": "V1", **(args.get("view") or {})}}
