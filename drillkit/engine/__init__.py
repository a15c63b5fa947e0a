"""The drill lifecycle: runner, journal, restore, lock, signals."""
