"""Benchmarks that report like Hyperledger Caliper: throughput, latency percentiles, success rate.

Transactions are signed before the timed phase. Results print as a table and are written as JSON.
"""
