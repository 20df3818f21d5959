"""Where the index lives and which encoder to use, from arguments or the environment."""

from __future__ import annotations

import os
from pathlib import Path

INDEX_ENV = "DIRECTIVE_RAG_INDEX"
ENCODER_ENV = "DIRECTIVE_RAG_ENCODER"


def repository_root() -> Path | None:
    """The source checkout this package runs from, when it runs from one."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").exists() else None


def resolve_index_dir(explicit: str | os.PathLike | None = None) -> Path:
    """``--index`` if given, else ``$DIRECTIVE_RAG_INDEX``, else ``index/`` at the repository root."""
    if explicit:
        return Path(explicit)
    if os.environ.get(INDEX_ENV):
        return Path(os.environ[INDEX_ENV])
    root = repository_root()
    return (root / "index") if root else Path("index")


def resolve_encoder(explicit: str | None = None) -> str | None:
    """The encoder asked for, or None to use the index's own (or the default for a new index)."""
    return explicit or os.environ.get(ENCODER_ENV) or None
