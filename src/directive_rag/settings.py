"""Where the index lives, which encoder to use and which language model (if any), from arguments or the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

INDEX_ENV = "DIRECTIVE_RAG_INDEX"
ENCODER_ENV = "DIRECTIVE_RAG_ENCODER"
RERANKER_ENV = "DIRECTIVE_RAG_RERANKER"


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


def resolve_reranker(explicit: str | None = None) -> str | None:
    """The cross-encoder to rerank with (a sentence-transformers model name or path), or None for none."""
    return explicit or os.environ.get(RERANKER_ENV) or None


# The optional language model: any OpenAI-compatible chat-completions endpoint (Ollama, vLLM,
# llama.cpp server …). Answers stay extractive unless a base URL is set.
LLM_BASE_URL_ENV = "DIRECTIVE_RAG_LLM_BASE_URL"
LLM_MODEL_ENV = "DIRECTIVE_RAG_LLM_MODEL"
LLM_API_KEY_ENV = "DIRECTIVE_RAG_LLM_API_KEY"
LLM_TIMEOUT_ENV = "DIRECTIVE_RAG_LLM_TIMEOUT"
DEFAULT_LLM_TIMEOUT = 60.0


@dataclass(frozen=True)
class LLMConfig:
    """Where the chat endpoint is: ``base_url`` such as "http://127.0.0.1:11434/v1"."""

    base_url: str
    model: str = ""
    api_key: str = ""
    timeout: float = DEFAULT_LLM_TIMEOUT  # seconds to connect, and to wait for each piece of the reply

    def __repr__(self) -> str:  # never print the key
        return f"LLMConfig(base_url={self.base_url!r}, model={self.model!r}, timeout={self.timeout})"


def resolve_llm(environ: Mapping[str, str] | None = None) -> LLMConfig | None:
    """The configured chat endpoint, or None when ``DIRECTIVE_RAG_LLM_BASE_URL`` is unset."""
    environ = os.environ if environ is None else environ
    base_url = environ.get(LLM_BASE_URL_ENV, "").strip()
    if not base_url:
        return None
    try:
        timeout = float(environ.get(LLM_TIMEOUT_ENV, "") or DEFAULT_LLM_TIMEOUT)
    except ValueError:
        timeout = DEFAULT_LLM_TIMEOUT
    return LLMConfig(
        base_url=base_url,
        model=environ.get(LLM_MODEL_ENV, "").strip(),
        api_key=environ.get(LLM_API_KEY_ENV, "").strip(),
        timeout=timeout if timeout > 0 else DEFAULT_LLM_TIMEOUT,
    )


# The web app: where it listens, who may use it, what it accepts as uploads.
HOST_ENV = "DIRECTIVE_RAG_HOST"
GRADIO_HOST_ENV = "GRADIO_SERVER_NAME"
DEFAULT_HOST = "127.0.0.1"
AUTH_ENV = "DIRECTIVE_RAG_AUTH"
MAX_UPLOAD_ENV = "DIRECTIVE_RAG_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 50


def resolve_host(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``--host`` if given, else ``$DIRECTIVE_RAG_HOST``, else ``$GRADIO_SERVER_NAME``, else loopback only."""
    environ = os.environ if environ is None else environ
    for candidate in (explicit, environ.get(HOST_ENV), environ.get(GRADIO_HOST_ENV)):
        if candidate and candidate.strip():
            return candidate.strip()
    return DEFAULT_HOST


def resolve_auth(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``$DIRECTIVE_RAG_AUTH="user:password"`` as (user, password), or None when unset.

    The password may itself contain ":"; a value without a user or a password is refused.
    """
    environ = os.environ if environ is None else environ
    value = environ.get(AUTH_ENV, "").strip()
    if not value:
        return None
    user, _, password = value.partition(":")
    if not user.strip() or not password:
        raise ValueError(f'{AUTH_ENV} phải có dạng "tên:mật khẩu" (ví dụ {AUTH_ENV}="canbo:matkhau").')
    return user.strip(), password


def resolve_max_upload_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The largest file the web app accepts, from ``$DIRECTIVE_RAG_MAX_UPLOAD_MB`` (default 50 MB)."""
    environ = os.environ if environ is None else environ
    value = environ.get(MAX_UPLOAD_ENV, "").strip()
    try:
        megabytes = float(value) if value else DEFAULT_MAX_UPLOAD_MB
    except ValueError:
        raise ValueError(f"{MAX_UPLOAD_ENV} phải là một số (MB), không phải {value!r}.") from None
    if megabytes <= 0:
        raise ValueError(f"{MAX_UPLOAD_ENV} phải lớn hơn 0.")
    return int(megabytes * 1024 * 1024)
