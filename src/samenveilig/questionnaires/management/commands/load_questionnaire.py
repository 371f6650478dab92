"""``manage.py load_questionnaire [FILE.xlsx ...]``: install XLSForm questionnaires.

Without arguments it installs the ones that ship with Samen Veilig (the standard
buurtonderzoek form). Running it again installs nothing twice; a file with a new version in its
settings sheet becomes the active version.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from samenveilig.questionnaires.services import SHIPPED_FORMS, questionnaire_install
from samenveilig.questionnaires.xlsform import XLSFormError


class Command(BaseCommand):
    help = "Install XLSForm questionnaires (default: the ones shipped with Samen Veilig)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("files", nargs="*", type=Path)

    def handle(self, *args: object, **options: object) -> None:
        given: list[Path] = options["files"]  # type: ignore[assignment]
        files = given or sorted(SHIPPED_FORMS.glob("*.xlsx"))
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
            try:
                questionnaire, created = questionnaire_install(path)
            except XLSFormError as error:
                lines = [f"  {problem}" for problem in error.problems]
                raise CommandError(f"{path}: not installed:\n" + "\n".join(lines)) from error
            state = "installed" if created else "already installed"
            self.stdout.write(
                f"{path.name}: {questionnaire.form_id} version {questionnaire.version} {state}"
            )
