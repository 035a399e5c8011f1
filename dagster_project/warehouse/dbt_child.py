"""``nq57-dbt``: dbt, bound to die with the process that started it.

nq57 runs dbt in its own process (see ``dbt_runner``); a caller that still
starts dbt as a subprocess (``dbt_resource().cli``) runs this. When that parent
is killed (``kill -9``, a Dagster run worker killed by its daemon), a plain
``dbt`` would be re-parented to init and go on writing into the file it was
given. This entry point asks the kernel to send dbt ``SIGKILL`` when its parent dies (Linux ``PR_SET_PDEATHSIG``), then runs dbt's
own command line in the same process, so there is no second interpreter start.

No module-level import beyond the standard library: everything dbt needs is
imported after the signal is set.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Have the kernel kill this process when its parent dies; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0


def main() -> int:
    parent = os.getppid()
    die_with_parent()
    # The parent may have died before the signal was set: then we were already
    # re-parented, and nobody is waiting for what dbt would write.
    if parent == 1 or os.getppid() != parent:
        return 1
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    return cli()


if __name__ == "__main__":
    sys.exit(main())
