"""`accord demo`: the whole flow on demo data in a fresh home, ending with a readable summary.

Every name in the demo scenario is fictional and says "(demo)"; see docs/demo.md.
"""

from accord.demo.run import run_demo

__all__ = ["run_demo"]
