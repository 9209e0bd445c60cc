-- Run once by the postgres image on an empty data directory: one database per service, since no
-- service reads another's tables (contract §1). Each service's migrations create its tables.
CREATE DATABASE pmo_portfolio;
CREATE DATABASE pmo_risk;
CREATE DATABASE pmo_resource;
CREATE DATABASE pmo_reporting;
