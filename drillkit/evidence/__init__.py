"""Evidence renderers: Markdown, JSON, JUnit."""
