"""Threads from links, read from each service's public interface without an account (no Textual here).

`addresses`: which links are known (light, for a path box); `http`: the one client; `bluesky`, `mastodon`,
`threadreader`: one service each, read by its format's importer; `links`: several links at once.
"""
