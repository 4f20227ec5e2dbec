"""Royalties: usage and revenue events, policies, the distribution engine, the ledger and
statements."""
