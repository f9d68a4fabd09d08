"""Parsing what the card holds: pure functions bytes → immutable values. Every parser raises only
``nfc.errors.ParseError`` on bad input and never allocates more than its input justifies."""
