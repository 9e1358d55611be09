"""``python -m errorhub.worker [options]``: ``celery -A errorhub worker [options]``, leaner.

Same command, options and behaviour (it *is* Celery's ``worker`` command), but
started without the rest of Celery's CLI: the ``celery`` program imports every
sub-command before running one, and ``celery amqp``'s REPL alone brings
prompt_toolkit and pygments — ~7 MiB in every worker process that never uses
them (measured with ``bench/storm``; the embedded default is held to a memory
budget). ``celery -A errorhub ...`` stays the tool for everything else.
"""

from __future__ import annotations

import os
import sys

from celery.bin.base import CLIContext
from celery.bin.worker import worker


def main(argv: list[str] | None = None) -> None:
    """Run Celery's worker command for ErrorHub's app, as ``celery -A errorhub worker`` does."""
    args = sys.argv[1:] if argv is None else argv
    if {"-D", "--detach"} & set(args):  # celery re-executes itself as ``python -m celery <args>`` to detach
        raise SystemExit(
            "python -m errorhub.worker runs in the foreground; to detach use `celery -A errorhub worker --detach ...`"
        )
    from errorhub.celery import app  # start-up: after the --detach check, which needs no Django

    # What the ``celery`` group does before handing over to ``worker``: the app's extra options.
    worker.params.extend(app.user_options.get("worker", []))
    worker.params.extend(app.user_options.get("preload", []))
    worker.main(
        args=args,
        prog_name="python -m errorhub.worker",
        auto_envvar_prefix="CELERY_WORKER",
        obj=CLIContext(app=app, no_color=bool(os.environ.get("NO_COLOR")), workdir=None, quiet=False),
    )


if __name__ == "__main__":
    main()
