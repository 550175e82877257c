"""Precision and recall of the risk flags on the labelled corpus and on the held-out set
(docs/RULES.md, "Risk flags").

    .venv/bin/python bench/risk_corpus.py [--corpus tests/data/risk_corpus.jsonl]
                                          [--holdout tests/data/risk_holdout.jsonl]
                                          [--out bench/results/RISK.md] [--only ID-PART]

Every text is scanned as a party's text is (``scan_text``: every language's patterns on every
text). Per signal, a text labelled with it and flagged with it is a true positive; flagged but not
labelled, a false positive; labelled but not flagged, a false negative. Scam detection is per text:
a scam text should raise at least one warning or danger flag, an ordinary one none. The corpus and
the held-out set are reported apart, with the same tables: the corpus is what the patterns were
written against, the held-out set was written without looking at them. Prints the markdown and
writes it, with the date and the sizes, to ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.explain.flags import SIGNALS, scan_text  # noqa: E402
from tests.support.risk_texts import CORPUS_PATH, HOLDOUT_PATH, LANGS, Item, load  # noqa: E402

#: Severities that count as "this text was flagged" for scam detection (info does not).
ALERTING = ("warning", "danger")


@dataclass
class Result:
    item: Item
    fired: frozenset[str]
    alerting: bool


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    ids: list[str] = field(default_factory=list)

    def add(self, labelled: bool, fired: bool, item_id: str) -> None:
        if labelled and fired:
            self.tp += 1
        elif fired:
            self.fp += 1
            self.ids.append(f"+{item_id}")
        elif labelled:
            self.fn += 1
            self.ids.append(f"-{item_id}")

    def __iadd__(self, other: Counts) -> Counts:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        self.ids += other.ids
        return self


def run(items: Iterable[Item]) -> list[Result]:
    out = []
    for item in items:
        hits = scan_text(item.text)
        fired = frozenset(code for code, *_ in hits)
        out.append(Result(item, fired, any(sev in ALERTING for _, sev, *_ in hits)))
    return out


def signal_counts(results: list[Result], code: str) -> Counts:
    c = Counts()
    for r in results:
        c.add(code in r.item.signals, code in r.fired, r.item.id)
    return c


def detection_counts(results: list[Result]) -> Counts:
    c = Counts()
    for r in results:
        c.add(r.item.label == "scam", r.alerting, r.item.id)
    return c


def _ratio(num: int, den: int) -> str:
    return "n/a" if den == 0 else f"{100 * num / den:.1f}%"


def precision(c: Counts) -> str:
    return _ratio(c.tp, c.tp + c.fp)


def recall(c: Counts) -> str:
    return _ratio(c.tp, c.tp + c.fn)


def _misses(c: Counts) -> str:
    # The texts behind the errors, so a regression can be read in the corpus straight away:
    # "+id" was flagged without the label, "-id" was labelled and missed.
    return " ".join(c.ids[:6]) + (" …" if len(c.ids) > 6 else "")


#: How the corpus came to be, above its tables.
CORPUS_NOTE = (
    "The patterns were written and corrected against these texts, so these figures guard against "
    "regressions; they are not the accuracy on text nobody has seen. The held-out set below comes "
    "closer to that."
)
#: How the held-out set was written, above its tables: the figures are only worth what this says.
HOLDOUT_NOTE = (
    "Written *before* its writer read any pattern (only the signal definitions in "
    "docs/RULES.md, \"Risk flags\"), as parties write on a freelance marketplace: messages, offer "
    "descriptions, milestone titles and notes in English, German and Spanish, casual and formal, "
    "with typos; scams for every signal, many asking indirectly (\"the onboarding kit is $75, "
    "payable before your first task\"), and ordinary texts that use the same words in benign "
    "work (payment integrations, KYC, gift-card modules, crypto dashboards, equipment a client "
    "ships, NDAs, deadlines). Two batches, both written before any pattern was read: `…-ho-…` "
    "(204 texts), scored, then used to generalise the patterns (wider verb and noun lists, more "
    "request shapes, German and Spanish word order, chat spellings); `…-ho2-…` (60 texts), kept "
    "aside until that was done. At first sight the whole set scored signals P 100 % / R 54.2 %, "
    "scam detection P 100 % / R 55.8 %, no ordinary text with a danger flag. The `…-ho2-…` batch, "
    "scored again once the patterns had been generalised on `…-ho-…` alone, went from R 46.2 % to "
    "59.0 % (signals) and from 50.0 % to 63.9 % (scam detection), precision still 100 %: the "
    "best measure of what the generalisation is worth on new text (its writer had written those "
    "texts too, so even that is a little kind). The patterns were then corrected against "
    "`…-ho2-…` as well, so the figures below guard against regressions "
    "(`tests/unit/test_risk_holdout.py` holds floors under them); they are not the accuracy on "
    "text nobody has seen."
)


def report(sets: list[tuple[str, str, Path, list[Item], list[Result]]], seconds: float) -> str:
    """The markdown for every labelled set: (title, note, path, items, results) each."""
    lines = [
        "# Risk flags: precision and recall on the labelled corpus and the held-out set",
        "",
        f"{date.today().isoformat()} · scanned in {seconds * 1000:.0f} ms",
        "",
        "Generated by `make bench-risk` (`bench/risk_corpus.py`). P = precision, R = recall, n = "
        "texts labelled with the signal; errors list the texts behind them (`+id` flagged without "
        "the label, `-id` labelled but missed).",
    ]
    for title, note, path, items, results in sets:
        lines += ["", *_tables(title, note, path, items, results)]
    return "\n".join(lines) + "\n"


def _tables(title: str, note: str, path: Path, items: list[Item],
            results: list[Result]) -> list[str]:
    codes = [s.code for s in SIGNALS]
    by_lang = {lang: [r for r in results if r.item.lang == lang] for lang in LANGS}
    scams = sum(1 for i in items if i.label == "scam")
    # A path inside the repository is shown relative to it: no machine's own paths in the report.
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    lines = [
        f"## {title}",
        "",
        f"`{shown}` · {len(items)} texts ({scams} scam, {len(items) - scams} ordinary) · "
        + ", ".join(f"{lang}: {len(by_lang[lang])}" for lang in LANGS),
        "",
        note,
        "",
        "### Per signal",
        "",
        "| signal | n | P | R | " + " | ".join(f"{lang} P | {lang} R" for lang in LANGS)
        + " | errors |",
        "|---|---:|---:|---:|" + "---:|---:|" * len(LANGS) + "---|",
    ]
    totals = {lang: Counts() for lang in LANGS}
    for code in codes:
        c = signal_counts(results, code)
        cells = []
        for lang in LANGS:
            cl = signal_counts(by_lang[lang], code)
            totals[lang] += cl
            cells += [precision(cl), recall(cl)]
        lines.append(f"| `{code}` | {c.tp + c.fn} | {precision(c)} | {recall(c)} | "
                     + " | ".join(cells) + f" | {_misses(c)} |")
    lines += [
        "",
        "### Per language",
        "",
        "Signals: every (text, signal) pair counted once (micro-average). Scam detection: a scam "
        "text raising at least one warning or danger flag is found; an ordinary text raising one "
        "is a false alarm.",
        "",
        "| language | texts | signals P | signals R | scam detection P | scam detection R "
        "| ordinary texts with a danger flag | errors (detection) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    everything = Counts()
    for lang in [*LANGS, "all"]:
        rs = results if lang == "all" else by_lang[lang]
        sig = everything if lang == "all" else totals[lang]
        if lang != "all":
            everything += totals[lang]
        det = detection_counts(rs)
        danger = sum(1 for r in rs if r.item.label == "ordinary"
                     and any(code in r.fired for code in _danger_codes()))
        ordinary = sum(1 for r in rs if r.item.label == "ordinary")
        name = "**all**" if lang == "all" else lang
        lines.append(f"| {name} | {len(rs)} | {precision(sig)} | {recall(sig)} | {precision(det)} "
                     f"| {recall(det)} | {danger} of {ordinary} | {_misses(det)} |")
    return lines


def _danger_codes() -> frozenset[str]:
    return frozenset(s.code for s in SIGNALS if s.severity == "danger")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_PATH)
    parser.add_argument("--holdout", type=Path, default=HOLDOUT_PATH,
                        help="the held-out set, reported apart ('' for none)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/RISK.md")
    parser.add_argument("--only", default="", help="only texts whose id contains this")
    args = parser.parse_args()
    sources = [("The labelled corpus", CORPUS_NOTE, args.corpus)]
    if str(args.holdout) not in ("", "."):
        sources.append(("The held-out set", HOLDOUT_NOTE, args.holdout))
    sets, seconds = [], 0.0
    for title, note, path in sources:
        items = [i for i in load(path) if args.only in i.id]
        started = time.perf_counter()
        results = run(items)
        seconds += time.perf_counter() - started
        sets.append((title, note, path.resolve(), items, results))
    text = report(sets, seconds)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
