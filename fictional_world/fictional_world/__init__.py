"""A small benchmark of fictional facts, in the raw formats of the real datasets.

:func:`generate` invents one world of people, places, works and organisations whose names are
built from syllables (facts no language model can know), renders it into a DPR-style corpus
with look-alike distractors, asks PopQA, ComplexWebQuestions, 2WikiMultihopQA and HotpotQA
style questions about it, and writes a "published augmentation" (one rewrite and three QA pairs
per passage). Same seed, same bytes. The files it writes are :data:`FILES` (from
``data/layout.yaml``), then ``manifest.json``.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from .build import build_world, sizes_for
from .corpus import Corpus, build_corpus
from .data import load
from .io import atomic_dir, sha256_file, write_json
from .questions import Question, QuestionMaker
from .text import words
from .world import PASSAGE_KINDS, World
from .writers import (ContextMaker, write_2wiki, write_2wiki_aliases, write_augmentation,
                      write_corpus, write_cwq, write_hotpot, write_popqa)

GENERATOR_VERSION = "1.0.0"
FILES: dict[str, str] = dict(load("layout"))
MANIFEST_GENERATOR = "parametric_rag.benchmark"  # the name manifests have always carried
RNG_STREAMS = ("world", "corpus", "augment", "popqa", "cwq", "multi", "write", "context")


def generate(out: str | Path, *, seed: int = 13, n_single: int = 160, n_multi_per_type: int = 40,
             n_distractor_entities: int | None = None) -> dict:
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
    rngs = {k: random.Random(master.getrandbits(64)) for k in RNG_STREAMS}
    world = build_world(rngs["world"], sizes_for(n_single, n_multi_per_type),
                        n_distractor_entities)
    corpus = build_corpus(world, rngs["corpus"])
    qs = {"popqa": QuestionMaker(world, corpus, rngs["popqa"]).popqa(n_single),
          "complexwebquestions": QuestionMaker(world, corpus, rngs["cwq"]).dataset(
              "complexwebquestions", n_single)}
    multi = QuestionMaker(world, corpus, rngs["multi"])
    for name in ("2wikimultihopqa", "hotpotqa"):
        qs[name] = multi.dataset(name, n_multi_per_type)

    with atomic_dir(Path(out)) as tmp:
        path = {k: tmp / rel for k, rel in FILES.items()}
        ctx, wr = ContextMaker(world, corpus, rngs["context"]), rngs["write"]
        counts = {"corpus": write_corpus(path["corpus"], corpus),
                  "popqa": write_popqa(path["popqa"], qs["popqa"], wr),
                  "complexwebquestions": write_cwq(path["complexwebquestions"],
                                                   qs["complexwebquestions"], wr),
                  "2wikimultihopqa": write_2wiki(path["2wikimultihopqa"], qs["2wikimultihopqa"],
                                                 ctx, wr),
                  "2wikimultihopqa_aliases": write_2wiki_aliases(path["2wikimultihopqa_aliases"],
                                                                 world),
                  "hotpotqa": write_hotpot(path["hotpotqa"], qs["hotpotqa"], ctx, wr),
                  "augmentation": write_augmentation(path["augmentation"], corpus,
                                                     rngs["augment"])}
        manifest = {"generator": MANIFEST_GENERATOR, "version": GENERATOR_VERSION, "seed": seed,
                    "parameters": {"n_single": n_single, "n_multi_per_type": n_multi_per_type,
                                   "n_distractor_entities": n_distractor_entities},
                    "files": dict(FILES), "counts": counts,
                    "types": {k: dict(sorted(Counter(q.qtype for q in v).items()))
                              for k, v in qs.items()},
                    "corpus": _corpus_stats(world, corpus, [q for v in qs.values() for q in v]),
                    "sha256": {k: sha256_file(p) for k, p in path.items()}}
        write_json(tmp / "manifest.json", manifest)
    return manifest


def _corpus_stats(world: World, corpus: Corpus, questions: list[Question]) -> dict:
    gold = {p.pid for q in questions for p in corpus.gold(q.facts) or ()}
    n_words = [words(p.text) for p in corpus.passages]
    ents = [e for e in world.entities if e.kind in PASSAGE_KINDS]
    return {"passages": len(corpus.passages), "entities": len(ents),
            "core_entities": sum(e.core for e in ents),
            "lookalike_entities": sum(not e.core for e in ents),
            "entities_with_two_or_more_passages": sum(
                1 for v in corpus.by_entity.values() if len(v) > 1),
            "passages_per_kind": dict(sorted(Counter(p.entity.kind for p in corpus.passages).items())),
            "mean_words": round(sum(n_words) / len(n_words), 2),
            "min_words": min(n_words), "max_words": max(n_words), "gold_passages": len(gold),
            "corpus_to_gold_ratio": round(len(corpus.passages) / max(1, len(gold)), 2)}


__all__ = ["generate", "GENERATOR_VERSION", "FILES"]
