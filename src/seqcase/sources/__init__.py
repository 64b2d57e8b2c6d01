"""Where raw data comes from: a member of a pinned wheel, an http(s) URL, or a local file.

Every source ends in the same place: bytes streamed through a sha256 check into a temporary file
that is renamed into data/raw/<source>/ only when the digest matches (`seqcase.sources.fetch`).
"""
