"""Slack's doors: ``POST /slack/interactions/`` and ``POST /slack/commands/`` (signed by
Slack, verified here), and the digest unsubscribe link. Thin: verify, call, answer."""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from alerts.digest import digest_unsubscribe
from alerts.integrations.slack import actions as slack_actions
from alerts.integrations.slack.blocks import escape
from alerts.integrations.slack.payloads import Interaction, SlackPayloadError, parse_interaction
from alerts.integrations.slack.replay import slack_request_claim, slack_request_digest

SIGNATURE_WINDOW = 300  # seconds either side of now, as Slack documents
ALREADY_APPLIED = "This action was already applied; a repeated request changes nothing."


def _verified(request: HttpRequest) -> bool:
    """Slack's v0 HMAC over ``v0:<timestamp>:<body>``; stale (> 5 min) or malformed timestamps fail
    before any arithmetic, so a header like ``X-Slack-Request-Timestamp: soon`` is a 401, not a 500."""
    secret = settings.SLACK_SIGNING_SECRET
    stamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not secret or not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        return False
    if abs(time.time() - int(stamp)) > SIGNATURE_WINDOW:
        return False
    expected = (
        "v0=" + hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + request.body, hashlib.sha256).hexdigest()
    )
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def _first_time(request: HttpRequest) -> bool:
    """False when this exact signed request was already acted on (a replay)."""
    digest = slack_request_digest(request.headers.get("X-Slack-Request-Timestamp", ""), request.body)
    return slack_request_claim(digest=digest)


def _ephemeral(text: str) -> JsonResponse:
    """An answer only the sender sees; ``text`` is Slack mrkdwn, already escaped."""
    return JsonResponse({"response_type": "ephemeral", "replace_original": False, "text": text})


def _modal_errors(errors: dict[str, str]) -> JsonResponse:
    return JsonResponse({"response_action": "errors", "errors": errors})


@csrf_exempt
@require_POST
def interactions(request: HttpRequest) -> HttpResponse:
    if not _verified(request):
        return HttpResponse("invalid Slack signature or stale timestamp", status=401)
    try:
        interaction = parse_interaction(request.POST.get("payload", ""))
    except SlackPayloadError as exc:
        return HttpResponse(str(exc), status=exc.status, content_type="text/plain")
    if not _first_time(request):
        if interaction.kind == "view_submission":
            return _modal_errors({"reason": ALREADY_APPLIED})
        return _ephemeral(ALREADY_APPLIED)
    try:
        return _dispatch(interaction)
    except slack_actions.SlackActionError as exc:
        if interaction.kind == "view_submission":
            return _modal_errors({"reason": escape(exc)})
        return _ephemeral(f":warning: {escape(exc)}")


def _dispatch(interaction: Interaction) -> HttpResponse:
    if interaction.kind == "block_actions":
        texts = [
            slack_actions.handle_block_action(interaction.slack_user, action, interaction.trigger_id)
            for action in interaction.actions
        ]
        text = " ".join(escape(t) for t in texts if t)
        return _ephemeral(text) if text else HttpResponse(status=200)
    if interaction.kind == "view_submission" and interaction.callback_id == "issue_snooze":
        errors = slack_actions.handle_snooze_submission(interaction)
        return _modal_errors(errors) if errors else HttpResponse(status=200)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def commands(request: HttpRequest) -> HttpResponse:
    if not _verified(request):
        return HttpResponse("invalid Slack signature or stale timestamp", status=401)
    if not _first_time(request):
        return _ephemeral(ALREADY_APPLIED)
    try:
        return _ephemeral(slack_actions.handle_command(request.POST.get("user_id", ""), request.POST.get("text", "")))
    except slack_actions.SlackActionError as exc:
        return _ephemeral(f":warning: {escape(exc)}")


@csrf_exempt  # the token is the credential; mail clients' one-click unsubscribe POSTs without a CSRF cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":  # link scanners prefetch GETs: only confirm, change on POST
        try:
            signing.loads(token, salt="alerts.digest.unsubscribe", max_age=60 * 86400)
        except signing.BadSignature:
            return HttpResponse("This unsubscribe link is invalid or expired.", status=400)
        return render(request, "alerts/unsubscribe.html", {"token": token, "done": False})
    try:
        user = digest_unsubscribe(token=token)
    except signing.BadSignature:
        return HttpResponse("This unsubscribe link is invalid or expired.", status=400)
    return render(request, "alerts/unsubscribe.html", {"done": True, "email": user.email})
