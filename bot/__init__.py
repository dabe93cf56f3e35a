"""opsbot: a Slack assistant for internet-operations teams, built on a plain-Python core."""

import os

# The e5 engine runs its own OpenMP threads; OpenBLAS threads for our small matrix-vector products
# would fight them for the cores (measured: p95 128 ms → 16 ms on a 5,000-chunk corpus, 2 cores).
# Set before numpy is first imported; an explicit setting in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
