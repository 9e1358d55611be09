"""PII (issue #24): an event full of card numbers, US social security numbers,
passwords and bearer tokens, sent through the real envelope door, leaves none of
them anywhere: not in what the API returns, and not in any row of any table
(every model of every app is read back, so a new table is covered too).
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core import serializers
from django.test import Client

from tests.ingest.helpers import event, event_envelope, post_envelope
from tests.personas import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]  # ingest queues its task on commit

CARDS = ["4111 1111 1111 1111", "4111-1111-1111-1111", "5500005555555559", "378282246310005", "6011 0009 9013 9424"]
SSNS = ["078-05-1120", "219-09-9999"]
PASSWORDS = ["hunter2-pass", "Tr0ub4dor&3x"]
TOKENS = [
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-zz9",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "xoxb-1234-5678-abcdefABCDEF",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
]
SECRETS = CARDS + SSNS + PASSWORDS + TOKENS


def pii_event() -> dict:
    return event(
        message=f"payment failed for card {CARDS[0]} ssn {SSNS[0]} with Authorization: Bearer {TOKENS[0]}",
        logger="payments",
        transaction=f"/pay/{CARDS[3]}",
        exception={
            "values": [
                {
                    "type": "PaymentError",
                    "value": f"card {CARDS[1]} declined, ssn {SSNS[1]}",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "charge",
                                "filename": "shop/pay.py",
                                "lineno": 9,
                                "vars": {"password": PASSWORDS[0], "card": CARDS[2]},
                            }
                        ]
                    },
                }
            ]
        },
        request={
            "url": f"https://shop.example/pay?card={CARDS[4].replace(' ', '')}&password={PASSWORDS[1]}",
            "method": "POST",
            "headers": {
                "Authorization": f"Bearer {TOKENS[0]}",
                "X-Api-Key": TOKENS[3],
                "Cookie": f"session={TOKENS[1]}",
            },
            "data": {"password": PASSWORDS[0], "card_number": CARDS[0], "ssn": SSNS[0]},
        },
        extra={
            "github_token": TOKENS[1],
            "slack_token": TOKENS[2],
            "note": f"ssn {SSNS[1]} card {CARDS[3]}",
            "login": {"user": "ada", "passwd": PASSWORDS[1]},
        },
        tags={"card": CARDS[2], "ssn": SSNS[0]},
        contexts={"payment": {"pan": CARDS[4], "authorization": f"Bearer {TOKENS[2]}"}},
        user={"id": "u-42", "email": "ada@example.com", "password": PASSWORDS[0]},
        breadcrumbs={
            "values": [
                {
                    "message": f"POST /login password={PASSWORDS[1]} card={CARDS[1]}",
                    "data": {"Authorization": f"Bearer {TOKENS[3]}"},
                }
            ]
        },
        fingerprint=["payments"],
    )


def survivors(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def where(text: str) -> str:
    """Each surviving secret with the text around it, for the failure message."""
    return "\n".join(f"{s!r}: …{text[max(text.find(s) - 80, 0) : text.find(s) + 60]}…" for s in survivors(text))


def every_row() -> str:
    """Every row of every model of ErrorHub's apps, serialised."""
    parts = []
    for config in apps.get_app_configs():
        if config.name.split(".")[0] not in ("errorhub", "ingest", "alerts"):
            continue
        for model in config.get_models():
            parts.append(serializers.serialize("json", model.objects.all()))
    return "\n".join(parts)


def test_no_secret_is_stored_or_served(client: Client, world: World):
    body = pii_event()
    assert survivors(json.dumps(body)) == SECRETS, "the event carries every secret"
    response = post_envelope(client, world, event_envelope(body))
    assert response.status_code == 200, response.content

    api = world.api(world.owner)
    served = api.get(f"/api/0/projects/acme/shop/events/{body['event_id']}/")
    assert served.status_code == 200, served.content
    assert "PaymentError" in served.content.decode(), "the event is still actionable"
    issues = api.get("/api/0/projects/acme/shop/issues/?query=").content.decode()
    served_text = served.content.decode() + issues
    stored = every_row()
    assert "PaymentError" in stored
    assert (survivors(served_text), survivors(stored)) == ([], []), (
        f"secrets served by the API:\n{where(served_text)}\nsecrets stored in the database:\n{where(stored)}"
    )
