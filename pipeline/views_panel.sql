-- Longitudinal views of the warehouse (metric catalogue §5), part 2: coverage, the panel and what
-- is computed from them. Run by pipeline/views.py after views.sql. See docs/analysis.md.

-- Every year from a jurisdiction's first report to its last: whether a report exists, which.
-- (rid - rank identifies a jurisdiction-year; rid orders its reports by rank.)
CREATE OR REPLACE TABLE stored_coverage AS
WITH found AS (
  SELECT any_value(jurisdiction_id) AS jurisdiction_id, any_value(year) AS year, count(*) AS n_reports,
    list(report_id ORDER BY rid) AS report_ids, min(adcode_filed) AS adcode_filed,
    any_value(report_id) FILTER (WHERE rank = 1) AS report_id, any_value(doc_type) FILTER (WHERE rank = 1) AS doc_type,
    any_value(era) FILTER (WHERE rank = 1) AS era, any_value(status) FILTER (WHERE rank = 1) AS status,
    any_value(n_values) FILTER (WHERE rank = 1) AS n_values
  FROM stored_report_choice GROUP BY rid - rank
), spans AS (
  SELECT jurisdiction_id, min(year) AS first_year, max(year) AS last_year, min(adcode_filed) AS adcode_filed
  FROM found GROUP BY jurisdiction_id
), grid AS (
  SELECT s.*, g.year FROM spans s, generate_series(s.first_year, s.last_year) AS g(year)
)
SELECT g.jurisdiction_id, coalesce(j.adcode, g.adcode_filed) AS adcode, g.year, j.name, j.admin_level, j.province,
  f.report_id IS NOT NULL AS has_report, f.report_id IS NULL AS missing,
  f.report_id, f.doc_type, f.era, f.status, f.n_values, coalesce(f.n_reports, 0) AS n_reports, f.report_ids,
  g.first_year, g.last_year
FROM grid g LEFT JOIN found f USING (jurisdiction_id, year)
LEFT JOIN jurisdiction_base j ON j.jurisdiction_id = g.jurisdiction_id;

CREATE OR REPLACE VIEW coverage AS
SELECT * FROM stored_coverage;

-- One row per jurisdiction: its span of years and the years missing in it.
CREATE OR REPLACE TABLE stored_coverage_summary AS
SELECT jurisdiction_id, any_value(adcode) AS adcode, any_value(name) AS name, any_value(admin_level) AS admin_level,
  min(year) AS first_year, max(year) AS last_year, count(*) FILTER (WHERE has_report) AS years_with_report,
  count(*) FILTER (WHERE missing) AS years_missing, list(year ORDER BY year) FILTER (WHERE missing) AS missing_years
FROM stored_coverage GROUP BY jurisdiction_id;

CREATE OR REPLACE VIEW coverage_summary AS
SELECT * FROM stored_coverage_summary;

-- One row per jurisdiction and year that has a report: the chosen report's harmonized series.
CREATE OR REPLACE TABLE stored_panel AS
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
  FROM series WHERE chosen GROUP BY report_id
)
SELECT c.jurisdiction_id, coalesce(j.adcode, c.adcode_filed) AS adcode, c.year,
  coalesce(j.name, r.jurisdiction_name) AS name, j.admin_level, j.parent_jurisdiction_id, j.province,
  c.adcode_of_year, c.report_id, c.era, s.layout, c.doc_type, n.n_reports, s.* EXCLUDE (report_id, layout)
FROM stored_report_choice c JOIN report_base r USING (report_id) LEFT JOIN s USING (report_id)
JOIN stored_coverage n USING (jurisdiction_id, year)
LEFT JOIN jurisdiction_base j ON j.jurisdiction_id = c.jurisdiction_id
WHERE c.rank = 1;

CREATE OR REPLACE VIEW panel AS
SELECT * FROM stored_panel;

-- Year-over-year change of each series, against the jurisdiction's previous year with a value.
CREATE OR REPLACE VIEW yoy AS
WITH s AS (
  SELECT *, lag(year) OVER w AS prev_year, lag(value) OVER w AS prev_value, lag(layout) OVER w AS prev_layout
  FROM series WHERE chosen AND value IS NOT NULL
  WINDOW w AS (PARTITION BY jurisdiction_id, series ORDER BY year)
)
SELECT jurisdiction_id, adcode, series, year, value, prev_year, prev_value, value - prev_value AS change,
  round((value - prev_value) / nullif(prev_value, 0), 4) AS pct_change,
  prev_year = year - 1 AS consecutive, prev_layout = layout AS same_layout,
  concat_ws(' ',
    CASE WHEN prev_layout <> layout THEN 'Crosses the 2019 format change: the series is defined differently on each side.' END,
    CASE WHEN prev_year < year - 1 THEN 'The previous value is ' || (year - prev_year) || ' years earlier.' END) AS caveat
FROM s WHERE prev_year IS NOT NULL;

-- Rates per jurisdiction-year, on the panel. The base of the reply shares is replies_total, or
-- the sum of the stated reply categories when the total is not stated.
CREATE OR REPLACE VIEW rates AS
WITH b AS (
  SELECT *,
    CASE WHEN coalesce(granted, partially_granted, refused, unable_to_provide, not_processed_or_other) IS NOT NULL
         THEN coalesce(granted, 0) + coalesce(partially_granted, 0) + coalesce(refused, 0)
              + coalesce(unable_to_provide, 0) + coalesce(not_processed_or_other, 0) END AS categories_sum
  FROM panel
)
SELECT jurisdiction_id, adcode, name, province, admin_level, year, era, layout, report_id,
  granted, partially_granted, refused, unable_to_provide, not_processed_or_other, replies_total,
  coalesce(replies_total, categories_sum) AS reply_base,
  CASE WHEN replies_total IS NOT NULL THEN 'replies_total' WHEN categories_sum IS NOT NULL THEN 'sum of categories' END AS reply_base_source,
  round(granted / nullif(coalesce(replies_total, categories_sum), 0), 4) AS grant_rate,
  round(partially_granted / nullif(coalesce(replies_total, categories_sum), 0), 4) AS partial_grant_rate,
  round(refused / nullif(coalesce(replies_total, categories_sum), 0), 4) AS refusal_rate,
  round(unable_to_provide / nullif(coalesce(replies_total, categories_sum), 0), 4) AS unable_rate,
  reconsiderations, reconsiderations_corrected,
  round(reconsiderations_corrected / nullif(reconsiderations, 0), 4) AS review_correction_rate,
  lawsuits, lawsuits_corrected,
  round(lawsuits_corrected / nullif(lawsuits, 0), 4) AS lawsuit_correction_rate,
  concat_ws(' ',
    CASE WHEN layout = 'fmt2019+' THEN 'From 2019 the base (总计) includes requests carried in from last year.'
         ELSE 'Before 2019 granted includes replies that the information was already public.' END,
    CASE WHEN replies_total IS NULL AND categories_sum IS NOT NULL THEN 'No total stated: base is the sum of the stated categories.' END,
    CASE WHEN reconsiderations IS NOT NULL AND reconsiderations_corrected IS NULL THEN 'Review results not stated.' END
  ) AS caveat
FROM b;
