"""The domain of Pingyi, in pure Python: no Flask, no psycopg2.

It can be read, tested and reused (by the offline verifier) on its own.
"""
