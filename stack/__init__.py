"""The demo stack on loopback, without Docker: `python -m stack up|down|status|build`."""
