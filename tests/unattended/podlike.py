"""Run a command the way a pod sees the world, with no extra code path in drillkit.

In a private mount namespace (``unshare --mount``): the ServiceAccount token, CA and namespace
at ``/var/run/secrets/kubernetes.io/serviceaccount`` (a tmpfs over /run), the ConfigMap and
Secret volumes at their mountPaths (bind mounts over an overlay of /etc), the PVC at its
mountPath, ``KUBERNETES_SERVICE_HOST``/``PORT`` in a clean environment, and the CronJob's
``runAsUser``. The host's file system is not changed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SA_DIR = "/run/secrets/kubernetes.io/serviceaccount"  # /var/run is a link to /run


@dataclass
class Pod:
    """What the kubelet would give the container."""

    service_host: str
    service_port: int
    token: str
    ca_file: Path
    namespace: str = "drillkit"
    volumes: dict[str, Path] = field(default_factory=dict)
    """mountPath -> host directory (under /etc or /var/lib)."""
    env: dict[str, str] = field(default_factory=dict)
    uid: int = 10001


def need_unshare() -> None:
    """Skip unless this process may make a private mount namespace (root, CAP_SYS_ADMIN)."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("setpriv"):
        pytest.skip("pod-like tests need root, unshare and setpriv")
    done = subprocess.run(["unshare", "--mount", "true"], capture_output=True, timeout=10,
                          check=False)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"unshare --mount is not permitted here: {done.stderr.decode()[:200]}")


def _script(pod: Pod, scratch: Path, argv: list[str]) -> str:
    lines = ["set -eu", "mount -t tmpfs -o mode=755 tmpfs /run", f"mkdir -p {SA_DIR}"]
    secrets = scratch / "sa"
    secrets.mkdir(parents=True, exist_ok=True)
    (secrets / "token").write_text(pod.token)
    (secrets / "namespace").write_text(pod.namespace)
    shutil.copyfile(pod.ca_file, secrets / "ca.crt")
    for name in ("token", "namespace", "ca.crt"):
        (secrets / name).chmod(0o644)
        lines.append(f"cp {secrets / name} {SA_DIR}/{name}")
    for top in sorted({"/" + Path(p).parts[1] for p in pod.volumes}):
        upper, work = (
            scratch / f"upper{top.replace('/', '-')}",
            scratch / f"work{top.replace('/', '-')}",
        )
        upper.mkdir()
        work.mkdir()
        lines.append(
            f"mount -t overlay overlay -o lowerdir={top},upperdir={upper},workdir={work} {top}"
        )
    for mount_path, source in pod.volumes.items():
        lines += [f"mkdir -p {mount_path}", f"mount --bind {source} {mount_path}"]
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "KUBERNETES_SERVICE_HOST": pod.service_host,
        "KUBERNETES_SERVICE_PORT": str(pod.service_port),
        **pod.env,
    }
    assignments = " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
    # The test's interpreter may live under a private home (pyenv in /root, mode 700): the
    # ambient CAP_DAC_READ_SEARCH lets uid 10001 read it, and grants no write anywhere.
    lines.append(
        f"exec setpriv --reuid={pod.uid} --regid={pod.uid} --clear-groups "
        "--inh-caps=+dac_read_search --ambient-caps=+dac_read_search "
        f"env -i {assignments} {shlex.join(argv)}"
    )
    return "\n".join(lines)


def start(pod: Pod, scratch: Path, argv: list[str]) -> subprocess.Popen[str]:
    """Start ``argv`` (the container's command + args) in the pod-like namespace."""
    need_unshare()
    script = _script(pod, scratch, argv)
    return subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
