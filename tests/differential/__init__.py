"""The same Kubernetes scenarios against the sandbox twin and the real kube-apiserver 1.20."""
