"""The embedded default index: loaders, chunking and the Chroma store."""

from ragfort.index.store import Index, IngestReport

__all__ = ["Index", "IngestReport"]
