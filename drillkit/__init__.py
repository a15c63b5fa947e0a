"""drillkit: multi-region failover game days for Kubernetes behind Azure Traffic Manager."""

__version__ = "0.1.0"
