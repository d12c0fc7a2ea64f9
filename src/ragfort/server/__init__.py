"""The support-agent API (FastAPI)."""
