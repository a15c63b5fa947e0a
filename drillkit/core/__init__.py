"""Pure logic: plan, timeline, metrics, verdict. No I/O, no clock reads."""
