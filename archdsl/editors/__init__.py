"""Editor support: a Pygments lexer for `.arch` (needs the `editor` extra; never imported by the core)."""
