"""PodDisruptionBudgets, read to predict blocked evictions."""

from __future__ import annotations

from drillkit.adapters.kube.connection import KubeConnection
from drillkit.adapters.ports import PdbState


class KubeBudgets(KubeConnection):
    """``Budgets``."""

    def list_pdbs(self) -> list[PdbState]:
        """Every policy/v1 PodDisruptionBudget (matchLabels selectors only)."""
        pdbs = self.read_json("list pdbs", "/apis/policy/v1/poddisruptionbudgets")
        result = []
        for pdb in pdbs.items:
            meta, spec, status = pdb.metadata, pdb.spec, pdb.status
            labels = (spec.selector.match_labels or {}) if spec and spec.selector else {}
            result.append(
                PdbState(
                    namespace=(meta.namespace or "") if meta else "",
                    name=(meta.name or "") if meta else "",
                    match_labels=tuple(sorted(labels.items())),
                    disruptions_allowed=(status.disruptions_allowed or 0) if status else 0,
                )
            )
        return result
