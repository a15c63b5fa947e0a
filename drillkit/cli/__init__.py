"""Click commands only: parse options, wire adapters, print. No logic lives here."""
