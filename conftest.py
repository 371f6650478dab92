"""Test-wide set-up. The settings recognise pytest themselves (see settings.TESTING)."""
