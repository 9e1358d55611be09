"""Slack's doors: ``POST /slack/interactions/`` and ``POST /slack/commands/`` (signed by
Slack, verified here), and the digest unsubscribe link. Thin: verify, call, answer."""

from __future__ import annotations

import json

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from alerts import slack_actions
from alerts.digest import digest_unsubscribe


def _verified(request: HttpRequest) -> bool:
    """Slack's v0 HMAC over ``v0:<timestamp>:<body>``; stale (> 5 min) timestamps fail."""
    if not settings.SLACK_SIGNING_SECRET:
        return False
    from slack_sdk.signature import SignatureVerifier  # here: slack_sdk is ~15 MiB in every process otherwise

    return SignatureVerifier(settings.SLACK_SIGNING_SECRET).is_valid_request(request.body, dict(request.headers))


def _ephemeral(text: str) -> JsonResponse:
    return JsonResponse({"response_type": "ephemeral", "replace_original": False, "text": text})


@csrf_exempt
@require_POST
def interactions(request: HttpRequest) -> HttpResponse:
    if not _verified(request):
        return HttpResponse("invalid Slack signature or stale timestamp", status=401)
    try:
        payload = json.loads(request.POST.get("payload", ""))
    except json.JSONDecodeError:
        return HttpResponse("payload is not JSON", status=400)
    slack_user = (payload.get("user") or {}).get("id", "")
    try:
        if payload.get("type") == "block_actions":
            texts = [slack_actions.handle_block_action(slack_user, a, payload.get("trigger_id", ""))
                     for a in payload.get("actions") or []]
            text = " ".join(t for t in texts if t)
            return _ephemeral(text) if text else HttpResponse(status=200)
        if payload.get("type") == "view_submission" and (payload.get("view") or {}).get("callback_id") == "issue_snooze":
            errors = slack_actions.handle_snooze_submission(slack_user, payload["view"])
            return JsonResponse({"response_action": "errors", "errors": errors}) if errors else HttpResponse(status=200)
    except slack_actions.SlackActionError as exc:
        if payload.get("type") == "view_submission":
            return JsonResponse({"response_action": "errors", "errors": {"reason": str(exc)}})
        return _ephemeral(f":warning: {exc}")
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def commands(request: HttpRequest) -> HttpResponse:
    if not _verified(request):
        return HttpResponse("invalid Slack signature or stale timestamp", status=401)
    try:
        return _ephemeral(slack_actions.handle_command(request.POST.get("user_id", ""), request.POST.get("text", "")))
    except slack_actions.SlackActionError as exc:
        return _ephemeral(f":warning: {exc}")


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
