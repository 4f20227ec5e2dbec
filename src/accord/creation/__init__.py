"""Creation: sampling, rendering, provenance credentials and the memorization guard."""
