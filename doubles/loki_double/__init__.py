"""A Loki API double for the native test stack: an in-memory, bounded, honest stand-in for the parts
of Loki's HTTP API that the plugin, the sample services and Grafana's Loki datasource use.

It is not Loki (which is AGPL and not used here); see README.md for what it implements and rejects.
"""
