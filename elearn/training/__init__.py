"""Domain rules as plain functions: no Flask, no database session."""
