"""The reader's screens: main, help, import and search."""
