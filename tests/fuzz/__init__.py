"""Fuzzing the drill files, the DNS twin and the ARM twin."""
