"""allauth adapters: encrypt TOTP secrets at rest with the deployment's Fernet keys."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from samenveilig.core.crypto import decrypt_text, encrypt_text


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):  # type: ignore[no-untyped-def]
        user = super().save_user(request, user, form, commit=False)
        user.email = user.email.lower()
        language = getattr(request, "LANGUAGE_CODE", "nl")
        user.language = language if language in {"nl", "en"} else "nl"
        if commit:
            user.save()
        return user


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)
