"""The filter inputs (type, issuer, number, year range) that Hỏi đáp, Tìm kiếm and coverage share.

``read_filters`` turns the raw input values into ``Filters`` or raises ``FilterError`` with a
Vietnamese message; ``filter_choices`` lists the types and issuers the library holds, for the
drop-downs, and is refreshed whenever the library changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import gradio as gr

from ..library import Library
from ..models import Filters

NUMBERS_SEPARATOR = re.compile(r"[,;\n]+")


class FilterError(ValueError):
    """Filter values that cannot be used; the message says why, in Vietnamese."""


@dataclass
class FilterInputs:
    types: gr.Dropdown
    issuers: gr.Dropdown
    numbers: gr.Textbox
    year_from: gr.Number
    year_to: gr.Number

    def components(self) -> list:
        return [self.types, self.issuers, self.numbers, self.year_from, self.year_to]

    def choice_inputs(self) -> list:
        return [self.types, self.issuers]


def filter_choices(library: Library) -> tuple[list[str], list[str]]:
    """The distinct document types and issuers in the library (empty when there is no index yet)."""
    try:
        documents = library.documents()
    except Exception:  # no index yet, or one that cannot be opened: the tabs say why when used
        return [], []
    types = sorted({document["type"] for document in documents if document.get("type")})
    issuers = sorted({document["issuer"] for document in documents if document.get("issuer")})
    return types, issuers


def build_filter_inputs(library: Library, name: str, open: bool = False) -> FilterInputs:
    """The filter inputs in an accordion; their element ids start with "dr-<name>-"."""
    types, issuers = filter_choices(library)
    with gr.Accordion("Bộ lọc văn bản", open=open):
        with gr.Row():
            type_input = gr.Dropdown(types, value=[], multiselect=True, allow_custom_value=True,
                                     label="Loại văn bản", scale=2, elem_id=f"dr-{name}-types")
            issuer_input = gr.Dropdown(issuers, value=[], multiselect=True, allow_custom_value=True,
                                       label="Cơ quan ban hành", scale=3, elem_id=f"dr-{name}-issuers")
        with gr.Row():
            number_input = gr.Textbox("", label="Số hiệu", placeholder="Ví dụ: 53-CT/ĐU, 30/2020/NĐ-CP hoặc 53",
                                      scale=2, elem_id=f"dr-{name}-numbers")
            year_from = gr.Number(label="Từ năm", precision=0, scale=1,
                                  elem_id=f"dr-{name}-year-from")
            year_to = gr.Number(label="Đến năm", precision=0, scale=1,
                                elem_id=f"dr-{name}-year-to")
    return FilterInputs(type_input, issuer_input, number_input, year_from, year_to)


def _year(value, name: str) -> int | None:
    """The year typed in, or None for an empty field (which a number field sends as 0)."""
    if value is None or value == "" or value == 0:
        return None
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise FilterError(f"«{name}» phải là một năm, ví dụ 2020.") from None
    if not 1900 <= year <= 2100:
        raise FilterError(f"«{name}» phải là một năm từ 1900 đến 2100.")
    return year


def read_filters(types, issuers, numbers, year_from, year_to) -> Filters | None:
    """The filters the inputs describe, or None when none is set."""
    filters = Filters(
        types=tuple(value.strip() for value in (types or []) if value and value.strip()),
        issuers=tuple(value.strip() for value in (issuers or []) if value and value.strip()),
        numbers=tuple(part.strip() for part in NUMBERS_SEPARATOR.split(numbers or "") if part.strip()),
        year_from=_year(year_from, "Từ năm"),
        year_to=_year(year_to, "Đến năm"),
    )
    if filters.year_from and filters.year_to and filters.year_from > filters.year_to:
        raise FilterError("«Từ năm» phải nhỏ hơn hoặc bằng «Đến năm».")
    return None if filters.is_empty() else filters


def describe_filters(filters: Filters | None) -> str:
    """A short Vietnamese description of the filters in force, "" when there are none."""
    if filters is None:
        return ""
    parts = []
    if filters.types:
        parts.append("loại: " + ", ".join(filters.types))
    if filters.issuers:
        parts.append("cơ quan: " + ", ".join(filters.issuers))
    if filters.numbers:
        parts.append("số hiệu: " + ", ".join(filters.numbers))
    if filters.year_from or filters.year_to:
        parts.append(f"năm {filters.year_from or '…'}–{filters.year_to or '…'}")
    return "; ".join(parts)
