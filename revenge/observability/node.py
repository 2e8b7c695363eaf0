"""The node a process is, in what it exposes: every metric family carries it as a label.

Several Revenge nodes behind one balancer are scraped apart by address, but their samples
meet in one Prometheus; a ``node`` label on every sample (one value per process: bounded)
tells them apart even when scraped through the balancer.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector, CollectorRegistry

NODE_HEADER = b"X-Revenge-Node"


class NodeLabelled(Collector):
    """What ``registry`` collects, with ``node="NAME"`` added to every sample."""

    def __init__(self, node: str, registry: CollectorRegistry = REGISTRY) -> None:
        self.node = node
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        for family in self._registry.collect():
            labelled = Metric(family.name, family.documentation, family.type, family.unit)
            labelled.samples = [sample._replace(labels={**sample.labels, "node": self.node})
                                for sample in family.samples]
            yield labelled


def node_registry(node: str, registry: CollectorRegistry = REGISTRY) -> CollectorRegistry:
    """A registry to expose: ``registry``'s metrics, each sample labelled with ``node``."""
    labelled = CollectorRegistry(auto_describe=False)
    labelled.register(NodeLabelled(node, registry))
    return labelled
