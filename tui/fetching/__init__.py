"""Threads from links: each service's public interface, read without an account (no Textual here).

`addresses` says which links are known (and imports nothing heavy, so a path
box can tell a link from a path); `http` is the one client every request goes
through; `bluesky`, `mastodon` and `threadreader` turn one service's answers
into threads with the importer of that format; `links` fetches several links
at once.
"""
