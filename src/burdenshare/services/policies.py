"""Policies: the built-in list, one policy's content, validation of uploaded YAML."""

from __future__ import annotations

from typing import Any


def list_policies() -> list[dict[str, Any]]:
    """The built-in policies with title, version, aggregation, pillars, indicator count."""
    from burdenshare.policy import builtin_names, load_policy

    rows = []
    for name in builtin_names():
        p = load_policy(name)
        rows.append(
            {
                "name": p.name,
                "title": p.title,
                "version": p.version,
                "aggregation": p.aggregation,
                "pillars": list(p.pillars),
                "indicators": len(p.indicators),
                "tiers": p.tiers.method,
            }
        )
    return rows


def show(name: str, *, allow_files: bool = True) -> dict[str, Any]:
    """A policy as data, with the effective weight of each indicator."""
    from burdenshare.scoring import effective_weights
    from burdenshare.services.partners import policy_hash, resolve_policy

    policy = resolve_policy(name, allow_files=allow_files)
    data = policy.model_dump(mode="json")
    data["effective_weights"] = dict(
        zip(policy.indicators, effective_weights(policy).tolist(), strict=True)
    )
    data["policy_hash"] = policy_hash(policy)
    return data


def show_text(name: str) -> str:
    """A policy as YAML: the built-in file with its comments, or a parsed file re-dumped."""
    from burdenshare.policy import builtin_names, builtin_text, load_policy
    from burdenshare.policy.loader import policy_yaml

    if name in builtin_names():
        return builtin_text(name)
    return policy_yaml(load_policy(name))


def validate_text(text: str, filename: str = "<policy>") -> dict[str, Any]:
    """Validate YAML text as a policy; a :class:`PolicyError` names the line and field."""
    from burdenshare.policy import parse_policy

    policy = parse_policy(text, filename)
    return {
        "valid": True,
        "name": policy.name,
        "indicators": len(policy.indicators),
        "pillars": len(policy.pillars),
        "gates": len(policy.gates),
        "tiers": policy.tiers.method,
    }
