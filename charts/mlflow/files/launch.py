# Run by the chart's containers as `python -c <this file> MODE ...`, so it needs no ConfigMap
# (the hook Jobs run before any release resource exists). Modes:
#   exec CMD...       build MLFLOW_BACKEND_STORE_URI from MLFLOW_DB_*, then exec CMD
#                     (`mlflow db upgrade` gets the URI as its argument; with the login on, the user
#                     database is upgraded after it). With MLFLOW_AUTH_CONFIG_PATH set (the login),
#                     first write that ini from MLFLOW_AUTH_* (see write_auth_config)
#   wait              wait until the database answers on its port (and, with MLFLOW_DB_WAIT_LOGIN=1,
#                     accepts the MLflow user's login), at most MLFLOW_DB_WAIT_TIMEOUT seconds
#   create-database   create the database and the MLflow user with the master credentials
# The password is URL-encoded into the URI, so any character works, and it is never printed.
import os
import socket
import subprocess
import sys
import time
from urllib.parse import quote

env = os.environ


def fail(message):
    print("mlflow-install: " + message, file=sys.stderr, flush=True)
    sys.exit(1)


def database_uri(user_var="MLFLOW_DB_USER", password_var="MLFLOW_DB_PASSWORD", database=None):
    def encoded(name):
        return quote(env.get(name, ""), safe="")

    name = quote(database, safe="") if database is not None else encoded("MLFLOW_DB_NAME")
    options = env.get("MLFLOW_DB_OPTIONS", "")
    return "{}://{}:{}@{}:{}/{}{}".format(
        env["MLFLOW_DB_SCHEME"],
        encoded(user_var),
        encoded(password_var),
        env["MLFLOW_DB_HOST"],
        env["MLFLOW_DB_PORT"],
        name,
        "?" + options if options else "",
    )


def auth_database_uri():
    # Users on the volume (MLFLOW_AUTH_DATABASE_URI, a SQLite file), else in the backend's own database
    # (their own tables and alembic_version_auth).
    if env.get("MLFLOW_AUTH_DATABASE_URI"):
        return env["MLFLOW_AUTH_DATABASE_URI"]
    if not env.get("MLFLOW_DB_HOST"):
        fail("the login needs its user database: set MLFLOW_DB_HOST or MLFLOW_AUTH_DATABASE_URI")
    return database_uri()


def write_auth_config(path):
    # MLflow reads the ini with configparser's interpolation: a `%` (every URL-encoded character of a
    # password) must be written `%%`. The admin password is not in it: MLflow reads MLFLOW_AUTH_ADMIN_PASSWORD.
    def value(text):
        if "\n" in text or "\r" in text:
            fail("a line break in a login setting cannot be written to " + path)
        return text.replace("%", "%%")

    settings = [
        ("default_permission", env.get("MLFLOW_AUTH_DEFAULT_PERMISSION", "READ")),
        ("database_uri", auth_database_uri()),
        ("admin_username", env.get("MLFLOW_AUTH_ADMIN_USER", "admin")),
        ("authorization_function", "mlflow.server.auth:authenticate_request_basic_auth"),
        ("auth_cache_ttl_seconds", env.get("MLFLOW_AUTH_CACHE_TTL_SECONDS", "0")),
    ]
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("[mlflow]\n")
        for key, text in settings:
            handle.write("{} = {}\n".format(key, value(text)))


def run_command(args):
    if env.get("MLFLOW_DB_HOST"):
        env["MLFLOW_BACKEND_STORE_URI"] = database_uri()
    login = env.get("MLFLOW_AUTH_CONFIG_PATH")
    if login:
        write_auth_config(login)
    if args[1:3] == ["db", "upgrade"]:
        if not env.get("MLFLOW_BACKEND_STORE_URI"):
            fail("no backend store URI to upgrade: set MLFLOW_DB_HOST or MLFLOW_BACKEND_STORE_URI")
        args = args + [env["MLFLOW_BACKEND_STORE_URI"]]
        if login:
            # The URIs go to the children as arguments, as `mlflow db upgrade` takes its own; never printed.
            tracking = subprocess.run(args)
            if tracking.returncode != 0:
                sys.exit(tracking.returncode)
            print("The tracking schema is up to date; upgrading the login's user database.", flush=True)
            args = [sys.executable, "-m", "mlflow.server.auth", "db", "upgrade", "--url", auth_database_uri()]
    os.execvp(args[0], args)


