"""``python -m fictional_world --out DIR [--seed 13] [--n-single 160] [--n-multi-per-type 40]``"""

from __future__ import annotations

import argparse
import sys

from . import generate


def main(argv: list[str] | None = None) -> int:
    """Generate the benchmark; exit status 1 when the world cannot supply it."""
    p = argparse.ArgumentParser(prog="python -m fictional_world", description=__doc__)
    p.add_argument("--out", required=True, help="output directory (replaced)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--n-single", type=int, default=160,
                   help="PopQA rows and ComplexWebQuestions questions")
    p.add_argument("--n-multi-per-type", type=int, default=40,
                   help="questions per 2WikiMultihopQA and HotpotQA sub-type")
    args = p.parse_args(argv)
    try:
        m = generate(args.out, seed=args.seed, n_single=args.n_single,
                     n_multi_per_type=args.n_multi_per_type)
    except (ValueError, RuntimeError, OSError) as e:
        p.exit(1, f"{p.prog}: error: {e}\n")
    print(f"wrote {args.out}: {m['corpus']['passages']} passages, counts {m['counts']}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
