"""Accounts and roles: who may sign in, as which role, linked to which party; the one policy."""
