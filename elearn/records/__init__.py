"""Records the officials' reports read, written as things happen: who is trained (one row per
person, surviving erasure) and anonymous activity counters per village. Plain values in, no Flask."""
