"""VAPID keys for Web Push: from the environment, else var/vapid.json (written by
``manage.py vapid_keys``)."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings


@dataclass(frozen=True)
class VapidKeys:
    private_key: str  # base64url of the raw 32-byte private number (what pywebpush accepts)
    public_key: str  # base64url of the uncompressed point (the browser's applicationServerKey)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(_b64(private), _b64(public))


def key_file() -> Path:
    return Path(settings.VAR_DIR) / "vapid.json"


def write_key_file(keys: VapidKeys, path: Path | None = None) -> Path:
    """Write the keys readable by the owner only; the caller decides about overwriting."""
    path = path or key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"private_key": keys.private_key, "public_key": keys.public_key}, handle)
    path.chmod(0o600)
    vapid_keys.cache_clear()
    return path


@cache
def vapid_keys() -> VapidKeys | None:
    if settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY:
        return VapidKeys(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY)
    path = key_file()
    if path.exists():
        data = json.loads(path.read_text())
        return VapidKeys(data["private_key"], data["public_key"])
    return None
