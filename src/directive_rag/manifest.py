"""The manifest: what an index was built with, saved beside it so a reload behaves the same."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .dense import DenseSettings
from .lexical import LexicalSettings

SCHEMA_VERSION = 2
FILE_NAME = "manifest.json"


class IndexMismatchError(RuntimeError):
    """The index on disk cannot be used with the requested settings."""


@dataclass
class Manifest:
    encoder: str
    dim: int
    chunking: dict
    lexical: dict = field(default_factory=lambda: LexicalSettings().to_dict())
    dense: dict = field(default_factory=lambda: DenseSettings().to_dict())
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def read(cls, folder: Path) -> "Manifest | None":
        path = folder / FILE_NAME
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema_version") != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"Chỉ mục tại {folder} có phiên bản lược đồ {data.get('schema_version')}, "
                f"phiên bản này cần {SCHEMA_VERSION}. Hãy xóa thư mục đó và chạy lại "
                "`directive-rag ingest` để tạo lại chỉ mục."
            )
        return cls(**data)

    def write(self, folder: Path) -> None:
        temporary = folder / (FILE_NAME + ".tmp")
        temporary.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(temporary, folder / FILE_NAME)

    def check_encoder(self, requested: str, folder: Path) -> None:
        if requested != self.encoder:
            raise IndexMismatchError(
                f"Chỉ mục tại {folder} được tạo bằng bộ mã hóa '{self.encoder}' ({self.dim} chiều), "
                f"không dùng được với bộ mã hóa '{requested}'. Để dùng chỉ mục này, bỏ tùy chọn "
                f"--encoder (hoặc biến DIRECTIVE_RAG_ENCODER) hay đặt nó là '{self.encoder}'. "
                f"Để chuyển sang '{requested}', tạo lại chỉ mục: xóa thư mục {folder} (hoặc chọn "
                "--index khác) rồi chạy lại `directive-rag ingest`."
            )
