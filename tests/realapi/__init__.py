"""The real kube-apiserver 1.20 test tier: start-up, kubelet stand-in, fixtures."""
