"""The favicon: the plain icon for everyone, and for a signed-in user the icon with their inbox count.

Browsers ask for ``/favicon.ico`` on every site, whatever the page links: it redirects to the static
SVG rather than answering 404. The badge is drawn on the server from the same selector the inbox
counts with, so the two cannot disagree; an anonymous request gets the plain icon (no count, no
redirect to the login page), so the icon says nothing about anyone's inbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from errorhub.issues import selectors as issue_selectors

#: Seconds a browser may keep a drawn count: brief, since triage changes it. The inbox page links
#: the icon with its own count in the URL, so there the icon is fresh on every load.
BADGE_MAX_AGE = 30


@dataclass(frozen=True)
class Badge:
    """Where the count's pill sits on the 64×64 icon: a circle for one digit, wider for more."""

    label: str
    width: int
    font: int

    @property
    def x(self) -> int:
        return 64 - self.width

    @property
    def cx(self) -> int:
        return 64 - self.width // 2


def badge_for(count: int) -> Badge | None:
    """The pill for ``count`` inbox issues; none for an empty inbox; past 99 it reads "99+"."""
    if count <= 0:
        return None
    label = str(count) if count < 100 else "99+"
    return Badge(label=label, width={1: 36, 2: 48}.get(len(label), 64), font=30 if len(label) < 3 else 24)


@require_safe
def favicon_ico(request: HttpRequest) -> HttpResponse:
    return redirect(static("errorhub/favicon.svg"))


@require_safe
def favicon_badge(request: HttpRequest) -> HttpResponse:
    count = issue_selectors.inbox_for_user(request.user).count() if request.user.is_authenticated else 0
    response = render(
        request, "dashboard/favicon.svg", {"count": count, "badge": badge_for(count)}, content_type="image/svg+xml"
    )
    patch_cache_control(response, private=True, max_age=BADGE_MAX_AGE)
    patch_vary_headers(response, ["Cookie"])
    return response
