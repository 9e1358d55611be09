"""Copy-paste SDK set-up for a project's DSN (plain text; templates escape it)."""

from __future__ import annotations


def sdk_snippets(dsn: str, base_url: str, project_id: int, public_key: str) -> list[tuple[str, str]]:
    logs_url = f"{base_url.rstrip('/')}/api/{project_id}/logs/"
    return [
        (
            "Python",
            f'pip install sentry-sdk\n\nimport sentry_sdk\nsentry_sdk.init(dsn="{dsn}", '
            f'environment="production", release="myapp@1.0.0")',
        ),
        (
            "JavaScript",
            f'npm install @sentry/node   # or @sentry/browser\n\nconst Sentry = require("@sentry/node");\n'
            f'Sentry.init({{ dsn: "{dsn}", environment: "production" }});',
        ),
        (
            "Go",
            f'go get github.com/getsentry/sentry-go\n\nerr := sentry.Init(sentry.ClientOptions{{Dsn: "{dsn}"}})\n'
            f"defer sentry.Flush(2 * time.Second)",
        ),
        ("Java", f'// io.sentry:sentry\nSentry.init(options -> {{\n    options.setDsn("{dsn}");\n}});'),
        ("Ruby", f'gem "sentry-ruby"\n\nSentry.init do |config|\n  config.dsn = "{dsn}"\nend'),
        ("PHP", f"composer require sentry/sentry\n\n\\Sentry\\init(['dsn' => '{dsn}']);"),
        (
            ".NET",
            f'dotnet add package Sentry\n\nusing (SentrySdk.Init(o => {{ o.Dsn = "{dsn}"; }}))\n{{\n    // app\n}}',
        ),
        (
            "Rust",
            f'# Cargo.toml: sentry = "0.34"\nlet _guard = sentry::init(("{dsn}", '
            f"sentry::ClientOptions {{ release: sentry::release_name!(), ..Default::default() }}));",
        ),
        (
            "Logs (any format)",
            f'curl -H "Authorization: DSN {public_key}" --data-binary @app.log \\\n     "{logs_url}"',
        ),
    ]
