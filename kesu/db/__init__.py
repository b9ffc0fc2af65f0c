"""The database layer beneath every app: plain-SQL shortcuts for the registration hot path
(``sql``), the SQLite backend with the finer wait for the write lock (``sqlite``, named by
settings' ENGINE), and schema steps for migrations that Django's operations lack (``schema``).
Every app may import from here; nothing here imports an app (only Django)."""
