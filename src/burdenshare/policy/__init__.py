"""Policies as code: a YAML file says how partners are scored (see :mod:`.schema`).

``load_policy("eo14383")`` loads a built-in policy; ``load_policy("my.yaml")`` a file.
Built-ins (``policies/*.yaml``), each with its rationale and sources:

- ``eo14383``: the three partner criteria of EO 14383 sec. 3(a) (self-investment, critical
  role and geography, economic security), alliance status as a tier-1 gate;
- ``hague2035``: progress and trajectory toward the Hague commitment (3.5% core + 1.5% by
  2035);
- ``burden-ratio``: the DoD "Allied Contributions" fair-share ratio alone;
- ``equal-weights``: every indicator of ``eo14383`` with equal weight, as a reference.
"""

from burdenshare.policy.loader import builtin_names, builtin_text, load_policy, parse_policy
from burdenshare.policy.schema import Policy

__all__ = ["Policy", "builtin_names", "builtin_text", "load_policy", "parse_policy"]
