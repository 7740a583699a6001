-- The stored longitudinal results, part 2: coverage of the jurisdictions views_refresh.sql
-- touched (delta_jy) and of those whose jurisdiction_base row changed (delta_dim_changed), and
-- their panel rows. Run by pipeline/views.py right after views_refresh.sql, whose temp tables
-- (delta_jy, delta_choice) it reads.

-- The jurisdictions whose coverage is redone, and what each of their years with a report holds:
-- the jurisdiction-years of delta_jy from the new choice, the others as stored.
CREATE OR REPLACE TEMP TABLE delta_j AS
SELECT DISTINCT jurisdiction_id FROM (SELECT jurisdiction_id FROM delta_jy UNION ALL SELECT jurisdiction_id FROM delta_dim_changed);

CREATE OR REPLACE TEMP TABLE delta_found AS
SELECT jurisdiction_id, year, count(*) AS n_reports, list(report_id ORDER BY rank) AS report_ids,
  min(adcode_filed) AS adcode_filed,
  any_value(report_id) FILTER (WHERE rank = 1) AS report_id, any_value(doc_type) FILTER (WHERE rank = 1) AS doc_type,
  any_value(era) FILTER (WHERE rank = 1) AS era, any_value(status) FILTER (WHERE rank = 1) AS status,
  any_value(n_values) FILTER (WHERE rank = 1) AS n_values
FROM delta_choice GROUP BY jurisdiction_id, year
UNION ALL BY NAME
SELECT c.jurisdiction_id, c.year, c.n_reports, c.report_ids, c.adcode_filed, c.report_id, c.doc_type, c.era, c.status, c.n_values
FROM stored_coverage c SEMI JOIN delta_j USING (jurisdiction_id) ANTI JOIN delta_jy USING (jurisdiction_id, year)
WHERE c.has_report;

-- Every year from a jurisdiction's first report to its last: whether a report exists, which.
-- Only the rows that differ are replaced (a new year changes the span of every row of its
-- jurisdiction; most rows stay as they were).
CREATE OR REPLACE TEMP TABLE delta_coverage AS
WITH spans AS (
  SELECT jurisdiction_id, min(year) AS first_year, max(year) AS last_year, min(adcode_filed) AS adcode_filed
  FROM delta_found GROUP BY jurisdiction_id
), grid AS (
  SELECT s.*, g.year FROM spans s, generate_series(s.first_year, s.last_year) AS g(year)
), fresh AS (
  SELECT g.jurisdiction_id, coalesce(j.adcode, g.adcode_filed) AS adcode, g.year, j.name, j.admin_level, j.province,
    f.report_id IS NOT NULL AS has_report, f.report_id IS NULL AS missing,
    f.report_id, f.doc_type, f.era, f.status, f.n_values, coalesce(f.n_reports, 0) AS n_reports, f.report_ids,
    g.first_year, g.last_year, f.adcode_filed
  FROM grid g LEFT JOIN delta_found f USING (jurisdiction_id, year)
  LEFT JOIN jurisdiction_base j ON j.jurisdiction_id = g.jurisdiction_id
), stored AS (
  SELECT * FROM stored_coverage SEMI JOIN delta_j USING (jurisdiction_id)
), changed AS (  -- (report_ids can only differ in delta_jy, which is always redone: not compared)
  SELECT jurisdiction_id, year FROM (SELECT * EXCLUDE (report_ids) FROM fresh EXCEPT SELECT * EXCLUDE (report_ids) FROM stored)
  UNION SELECT jurisdiction_id, year FROM (SELECT * EXCLUDE (report_ids) FROM stored EXCEPT SELECT * EXCLUDE (report_ids) FROM fresh)
  UNION SELECT jurisdiction_id, year FROM delta_jy
)
SELECT *, false AS gone FROM fresh SEMI JOIN changed USING (jurisdiction_id, year)
UNION ALL
SELECT *, true FROM stored SEMI JOIN changed USING (jurisdiction_id, year);

DELETE FROM stored_coverage USING (SELECT jurisdiction_id, year FROM delta_coverage WHERE gone) d
WHERE stored_coverage.jurisdiction_id = d.jurisdiction_id AND stored_coverage.year = d.year;

INSERT INTO stored_coverage BY NAME SELECT * EXCLUDE (gone) FROM delta_coverage WHERE NOT gone;

-- One row per jurisdiction: its span of years and the years missing in it.
DELETE FROM stored_coverage_summary WHERE jurisdiction_id IN (SELECT jurisdiction_id FROM delta_j);

