"""Workflows: steps that span contexts, owned in one place and called by every adapter (the
CLI, the HTTP API, the web UI) and by the demo. A context never imports a workflow."""
