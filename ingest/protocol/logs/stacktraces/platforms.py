"""The event ``platform`` of each stack-trace language (Sentry's platform names)."""

from __future__ import annotations

PLATFORMS: dict[str, str] = {
    "python": "python",
    "java": "java",
    "go": "go",
    "javascript": "node",
    "ruby": "ruby",
    "php": "php",
    "dotnet": "csharp",
    "rust": "rust",
    "dart": "dart",
    "elixir": "elixir",
    "erlang": "other",  # Sentry's event protocol names no Erlang platform
}
