"""Print the size of every view function (lines from `def` to its end, decorators excluded).

    .venv/bin/python scripts/view_sizes.py          # the summary: count, median, largest
    .venv/bin/python scripts/view_sizes.py --all    # every view, largest first
"""

from __future__ import annotations

import inspect
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestingConfig  # noqa: E402
from starrating import create_app  # noqa: E402


def view_sizes() -> dict[str, int]:
    app = create_app(TestingConfig)
    sizes: dict[str, int] = {}
    seen: set = set()
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        func = inspect.unwrap(view)
        if func in seen:
            continue
        seen.add(func)
        lines, _ = inspect.getsourcelines(func)
        body = [ln for ln in lines if not ln.lstrip().startswith("@")]
        sizes[f"{func.__module__}.{func.__name__}"] = len(body)
    return sizes


def main() -> None:
    sizes = view_sizes()
    values = sorted(sizes.values())
    print(f"views: {len(values)}  median: {statistics.median(values)}  "
          f"over 10: {sum(v > 10 for v in values)}  over 20: {sum(v > 20 for v in values)}  "
          f"largest: {values[-1]}")
    if "--all" in sys.argv:
        for name, n in sorted(sizes.items(), key=lambda kv: -kv[1]):
            print(f"{n:4d}  {name}")


if __name__ == "__main__":
    main()
