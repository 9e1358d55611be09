"""``python -m errorhub.worker [options]``: ``celery -A errorhub worker [options]``, leaner.

Same command, options and behaviour (it *is* Celery's ``worker`` command), but
started without the rest of Celery's CLI: the ``celery`` program imports every
sub-command before running one, and ``celery amqp``'s REPL alone brings
prompt_toolkit and pygments — ~7 MiB in every worker process that never uses
them (measured with ``bench/storm``; the embedded default is held to a memory
budget). ``celery -A errorhub ...`` stays the tool for everything else.
"""

from __future__ import annotations

import sys

from celery.bin.base import CLIContext
from celery.bin.worker import worker


def main(argv: list[str] | None = None) -> None:
    """Run Celery's worker command for ErrorHub's app, as ``celery -A errorhub worker`` does."""
    from errorhub.celery import app

    # What the ``celery`` group does before handing over to ``worker``: the app's extra options.
    worker.params.extend(app.user_options.get("worker", []))
    worker.params.extend(app.user_options.get("preload", []))
    worker.main(args=sys.argv[1:] if argv is None else argv, prog_name="python -m errorhub.worker",
                obj=CLIContext(app=app, no_color=False, workdir=None, quiet=False))


if __name__ == "__main__":
    main()
