"""seqcase."""
