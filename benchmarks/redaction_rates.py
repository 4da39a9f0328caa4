"""How often redaction fires on real transcripts, per MB of text, beside its recall on the seeded catalogue.

    python benchmarks/redaction_rates.py [--corpus ../shared/corpus/real]

Reads every string of every JSON record of every transcript under the corpus (the text a classifier
could see, before the window is cut), redacts it, and prints matches per MB by kind, and the time
taken against a bare pass over the same strings. Nothing of the text is printed.

Real transcripts carry real secrets as well as look-alikes, and no one reads them to tell which is
which, so every match counts here as a possible false positive: the numbers are an upper bound on the
false-positive rate. Kinds with a vendor prefix (sk-ant-, ghp_, AKIA, ...) almost never fire by chance;
the generic kinds (phone, IP address, assignments, e-mail, home paths, names git records) carry most of
the false positives.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sessionlab_assets.classify.redact import redact, redact_many  # noqa: E402
from sessionlab_assets.ingest.model import strings_in  # noqa: E402
from sessionlab_assets_tests.secrets_catalogue import CATALOGUE  # noqa: E402

GENERIC = {
    "phone",
    "ip_address",
    "email",
    "home_user",
    "person_name",
    "secret_assignment",
    "url_credentials",
    "auth_header",
    "signed_url",
    "card_number",
    "us_ssn",
    "iban",
    "netrc_password",
}


def corpus_strings(root: Path) -> list[str]:
    texts = []
    for path in sorted(root.rglob("*.jsonl")):
        for line in path.read_bytes().splitlines():
            try:
                texts.extend(strings_in(orjson.loads(line)))
            except orjson.JSONDecodeError:
                continue
    return texts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
    )
    args = parser.parse_args(argv)

    recalled = sum(
        1 for kind, secret, line in CATALOGUE.values() if secret not in redact(line)[0] and kind in redact(line)[1]
    )
    print(
        f"seeded catalogue: {recalled}/{len(CATALOGUE)} formats redacted as their kind "
        f"({len({k for k, _, _ in CATALOGUE.values()})} kinds)"
    )

    texts = corpus_strings(args.corpus)
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    started = time.perf_counter()
    sum(len(t.lower()) for t in texts)  # a bare pass over the same strings, for scale
    bare = time.perf_counter() - started
    counts: Counter[str] = Counter()
    started = time.perf_counter()
    for start in range(0, len(texts), 500):  # in tasks, as windows are rendered
        for _, found in redact_many(texts[start : start + 500]):
            counts.update(found)
    seconds = time.perf_counter() - started
    print(
        f"real corpus: {len(texts):,} strings, {megabytes:.1f} MB; redaction {seconds:.1f}s "
        f"({megabytes / seconds:.1f} MB/s; a bare lower-casing pass {bare:.2f}s, ratio "
        f"{seconds / max(bare, 1e-9):.0f}x)"
    )
    print(f"\n{'kind':<22}{'matches':>9}{'per MB':>9}  class")
    for kind, n in counts.most_common():
        print(f"{kind:<22}{n:>9}{n / megabytes:>9.2f}  {'generic' if kind in GENERIC else 'vendor format'}")
    generic = sum(n for k, n in counts.items() if k in GENERIC)
    vendor = sum(n for k, n in counts.items() if k not in GENERIC)
    print(
        f"\nall matches per MB: {sum(counts.values()) / megabytes:.2f} "
        f"(generic kinds {generic / megabytes:.2f}, vendor formats {vendor / megabytes:.2f})"
    )


if __name__ == "__main__":
    main()
