"""The command line: thin adapters over the contexts' service functions."""