def wait_for_database():
    host, port = env["MLFLOW_DB_HOST"], int(env["MLFLOW_DB_PORT"])
    timeout = float(env.get("MLFLOW_DB_WAIT_TIMEOUT", "300"))
    deadline = time.monotonic() + timeout
    reason = "no answer yet"
    print("Waiting up to {:.0f}s for the database at {}:{}".format(timeout, host, port), flush=True)
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=5).close()
            if env.get("MLFLOW_DB_WAIT_LOGIN") != "1":
                print("The database at {}:{} answers.".format(host, port), flush=True)
                return
            import sqlalchemy

            sqlalchemy.create_engine(database_uri()).connect().close()
            print("The database at {}:{} accepts the MLflow user.".format(host, port), flush=True)
            return
        except Exception as error:  # any failure is retried until the deadline
            reason = type(error).__name__ + ": " + str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        time.sleep(2)
    fail(
        "the database at {}:{} did not answer within {:.0f}s (last error: {}). Check the host, the port, "
        "the network policies and security groups between the cluster and the database.".format(host, port, timeout, reason)
    )


def create_database():
    import sqlalchemy

    scheme = env["MLFLOW_DB_SCHEME"]
    name, user, password = env["MLFLOW_DB_NAME"], env["MLFLOW_DB_USER"], env["MLFLOW_DB_PASSWORD"]
    admin_database = "postgres" if scheme.startswith("postgresql") else "master" if scheme.startswith("mssql") else ""
    engine = sqlalchemy.create_engine(
        database_uri("MLFLOW_DB_MASTER_USER", "MLFLOW_DB_MASTER_PASSWORD", admin_database),
        isolation_level="AUTOCOMMIT",
    )

    def literal(value):
        return "'" + value.replace("'", "''") + "'"

    # A raw DB-API cursor: DDL cannot take bound parameters, and without arguments the drivers
    # leave `%` and `:` in the statement alone (a password may hold both).
    connection = engine.raw_connection()
    cursor = connection.cursor()

    def run(sql, *params):
        if params:
            cursor.execute(sql, params)
        else:
            cursor.execute(sql)
        return cursor

    def exists(sql, *params):
        return run(sql, *params).fetchone() is not None

    try:
        if scheme.startswith("postgresql"):
            ident = lambda value: '"' + value.replace('"', '""') + '"'
            verb = "ALTER" if exists("SELECT 1 FROM pg_roles WHERE rolname = %s", user) else "CREATE"
            run("{} ROLE {} LOGIN PASSWORD {}".format(verb, ident(user), literal(password)))
            if not exists("SELECT 1 FROM pg_database WHERE datname = %s", name):
                # An RDS/Aurora master user is no superuser: it may hand a database to a role it belongs to.
                if not exists("SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper"):
                    run("GRANT {} TO CURRENT_USER".format(ident(user)))
                run("CREATE DATABASE {} OWNER {}".format(ident(name), ident(user)))
            run("GRANT ALL PRIVILEGES ON DATABASE {} TO {}".format(ident(name), ident(user)))
        elif scheme.startswith("mysql"):
            ident = lambda value: "`" + value.replace("`", "``") + "`"
            account = "{}@'%'".format(literal(user))
            secret = literal(password.replace("\\", "\\\\"))
            run("CREATE DATABASE IF NOT EXISTS {}".format(ident(name)))
            run("CREATE USER IF NOT EXISTS {} IDENTIFIED BY {}".format(account, secret))
            run("ALTER USER {} IDENTIFIED BY {}".format(account, secret))
            run("GRANT ALL PRIVILEGES ON {}.* TO {}".format(ident(name), account))
        elif scheme.startswith("mssql"):
            ident = lambda value: "[" + value.replace("]", "]]") + "]"
            if not exists("SELECT 1 FROM sys.databases WHERE name = %s", name):
                run("CREATE DATABASE {}".format(ident(name)))
            verb = "ALTER" if exists("SELECT 1 FROM sys.server_principals WHERE name = %s", user) else "CREATE"
            run("{} LOGIN {} WITH PASSWORD = {}".format(verb, ident(user), literal(password)))
            run("USE {}".format(ident(name)))
            if not exists("SELECT 1 FROM sys.database_principals WHERE name = %s", user):
                run("CREATE USER {} FOR LOGIN {}".format(ident(user), ident(user)))
            run("ALTER ROLE db_owner ADD MEMBER {}".format(ident(user)))
        else:
            fail("cannot create a database for the engine " + scheme)
    finally:
        cursor.close()
        connection.close()
    print("The database {} and the user {} are ready.".format(name, user), flush=True)


def main(argv):
    mode = argv[0] if argv else ""
    if mode == "exec" and len(argv) > 1:
        run_command(argv[1:])
    elif mode == "wait":
        wait_for_database()
    elif mode == "create-database":
        create_database()
    else:
        fail("usage: launch.py exec CMD... | wait | create-database")


main(sys.argv[1:])
