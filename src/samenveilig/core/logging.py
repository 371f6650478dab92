"""Structured logging with structlog: JSON in production, readable console in the demo.

Log lines carry ids and counts, never personal data (names, e-mail addresses, postcodes, free
text). The ``scrub_personal_data`` processor is a second line of defence for keys that should
never appear.
"""

from __future__ import annotations

from typing import Any

import structlog

FORBIDDEN_KEYS = {
    "email",
    "name",
    "display_name",
    "postcode",
    "address",
    "phone",
    "password",
    "text",
}


def scrub_personal_data(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in list(event_dict):
        if key in FORBIDDEN_KEYS:
            event_dict[key] = "[removed]"
    return event_dict


def configure_logging(log_format: str, level: str) -> dict[str, Any]:
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso"),
        scrub_personal_data,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    renderer = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    renderer,
                ],
                "foreign_pre_chain": shared,
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django logs full URLs (which may hold tokens) on 4xx: only errors.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
        },
    }
