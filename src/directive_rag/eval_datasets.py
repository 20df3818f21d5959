"""Evaluation datasets: documents to index and questions with their gold documents.

Three datasets, each read where it lies and converted to the library's own inputs:

* ``corpus``: the sample documents in ``corpus/`` and the team's questions in
  ``eval/corpus_questions.jsonl`` (a question without ``doc_id`` has no answer in the library);
* ``alqac``: ALQAC law articles, one document per article (id = the record id), and questions
  whose gold is (law_id, article_id);
* ``uit``: the UIT regulation/Wikipedia reading-comprehension set, one document per paragraph,
  gold = the paragraph holding the answer span.

Every question carries a split: ``tune`` questions are for choosing settings, ``report``
questions for the figures in eval/RESULTS.md. The split is a hash of the question's group
(ALQAC's near-duplicate group, UIT's paragraph, the corpus question id), so near-duplicates
never straddle it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

DATASETS = ("corpus", "alqac", "uit")
SPLITS = ("tune", "report", "all")
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: tuple[str, ...]  # doc ids that answer it; empty when the library holds no answer
    evidence: str | None = None
    split: str = "report"

    @property
    def doc_id(self) -> str | None:
        return self.gold[0] if self.gold else None


@dataclass(frozen=True)
class Dataset:
    name: str
    sources: tuple[Path, ...]  # what to ingest
    questions: tuple[Question, ...]

    def select(self, split: str) -> list[Question]:
        return [question for question in self.questions if split == "all" or question.split == split]


def split_of(group: str) -> str:
    return "tune" if hashlib.sha1(group.encode("utf-8")).digest()[0] % 2 == 0 else "report"


def default_data_dir() -> Path:
    return Path(os.environ.get("DIRECTIVE_RAG_EVAL_DATA", REPO.parent / "shared" / "data"))


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        raise FileNotFoundError(f"Không thấy dữ liệu đánh giá: {path}")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    """Write only when the content changed, so an unchanged dataset keeps its index as is."""
    content = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != content:
        path.write_text(content, encoding="utf-8")
    return path


def read_question_file(path: Path) -> list[Question]:
    """The team's question format: id, question, doc_id (or none), evidence."""
    questions = []
    for number, record in enumerate(_read_jsonl(path), start=1):
        question_id = record.get("id") or f"q{number}"
        gold = (record["doc_id"],) if record.get("doc_id") else ()
        questions.append(Question(question_id, record["question"], gold, record.get("evidence"), split_of(question_id)))
    return questions


def _law_type(law_id: str) -> str:
    for kind in ("Bộ luật", "Luật", "Hiến pháp"):
        if law_id.startswith(kind):
            return kind
    return "Văn bản pháp luật"


def _alqac_question_text(record: dict) -> str:
    """The question as posed: a multiple-choice question includes its choices."""
    choices = record.get("choices") or {}
    return " ".join([record["question"], *(f"{key}. {value}" for key, value in sorted(choices.items()))])


def load_alqac(data_dir: Path, work_dir: Path) -> Dataset:
    folder = data_dir / "alqac_legal_qa"
    articles = [
        {"id": record["id"], "title": f"{record['law_id']}, Điều {record['article_id']}",
         "type": _law_type(record["law_id"]), "text": record["text"]}
        for record in _read_jsonl(folder / "corpus.jsonl")
    ]
    questions = tuple(
        Question(
            record["qid"], _alqac_question_text(record),
            tuple(f"{article['law_id']}#{article['article_id']}" for article in record["relevant_articles"]),
            split=split_of(record.get("near_dup_group") or record["qid"]),
        )
        for record in _read_jsonl(folder / "questions_dev.jsonl")
    )
    return Dataset("alqac", (_write_jsonl(work_dir / "alqac-articles.jsonl", articles),), questions)


def load_uit(data_dir: Path, work_dir: Path) -> Dataset:
    records = _read_jsonl(data_dir / "uit_regulation_wiki_mrc" / "dev.jsonl")
    paragraphs: dict[str, dict] = {}
    for record in records:
        paragraphs.setdefault(record["paragraph_key"], {
            "id": record["paragraph_key"], "title": record["title"], "text": record["context"],
            "type": "Quy định" if record["domain"] == "uit_regulation" else "Bài viết",
        })
    questions = tuple(
        Question(record["id"], record["question"], (record["paragraph_key"],),
                 evidence=record["answers"][0]["text"] if record["answers"] else None,
                 split=split_of(record["paragraph_key"]))
        for record in records
    )
    return Dataset("uit", (_write_jsonl(work_dir / "uit-paragraphs.jsonl", list(paragraphs.values())),), questions)


def load_corpus(questions_path: Path | None = None) -> Dataset:
    questions = read_question_file(questions_path or REPO / "eval" / "corpus_questions.jsonl")
    return Dataset("corpus", (REPO / "corpus",), tuple(questions))


def load_dataset(name: str, data_dir: Path | None = None, work_dir: Path | None = None) -> Dataset:
    data_dir = data_dir or default_data_dir()
    work_dir = work_dir or REPO / "eval" / "runs"
    if name == "corpus":
        return load_corpus()
    if name == "alqac":
        return load_alqac(data_dir, work_dir)
    if name == "uit":
        return load_uit(data_dir, work_dir)
    raise ValueError(f"Không có bộ dữ liệu {name!r} (chọn một trong {', '.join(DATASETS)})")