INSERT INTO stored_coverage_summary BY NAME
SELECT jurisdiction_id, any_value(adcode) AS adcode, any_value(name) AS name, any_value(admin_level) AS admin_level,
  min(year) AS first_year, max(year) AS last_year, count(*) FILTER (WHERE has_report) AS years_with_report,
  count(*) FILTER (WHERE missing) AS years_missing, list(year ORDER BY year) FILTER (WHERE missing) AS missing_years
FROM stored_coverage SEMI JOIN delta_j USING (jurisdiction_id) GROUP BY jurisdiction_id;

-- The panel rows redone: the jurisdiction-years of delta_jy, and every year of a changed jurisdiction.
CREATE OR REPLACE TEMP TABLE delta_panel AS
SELECT jurisdiction_id, year FROM delta_jy
UNION
SELECT jurisdiction_id, year FROM stored_coverage SEMI JOIN delta_dim_changed USING (jurisdiction_id) WHERE has_report;

DELETE FROM stored_panel USING delta_panel d
WHERE stored_panel.jurisdiction_id = d.jurisdiction_id AND stored_panel.year = d.year;

-- One row per jurisdiction and year that has a report: the chosen report's harmonized series.
-- (delta_series is the view `series` over delta_series_rows, the stored_series rows of these
-- chosen reports, in place of all stored_series: views.py makes it.)
CREATE OR REPLACE TEMP TABLE delta_panel_choice AS
SELECT c.* FROM stored_report_choice c SEMI JOIN delta_panel USING (jurisdiction_id, year) WHERE c.rank = 1;

INSERT INTO delta_series_rows
SELECT * FROM stored_series WHERE chosen AND rid IN (SELECT rid FROM delta_panel_choice);

INSERT INTO stored_panel BY NAME
WITH s AS (
  SELECT report_id, any_value(layout) AS layout,
    max(value) FILTER (WHERE series = 'requests_received') AS requests_received,
    max(caveat) FILTER (WHERE series = 'requests_received') AS requests_received_caveat,
    max(value) FILTER (WHERE series = 'granted') AS granted,
    max(caveat) FILTER (WHERE series = 'granted') AS granted_caveat,
    max(value) FILTER (WHERE series = 'partially_granted') AS partially_granted,
    max(caveat) FILTER (WHERE series = 'partially_granted') AS partially_granted_caveat,
    max(value) FILTER (WHERE series = 'refused') AS refused,
    max(caveat) FILTER (WHERE series = 'refused') AS refused_caveat,
    max(value) FILTER (WHERE series = 'unable_to_provide') AS unable_to_provide,
    max(caveat) FILTER (WHERE series = 'unable_to_provide') AS unable_to_provide_caveat,
    max(value) FILTER (WHERE series = 'not_processed_or_other') AS not_processed_or_other,
    max(caveat) FILTER (WHERE series = 'not_processed_or_other') AS not_processed_or_other_caveat,
    max(value) FILTER (WHERE series = 'replies_total') AS replies_total,
    max(caveat) FILTER (WHERE series = 'replies_total') AS replies_total_caveat,
    max(value) FILTER (WHERE series = 'reconsiderations') AS reconsiderations,
    max(caveat) FILTER (WHERE series = 'reconsiderations') AS reconsiderations_caveat,
    max(value) FILTER (WHERE series = 'reconsiderations_corrected') AS reconsiderations_corrected,
    max(caveat) FILTER (WHERE series = 'reconsiderations_corrected') AS reconsiderations_corrected_caveat,
    max(value) FILTER (WHERE series = 'lawsuits') AS lawsuits,
    max(caveat) FILTER (WHERE series = 'lawsuits') AS lawsuits_caveat,
    max(value) FILTER (WHERE series = 'lawsuits_corrected') AS lawsuits_corrected,
    max(caveat) FILTER (WHERE series = 'lawsuits_corrected') AS lawsuits_corrected_caveat
  FROM delta_series WHERE chosen GROUP BY report_id
)
SELECT c.jurisdiction_id, coalesce(j.adcode, c.adcode_filed) AS adcode, c.year,
  coalesce(j.name, r.jurisdiction_name) AS name, j.admin_level, j.parent_jurisdiction_id, j.province,
  c.adcode_of_year, c.report_id, c.era, s.layout, c.doc_type, n.n_reports, s.* EXCLUDE (report_id, layout)
FROM delta_panel_choice c JOIN report_base r USING (report_id) LEFT JOIN s USING (report_id)
JOIN stored_coverage n USING (jurisdiction_id, year)
LEFT JOIN jurisdiction_base j ON j.jurisdiction_id = c.jurisdiction_id;
