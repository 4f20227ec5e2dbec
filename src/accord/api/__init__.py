"""The HTTP API: an adapter over the same service functions the CLI calls."""

from accord.api.app import create_app

__all__ = ["create_app"]
