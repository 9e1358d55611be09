"""axe-core (from npm, pinned in tests/clients/axe/package.json) run inside a Playwright page.

The dashboard's strict CSP (``script-src 'self'``) stays ON during the audit: an inline
``add_script_tag(content=...)`` would be refused, so :func:`serve_axe` answers a same-origin URL
(``/__axe__/axe.min.js``) from the local file through ``context.route`` and the script is added
by URL. The page is therefore audited exactly as a user's browser gets it, CSP included; no
``bypass_csp``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).resolve().parents[1] / "clients" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__axe__/axe.min.js"
BLOCKING = ("serious", "critical")  # issue #22: no serious or critical violation on any page
#: WCAG 2.1 A and AA plus axe's best practices (landmarks, one main, page heading)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on one page, with the nodes that break it."""

    page: str
    rule: str
    impact: str
    help: str
    help_url: str
    nodes: tuple[str, ...]

    def describe(self) -> str:
        shown = "\n".join(f"      {n}" for n in self.nodes[:5])
        more = f"\n      … and {len(self.nodes) - 5} more" if len(self.nodes) > 5 else ""
        return f"  {self.page}: [{self.impact}] {self.rule}: {self.help}\n    {self.help_url}\n{shown}{more}"


def serve_axe(context: Any) -> None:
    """Answer ``/__axe__/axe.min.js`` on any origin from the npm package (same origin: CSP allows it)."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run scripts/build_clients.sh axe (npm ci in tests/clients/axe)")
    body = AXE_JS.read_bytes()
    context.route(
        f"**{AXE_PATH}", lambda route: route.fulfill(status=200, body=body, content_type="application/javascript")
    )


def audit(page: Any, label: str) -> list[Violation]:
    """Every violation axe finds on the current page (all impacts); ``label`` names the page in reports."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_PATH)
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,"
        " nodes: v.nodes.map(n => n.target.join(' ') + '  ' + (n.failureSummary || '').replace(/\\s+/g, ' '))}))",
        TAGS,
    )
    return [
        Violation(
            page=label,
            rule=v["id"],
            impact=v["impact"] or "minor",
            help=v["help"],
            help_url=v["helpUrl"],
            nodes=tuple(v["nodes"]),
        )
        for v in result
    ]


def blocking(violations: list[Violation]) -> list[Violation]:
    """The violations issue #22 forbids: serious or critical."""
    return [v for v in violations if v.impact in BLOCKING]


def report(violations: list[Violation]) -> str:
    """A failure message: rule, impact, help URL and the offending nodes, page by page."""
    return f"{len(violations)} serious/critical accessibility violation(s):\n" + "\n".join(
        v.describe() for v in violations
    )
