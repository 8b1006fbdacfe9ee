"""The reader's widgets: they render and send messages; they never parse files or touch TinyDB."""
