"""The one demo command (PLT-7): load the town when empty, print the logins, run web + worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from samenveilig.core import demo
from samenveilig.core.management.commands.load_demo import require_demo_mode


def _manage_py() -> list[str]:
    manage = Path(settings.PROJECT_DIR) / "manage.py"
    if manage.exists():
        return [sys.executable, str(manage)]
    return [sys.executable, "-m", "django"]


class Command(BaseCommand):
    help = (
        "Run the demo: migrate, load the demo town when the database is empty, print the demo "
        "logins, then run the web server and the background worker until Ctrl-C."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("SAMENVEILIG_PORT", "8000")),
            help="port of the web server on 127.0.0.1 (default: $SAMENVEILIG_PORT or 8000)",
        )
        parser.add_argument("--no-worker", action="store_true", help="run the web server only")

    def handle(self, *args: object, **options: object) -> None:
        require_demo_mode()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo", stdout=self.stdout)
        self.print_logins(int(options["port"]))
        commands = [[*_manage_py(), "runserver", f"127.0.0.1:{options['port']}", "--noreload"]]
        if not options["no_worker"]:
            commands.append([*_manage_py(), "db_worker", "--no-reload", "--queue-name", "*"])
        code = self.supervise(commands)
        if code:
            raise CommandError(f"A demo process stopped unexpectedly (exit code {code}).")

    def print_logins(self, port: int) -> None:
        rows = demo.demo_logins()
        width = max(len(row["role"]) for row in rows) if rows else 10
        email_width = max(len(row["email"]) for row in rows) if rows else 10
        out = self.stdout.write
        out("")
        out(self.style.MIGRATE_HEADING(f"Samen Veilig demo — {demo.CITY}"))
        out(
            f"Open http://127.0.0.1:{port}/ and log in with one of these accounts "
            f"(password for all: {demo.DEMO_PASSWORD}):"
        )
        out("")
        out(f"  {'role'.ljust(width)}  {'e-mail'.ljust(email_width)}  password")
        out(f"  {'-' * width}  {'-' * email_width}  {'-' * len(demo.DEMO_PASSWORD)}")
        for row in rows:
            role, email = row["role"].ljust(width), row["email"].ljust(email_width)
            out(f"  {role}  {email}  {row['password']}")
        privileged = [row for row in rows if row["totp_uri"]]
        if privileged:
            out("")
            out("Two-factor authentication (TOTP) is required for these accounts. Add the URI")
            out("to an authenticator app, or get the current code with:")
            out("  python manage.py demo_totp EMAIL")
            for row in privileged:
                out(f"  {row['email']}: {row['totp_uri']}")
                out(f"    current code: python manage.py demo_totp {row['email']}")
        out("")
        out("Ctrl-C stops the web server and the worker.")
        out("")
        self.stdout.flush()

    def supervise(self, commands: list[list[str]]) -> int:
        """Start the children, forward SIGINT/SIGTERM, stop all when one ends; return its code."""
        # Children get their own process group, so a Ctrl-C in the terminal reaches only this
        # process, which forwards it exactly once (a second signal to the worker forces it).
        children = [
            subprocess.Popen(command, env=os.environ.copy(), process_group=0)
            for command in commands
        ]
        stopping = False

        def forward(signum: int, _frame: object) -> None:
            nonlocal stopping
            for child in children:
                if child.poll() is not None:
                    continue
                if stopping:  # a second Ctrl-C while stopping means: stop now
                    child.kill()
                else:
                    child.send_signal(signum)
            stopping = True

        previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.3)
            ended = next(child for child in children if child.poll() is not None)
            for child in children:
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + 10
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0 if stopping else (ended.returncode or 1)
