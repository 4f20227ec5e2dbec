"""Attribution: which training works and artists shaped an output, and in what shares."""
