WITH sqlite_master AS (SELECT * FROM sqlite_master) SELECT * FROM sqlite_master
