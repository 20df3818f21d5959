"""Which failures the person using the app can act on, and the message each one shows."""

from __future__ import annotations

import logging

from ..encoders import EncoderError
from ..index import MissingIndexError
from ..manifest import IndexMismatchError

logger = logging.getLogger("directive_rag.webapp")

# Their messages are already in Vietnamese and say what to do (ingest first, pick the right encoder).
SETUP_ERRORS = (MissingIndexError, IndexMismatchError, EncoderError)
UNEXPECTED_ERROR_MESSAGE = "Đã xảy ra lỗi khi xử lý yêu cầu ({kind}). Vui lòng thử lại hoặc báo quản trị viên."


def error_message(error: Exception) -> str:
    """The message to show for ``error``; unexpected ones are logged with their traceback."""
    if isinstance(error, SETUP_ERRORS):
        return str(error)
    logger.exception("request failed", exc_info=error)
    return UNEXPECTED_ERROR_MESSAGE.format(kind=type(error).__name__)
