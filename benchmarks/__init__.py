"""Wall-time figures for the offline render and the test suite: printed, never asserted (``make bench``)."""
