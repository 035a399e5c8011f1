"""What dbt gives templates and sqlfluff's dbt builtins lack, for `make lint-sql` only.

sqlfluff's jinja templater (see .sqlfluff) exposes this module's names to the
models: dbt's `modules` namespace, and a `var` returning its default, as dbt
does when no --vars are given.
"""

import datetime as _datetime
import re as _re
from types import SimpleNamespace as _Namespace

modules = _Namespace(datetime=_datetime, re=_re)


def var(name, default=None):
    return default
