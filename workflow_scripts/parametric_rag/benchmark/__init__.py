"""A small bundled benchmark of fictional facts, in the raw formats of the real datasets.

:func:`generate` invents one world of people, places, works and organisations whose names are
built from syllables (facts no language model can know), renders it into a DPR-style corpus
with look-alike distractors, asks PopQA, ComplexWebQuestions, 2WikiMultihopQA and HotpotQA
style questions about it, and writes a "published augmentation" (one rewrite and three QA pairs
per passage). Same seed, same bytes.

Layout under ``out``::

    corpus/psgs_w100.tsv
    popqa/popQA.tsv
    complexwebquestions/ComplexWebQuestions_dev.json
    2wikimultihopqa/dev.json, 2wikimultihopqa/id_aliases.json
    hotpotqa/hotpot_dev_distractor_v1.json
    augmentation/passages.jsonl
    manifest.json   (written last)
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from ..io import atomic_path, sha256_file, write_json
from .passages import Corpus, build_corpus, words
from .questions import CWQBuilder, MultiHopBuilder, PopQABuilder, Question
from .world import PASSAGE_KINDS, Sizes, build_world
from .writers import (
    ContextMaker,
    write_2wiki,
    write_2wiki_aliases,
    write_augmentation,
    write_corpus,
    write_cwq,
    write_hotpot,
    write_popqa,
)

GENERATOR_VERSION = "1.0.0"

FILES = {
    "corpus": "corpus/psgs_w100.tsv",
    "popqa": "popqa/popQA.tsv",
    "complexwebquestions": "complexwebquestions/ComplexWebQuestions_dev.json",
    "2wikimultihopqa": "2wikimultihopqa/dev.json",
    "2wikimultihopqa_aliases": "2wikimultihopqa/id_aliases.json",
    "hotpotqa": "hotpotqa/hotpot_dev_distractor_v1.json",
    "augmentation": "augmentation/passages.jsonl",
}


def generate(
    out: Path,
    *,
    seed: int = 13,
    n_single: int = 160,
    n_multi_per_type: int = 40,
    n_distractor_entities: int | None = None,
) -> dict:
    """Write the whole benchmark into ``out`` (atomically) and return its manifest.

    ``n_single``: PopQA rows and ComplexWebQuestions questions; ``n_multi_per_type``: questions
    per sub-type of 2WikiMultihopQA (4 types) and HotpotQA (2 types);
    ``n_distractor_entities``: look-alike entities that no question is about (default: about
    45% of the core entities; look-alike towns may bring a look-alike founder besides).
    """
    if n_single < 1 or n_multi_per_type < 1:
        raise ValueError("n_single and n_multi_per_type must be positive")
    if n_distractor_entities is not None and n_distractor_entities < 0:
        raise ValueError("n_distractor_entities must be >= 0")
    master = random.Random(seed)
    rngs = {
        k: random.Random(master.getrandbits(64))
        for k in ("world", "corpus", "augment", "popqa", "cwq", "multi", "write", "context")
    }
    world = build_world(
        rngs["world"], Sizes.for_questions(n_single, n_multi_per_type), n_distractor_entities
    )
    corpus = build_corpus(world, rngs["corpus"])

    popqa = PopQABuilder(world, corpus, rngs["popqa"]).build(n_single)
    cwq = CWQBuilder(world, corpus, rngs["cwq"]).build(n_single)
    multi = MultiHopBuilder(world, corpus, rngs["multi"])
    two_wiki = multi.two_wiki(n_multi_per_type)
    hotpot = multi.hotpot(n_multi_per_type)
    _check_counts("popqa", popqa, n_single, None)
    _check_counts("complexwebquestions", cwq, n_single, None)
    _check_counts(
        "2wikimultihopqa",
        two_wiki,
        n_multi_per_type,
        ["comparison", "bridge_comparison", "inference", "compositional"],
    )
    _check_counts("hotpotqa", hotpot, n_multi_per_type, ["bridge", "comparison"])

    out = Path(out)
    with atomic_path(out, directory=True) as tmp:
        counts = {
            "corpus": write_corpus(tmp / FILES["corpus"], corpus),
            "popqa": write_popqa(tmp / FILES["popqa"], popqa, rngs["write"]),
            "complexwebquestions": write_cwq(
                tmp / FILES["complexwebquestions"], cwq, rngs["write"]
            ),
        }
        ctx = ContextMaker(world, corpus, rngs["context"])
        counts["2wikimultihopqa"] = write_2wiki(
            tmp / FILES["2wikimultihopqa"], two_wiki, ctx, rngs["write"]
        )
        counts["2wikimultihopqa_aliases"] = write_2wiki_aliases(
            tmp / FILES["2wikimultihopqa_aliases"], world
        )
        counts["hotpotqa"] = write_hotpot(tmp / FILES["hotpotqa"], hotpot, ctx, rngs["write"])
        counts["augmentation"] = write_augmentation(
            tmp / FILES["augmentation"], corpus, rngs["augment"]
        )
        gold = _gold_passages(corpus, popqa + cwq + two_wiki + hotpot)
        n_words = [words(p.text) for p in corpus.passages]
        ents = [e for e in world.entities if e.kind in PASSAGE_KINDS]
        manifest = {
            "generator": "parametric_rag.benchmark",
            "version": GENERATOR_VERSION,
            "seed": seed,
            "parameters": {
                "n_single": n_single,
                "n_multi_per_type": n_multi_per_type,
                "n_distractor_entities": n_distractor_entities,
            },
            "files": dict(FILES),
            "counts": counts,
            "types": {
                "popqa": _types(popqa),
                "complexwebquestions": _types(cwq),
                "2wikimultihopqa": _types(two_wiki),
                "hotpotqa": _types(hotpot),
            },
            "corpus": {
                "passages": len(corpus.passages),
                "entities": len(ents),
                "core_entities": sum(e.core for e in ents),
                "lookalike_entities": sum(not e.core for e in ents),
                "entities_with_two_or_more_passages": sum(
                    1 for v in corpus.by_entity.values() if len(v) > 1
                ),
                "passages_per_kind": dict(
                    sorted(Counter(p.entity.kind for p in corpus.passages).items())
                ),
                "mean_words": round(sum(n_words) / len(n_words), 2),
                "min_words": min(n_words),
                "max_words": max(n_words),
                "gold_passages": len(gold),
                "corpus_to_gold_ratio": round(len(corpus.passages) / max(1, len(gold)), 2),
            },
            "sha256": {name: sha256_file(tmp / rel) for name, rel in FILES.items()},
        }
        write_json(tmp / "manifest.json", manifest)
    return manifest


def _types(qs: list[Question]) -> dict[str, int]:
    return dict(sorted(Counter(q.qtype for q in qs).items()))


def _gold_passages(corpus: Corpus, questions: list[Question]) -> set[int]:
    """Ids of the passages that some question needs."""
    return {p.pid for q in questions for p in corpus.gold(q.facts) or ()}


def _check_counts(name: str, qs: list[Question], n: int, types: list[str] | None) -> None:
    if types is None:
        if len(qs) != n:
            raise ValueError(f"{name}: the world supports only {len(qs)} of {n} questions")
        return
    got = Counter(q.qtype for q in qs)
    for t in types:
        if got[t] != n:
            raise ValueError(f"{name}: the world supports only {got[t]} of {n} {t} questions")


__all__ = ["generate", "GENERATOR_VERSION", "FILES"]
