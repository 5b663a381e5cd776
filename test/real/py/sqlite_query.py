"""Query a SQLite file read-only; print the rows as one JSON array. usage: sqlite_query.py FILE SQL"""
import json
import sqlite3
import sys

connection = sqlite3.connect("file:{}?mode=ro".format(sys.argv[1]), uri=True)
try:
    print(json.dumps([list(row) for row in connection.execute(sys.argv[2]).fetchall()]))
finally:
    connection.close()
