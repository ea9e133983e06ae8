-- Runs once, on the first start of the compose Postgres (empty data volume): the reference backend's own database.
-- Switchboard's database (`switchboard`) is created by the image from POSTGRES_DB; each service migrates its tables.
CREATE DATABASE acme OWNER switchboard;
