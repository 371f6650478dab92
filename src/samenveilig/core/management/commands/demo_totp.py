"""Print the current TOTP code of a demo account, so the demo can be used without a phone."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from samenveilig.core import demo
from samenveilig.core.management.commands.load_demo import require_demo_mode


class Command(BaseCommand):
    help = f"Print the current 6-digit two-factor code of a demo account (@{demo.DEMO_DOMAIN})."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("email", help=f"a demo account, e.g. coordinator@{demo.DEMO_DOMAIN}")

    def handle(self, *args: object, **options: object) -> None:
        require_demo_mode()
        email = str(options["email"]).strip().lower()
        if not demo.is_demo_email(email):
            raise CommandError(f"Only demo accounts (@{demo.DEMO_DOMAIN}) have their codes shown.")
        from allauth.mfa.models import Authenticator

        try:
            code = demo.current_totp_code(email)
        except Authenticator.DoesNotExist:
            raise CommandError(f"{email} has no two-factor authenticator.") from None
        self.stdout.write(code)
