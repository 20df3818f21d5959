"""directive-rag: search and cited answers over Vietnamese directives, resolutions and regulations."""

from .library import Library
from .models import Answer, Chunk, Citation, Document, Hit, IngestReport

__all__ = ["Answer", "Chunk", "Citation", "Document", "Hit", "IngestReport", "Library"]
