-- The stored longitudinal results, empty: what a full refresh starts from (pipeline/views.py runs
-- this file only then; views_refresh.sql fills the tables, the views of views.sql and
-- views_panel.sql read them). Query the views, not these tables: their layout may change.
--
-- rid is a report's number in stored_series: a hash of its report_id (the same whatever the
-- history of loads); the few reports whose hashes collide are numbered -1, -2, … by report_id.
-- published_on (report_choice) and adcode_filed (coverage: the smallest adcode filed by the
-- reports of that jurisdiction-year) are kept so that a refresh need not read them again.

CREATE OR REPLACE TABLE stored_report_choice (
  report_id VARCHAR, rid BIGINT, jurisdiction_id VARCHAR, adcode_of_year VARCHAR, adcode_filed VARCHAR,
  year BIGINT, era VARCHAR, doc_type VARCHAR, status VARCHAR, published_on VARCHAR, n_values BIGINT,
  layout VARCHAR, series_stated BIGINT, rank BIGINT);

CREATE OR REPLACE TABLE stored_series (rid BIGINT, series_no INTEGER, chosen BOOLEAN, value DOUBLE, bits BIGINT);

CREATE OR REPLACE TABLE stored_coverage (
  jurisdiction_id VARCHAR, adcode VARCHAR, year BIGINT, name VARCHAR, admin_level VARCHAR, province VARCHAR,
  has_report BOOLEAN, missing BOOLEAN, report_id VARCHAR, doc_type VARCHAR, era VARCHAR, status VARCHAR,
  n_values BIGINT, n_reports BIGINT, report_ids VARCHAR[], first_year BIGINT, last_year BIGINT,
  adcode_filed VARCHAR);

CREATE OR REPLACE TABLE stored_coverage_summary (
  jurisdiction_id VARCHAR, adcode VARCHAR, name VARCHAR, admin_level VARCHAR, first_year BIGINT, last_year BIGINT,
  years_with_report BIGINT, years_missing BIGINT, missing_years BIGINT[]);

CREATE OR REPLACE TABLE stored_panel (
  jurisdiction_id VARCHAR, adcode VARCHAR, year BIGINT, name VARCHAR, admin_level VARCHAR,
  parent_jurisdiction_id VARCHAR, province VARCHAR, adcode_of_year VARCHAR, report_id VARCHAR, era VARCHAR,
  layout VARCHAR, doc_type VARCHAR, n_reports BIGINT,
  requests_received DOUBLE, requests_received_caveat VARCHAR, granted DOUBLE, granted_caveat VARCHAR,
  partially_granted DOUBLE, partially_granted_caveat VARCHAR, refused DOUBLE, refused_caveat VARCHAR,
  unable_to_provide DOUBLE, unable_to_provide_caveat VARCHAR, not_processed_or_other DOUBLE,
  not_processed_or_other_caveat VARCHAR, replies_total DOUBLE, replies_total_caveat VARCHAR,
  reconsiderations DOUBLE, reconsiderations_caveat VARCHAR, reconsiderations_corrected DOUBLE,
  reconsiderations_corrected_caveat VARCHAR, lawsuits DOUBLE, lawsuits_caveat VARCHAR,
  lawsuits_corrected DOUBLE, lawsuits_corrected_caveat VARCHAR);

-- The methods of the values (table, prose, derived: the contract's, schemas.tables.METHODS) as
-- bits, then any other method found (a full refresh only: a refresh meeting a new one is made full).
CREATE OR REPLACE TABLE method_bits AS
WITH found AS (
  SELECT method, 0 AS extra FROM (VALUES ('derived'), ('prose'), ('table')) AS t(method)
  UNION SELECT DISTINCT method, 1 FROM metric_values WHERE method NOT IN ('derived', 'prose', 'table')
)
SELECT method, extra::BOOLEAN AS extra,
  CASE WHEN count(*) OVER () > 8 THEN error('more than 8 distinct metrics.method values')::BIGINT
       ELSE 1::BIGINT << (row_number() OVER (ORDER BY extra, method) - 1) END AS bit
FROM found;
