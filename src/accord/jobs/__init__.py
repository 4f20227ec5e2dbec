"""Durable jobs: work that outlives a request (creation, model audits after a revocation; later
DJ sets and screening), stored in the registry database and run by workers. See queue.py."""
