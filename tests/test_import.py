"""Importing sdialog has no side effects: no logging set-up, no global seeding, no heavy imports,
no subprocess, network or file writes."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import json, logging, random, sys
events = []
WATCHED = ("subprocess.", "os.system", "os.exec", "os.posix_spawn", "socket.connect")
def audit(event, args):
    if event.startswith(WATCHED):
        events.append(event)
    writing = event == "open" and len(args) > 1 and isinstance(args[1], str)
    if writing and any(m in args[1] for m in "wax+"):
        events.append(f"open-for-write:{args[0]}")
state = random.getstate()
sys.addaudithook(audit)
import sdialog, sdialog.llm, sdialog.dialog, sdialog.config, sdialog.prompts
HEAVY = ("torch", "transformers", "litellm", "numpy", "datasets", "xgrammar")
heavy = [m for m in HEAVY if m in sys.modules]
print(json.dumps({
    "events": events,
    "heavy": heavy,
    "root_handlers": len(logging.getLogger().handlers),
    "root_level": logging.getLogger().level,
    "random_untouched": random.getstate() == state,
}))
"""


def test_import_has_no_side_effects():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["events"] == []
    assert report["heavy"] == []
    assert report["root_handlers"] == 0
    assert report["root_level"] == 30  # WARNING, Python's default
    assert report["random_untouched"]


def test_version_is_exposed():
    import sdialog

    assert sdialog.__version__ == "0.1.0"
