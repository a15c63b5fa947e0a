"""The drill file language: models, YAML loading with locations, JSON Schema."""
