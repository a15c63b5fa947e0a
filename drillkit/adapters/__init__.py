"""Every I/O concern behind a small Protocol: kube, Traffic Manager, DNS, HTTP, clock."""
