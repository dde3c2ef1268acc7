"""Kra Sang's municipality file, the default (a package so that it ships with the code)."""
