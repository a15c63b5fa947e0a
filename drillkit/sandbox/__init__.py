"""The offline twin of a two-region world. Imports nothing from the engine or the CLI."""
