"""Financial application modules, one package each, all with the same parts (ARCHITECTURE §5).

Modules reach each other only through the small interfaces they declare in their `expected.py`;
the application wires concrete keepers together.
"""
