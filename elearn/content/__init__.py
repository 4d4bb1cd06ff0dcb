"""Course files <-> database: parse, validate, render."""
