"""Users and their deployment roles.

Community roles (member, coordinator, investigator) live on ``communities.Membership``; the
deployment roles that act for an organisation (police, municipality, privacy officer, admin) are
``RoleGrant`` rows, each scoped to an area (their jurisdiction) where that applies.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class Language(models.TextChoices):
    DUTCH = "nl", _("Nederlands")
    ENGLISH = "en", _("English")


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(
        _("name shown to others"),
        max_length=80,
        blank=True,
        help_text=_("Shown to your community's coordinators and members. A first name is enough."),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.DUTCH
    )
    quiet_hours_start = models.TimeField(
        _("quiet hours from"),
        null=True,
        blank=True,
        help_text=_("Non-urgent alerts wait until the quiet hours end."),
    )
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email.split("@", 1)[0]

    @property
    def public_name(self) -> str:
        """What other people see: the chosen name, or a neutral label; never the e-mail address."""
        return self.display_name or _("Neighbour #%(id)s") % {"id": self.pk}


class Role(models.TextChoices):
    POLICE = "police", _("Police (wijkagent)")
    MUNICIPALITY = "municipality", _("Municipality")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    ADMIN = "admin", _("Administrator")


class RoleGrant(models.Model):
    """A deployment role held by a user, scoped to an area (jurisdiction) where the role has one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_grants",
        verbose_name=_("jurisdiction"),
        help_text=_("Police and municipality roles see only this area and what lies inside it."),
    )
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"], name="unique_role_grant"),
            models.CheckConstraint(
                condition=~models.Q(role__in=["police", "municipality"])
                | models.Q(area__isnull=False),
                name="partner_role_needs_area",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.area or '-'})"
