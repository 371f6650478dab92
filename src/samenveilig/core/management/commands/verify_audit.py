from django.core.management.base import BaseCommand, CommandError

from samenveilig.core.audit import verify_chain
from samenveilig.core.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Verify the hash chain of the audit log; exits non-zero when a row was edited or deleted."
    )

    def handle(self, *args: object, **options: object) -> None:
        problems = verify_chain()
        total = AuditEvent.objects.count()
        if problems:
            for problem in problems:
                self.stderr.write(f"row {problem.sequence}: {problem.reason}")
            raise CommandError(f"Audit chain broken: {len(problems)} problem(s) in {total} rows.")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {total} rows verified."))
