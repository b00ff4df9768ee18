"""A small DPR-format corpus shared by the retrieval tests (embedded and Elasticsearch)."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

PASSAGES = [  # (pid, text, title)
    ("1", "Aaron is a prophet and the brother of Moses in the Abrahamic religions.", "Aaron"),
    ("2", "Moses led the Israelites out of Egypt across the Red Sea.", "Moses"),
    ("3", "The Nile is the longest river in Africa and flows through Egypt.", "Nile"),
    ("4", "Cairo is the capital of Egypt and its largest city.", "Cairo"),
    ("5", "The plains animal is an African equine with black and white stripes.", "Zebra"),
    ("6", "A photographer spent years following the herds of the savanna, including a zebra.", "Wildlife photography"),
    ("7", "São Paulo is the most populous city in Brazil.", "São Paulo"),
    ("8", "About 1,400 people attended the festival in 2010.", "Festival"),
    ("9", 'The novel "Running Dogs" was written in a "hurry".', "Dog Soldiers"),
    ("10", "Dogs are domesticated descendants of wolves.", "Dog"),
    ("11", "The owner's houses were sold.", "Real estate"),
    ("12", "Quantum mechanics describes nature at the smallest scales.", "Quantum mechanics"),
]


def write_corpus(path: Path, rows, header=("id", "text", "title")) -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path
