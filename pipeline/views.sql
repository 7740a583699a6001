-- Longitudinal views of the warehouse (metric catalogue §5), run by pipeline/views.py after the
-- tables are loaded and after it has built the input views `report_base`, `metric_values` (the
-- requester 'total', period 'year' values) and `jurisdiction_base`, and the tables
-- `report_jurisdiction` and `jurisdiction_codes`. See docs/analysis.md.

-- Every report with a jurisdiction and a year, ranked within its jurisdiction-year: the panel
-- uses rank 1 (annual_report first, then status ok, then the latest published_on, then the
-- one with most values, then report_id).
CREATE OR REPLACE VIEW report_choice AS
WITH n AS (SELECT report_id, count(value) AS n_values FROM metric_values GROUP BY report_id)
SELECT r.report_id, rj.jurisdiction_id, rj.adcode_of_year, r.adcode AS adcode_filed, r.report_year AS year,
       r.era, r.doc_type, r.status, r.published_on, r.source_path, r.jurisdiction_name,
       coalesce(n.n_values, 0) AS n_values,
       row_number() OVER (PARTITION BY rj.jurisdiction_id, r.report_year ORDER BY
         r.doc_type IS NOT DISTINCT FROM 'annual_report' DESC, r.status IS NOT DISTINCT FROM 'ok' DESC,
         try_cast(r.published_on AS DATE) DESC NULLS LAST, coalesce(n.n_values, 0) DESC, r.report_id) AS rank
FROM report_base r JOIN report_jurisdiction rj USING (report_id) LEFT JOIN n USING (report_id)
WHERE r.report_year IS NOT NULL;

-- The layout a report's values follow: its codes decide (a 2019 report may still use the old
-- table), else its era, else its year.
CREATE OR REPLACE VIEW report_layout AS
SELECT c.report_id,
  CASE WHEN bool_or(v.metric_code IN ('outcomes.unable', 'outcomes.not_processed', 'requests.carried_in', 'requests.carried_out')
                    OR v.metric_code LIKE 'outcomes.unable.%' OR v.metric_code LIKE 'outcomes.not_processed.%'
                    OR v.metric_code LIKE 'litigation.direct.%' OR v.metric_code LIKE 'litigation.after_review.%') THEN 'fmt2019+'
       WHEN bool_or(v.metric_code IN ('outcomes.already_public', 'outcomes.not_exist', 'outcomes.not_this_agency',
                    'outcomes.asked_to_clarify', 'outcomes.redirected', 'outcomes.other_type')) THEN 'pre2019'
       WHEN any_value(c.era) IN ('fmt2019', 'fmt2021') THEN 'fmt2019+'
       WHEN any_value(c.era) IN ('pre2014', 'stat2014') THEN 'pre2019'
       WHEN any_value(c.year) >= 2019 THEN 'fmt2019+' ELSE 'pre2019' END AS layout
FROM report_choice c LEFT JOIN metric_values v USING (report_id)
GROUP BY c.report_id;

-- Long form: one row per report × harmonized series (chosen = the panel's report).
CREATE OR REPLACE VIEW series AS
WITH ops AS (
  SELECT c.report_id, d.series, d.tier, d.sign, d.metric_code, v.value, v.method, v.report_id IS NOT NULL AS present
  FROM report_choice c JOIN report_layout l USING (report_id)
  JOIN series_definitions d ON d.layout = l.layout
  LEFT JOIN metric_values v ON v.report_id = c.report_id AND v.metric_code = d.metric_code
  WHERE NOT d.nested_only OR v.nested_under = 'outcomes.denied'
), best AS (
  SELECT report_id, series, coalesce(min(tier) FILTER (WHERE sign > 0 AND value IS NOT NULL), 1) AS tier
  FROM ops GROUP BY ALL
), agg AS (
  SELECT o.report_id, o.series, b.tier,
    CASE WHEN count(o.value) FILTER (WHERE o.sign > 0) > 0 THEN sum(o.sign * o.value) END AS value,
    count(o.value) FILTER (WHERE o.sign > 0) AS parts_stated, count(*) FILTER (WHERE o.sign > 0) AS parts,
    string_agg(o.metric_code, ',' ORDER BY o.metric_code) FILTER (WHERE o.value IS NOT NULL) AS metric_codes,
    string_agg(o.metric_code, ', ' ORDER BY o.metric_code) FILTER (WHERE o.sign > 0 AND NOT o.present) AS absent_codes,
    string_agg(o.metric_code, ', ' ORDER BY o.metric_code) FILTER (WHERE o.sign > 0 AND o.present AND o.value IS NULL) AS blank_codes,
    string_agg(DISTINCT o.method, ',' ORDER BY o.method) AS methods
  FROM ops o JOIN best b ON b.report_id = o.report_id AND b.series = o.series AND b.tier = o.tier
  GROUP BY ALL
)
SELECT c.jurisdiction_id, coalesce(j.adcode, c.adcode_filed) AS adcode, c.adcode_of_year, c.year, a.series, a.value,
  c.report_id, c.rank = 1 AS chosen, c.era, l.layout, c.doc_type,
  a.parts_stated, a.parts, a.tier, a.metric_codes, a.methods,
  concat_ws(' ',
    coalesce(e.caveat, lc.caveat),
    CASE WHEN c.era IS NOT NULL AND (c.era IN ('fmt2019', 'fmt2021')) <> (l.layout = 'fmt2019+')
         THEN 'The report uses the ' || l.layout || ' layout although its era is ' || c.era || '.' END,
    CASE WHEN a.value IS NOT NULL AND a.blank_codes IS NOT NULL THEN 'Left blank, not counted: ' || a.blank_codes || '.' END,
    CASE WHEN a.value IS NOT NULL AND a.absent_codes IS NOT NULL THEN 'Not in the report: ' || a.absent_codes || '.' END,
    CASE WHEN a.tier = 2 AND a.value IS NOT NULL THEN 'Group summed from its sub-rows.' END,
    CASE WHEN c.year = 2008 THEN '2008 covers 1 May to 31 December only.' END,
    CASE WHEN c.doc_type IS DISTINCT FROM 'annual_report' THEN 'Not an annual report: document type ' || coalesce(c.doc_type, 'unknown') || '.' END
  ) AS caveat
FROM agg a JOIN report_choice c USING (report_id) JOIN report_layout l USING (report_id)
LEFT JOIN jurisdiction_base j ON j.jurisdiction_id = c.jurisdiction_id
LEFT JOIN series_caveats e ON e.series = a.series AND e.basis = c.era
     AND (c.era IN ('fmt2019', 'fmt2021')) = (l.layout = 'fmt2019+')
LEFT JOIN series_caveats lc ON lc.series = a.series AND lc.basis = l.layout;

-- One row per jurisdiction and year that has a report: the chosen report's harmonized series.
CREATE OR REPLACE VIEW panel AS
WITH s AS (SELECT report_id, series, value, caveat, layout FROM series WHERE chosen),
c AS (SELECT * FROM report_choice WHERE rank = 1),
n AS (SELECT jurisdiction_id, year, count(*) AS n_reports FROM report_choice GROUP BY ALL)
SELECT c.jurisdiction_id, coalesce(j.adcode, c.adcode_filed) AS adcode, c.year,
  coalesce(j.name, c.jurisdiction_name) AS name, j.admin_level, j.parent_jurisdiction_id, j.province,
  c.adcode_of_year, c.report_id, c.era, any_value(s.layout) AS layout, c.doc_type, n.n_reports,
  max(s.value) FILTER (WHERE s.series = 'requests_received') AS requests_received,
  max(s.caveat) FILTER (WHERE s.series = 'requests_received') AS requests_received_caveat,
  max(s.value) FILTER (WHERE s.series = 'granted') AS granted,
  max(s.caveat) FILTER (WHERE s.series = 'granted') AS granted_caveat,
  max(s.value) FILTER (WHERE s.series = 'partially_granted') AS partially_granted,
  max(s.caveat) FILTER (WHERE s.series = 'partially_granted') AS partially_granted_caveat,
  max(s.value) FILTER (WHERE s.series = 'refused') AS refused,
  max(s.caveat) FILTER (WHERE s.series = 'refused') AS refused_caveat,
  max(s.value) FILTER (WHERE s.series = 'unable_to_provide') AS unable_to_provide,
  max(s.caveat) FILTER (WHERE s.series = 'unable_to_provide') AS unable_to_provide_caveat,
  max(s.value) FILTER (WHERE s.series = 'not_processed_or_other') AS not_processed_or_other,
  max(s.caveat) FILTER (WHERE s.series = 'not_processed_or_other') AS not_processed_or_other_caveat,
  max(s.value) FILTER (WHERE s.series = 'replies_total') AS replies_total,
  max(s.caveat) FILTER (WHERE s.series = 'replies_total') AS replies_total_caveat,
  max(s.value) FILTER (WHERE s.series = 'reconsiderations') AS reconsiderations,
  max(s.caveat) FILTER (WHERE s.series = 'reconsiderations') AS reconsiderations_caveat,
  max(s.value) FILTER (WHERE s.series = 'reconsiderations_corrected') AS reconsiderations_corrected,
  max(s.caveat) FILTER (WHERE s.series = 'reconsiderations_corrected') AS reconsiderations_corrected_caveat,
  max(s.value) FILTER (WHERE s.series = 'lawsuits') AS lawsuits,
  max(s.caveat) FILTER (WHERE s.series = 'lawsuits') AS lawsuits_caveat,
  max(s.value) FILTER (WHERE s.series = 'lawsuits_corrected') AS lawsuits_corrected,
  max(s.caveat) FILTER (WHERE s.series = 'lawsuits_corrected') AS lawsuits_corrected_caveat
FROM c LEFT JOIN s USING (report_id) JOIN n USING (jurisdiction_id, year)
LEFT JOIN jurisdiction_base j ON j.jurisdiction_id = c.jurisdiction_id
GROUP BY ALL;

-- Every year from a jurisdiction's first report to its last: whether a report exists, which.
CREATE OR REPLACE VIEW coverage AS
WITH spans AS (
  SELECT jurisdiction_id, min(year) AS first_year, max(year) AS last_year, any_value(adcode_filed) AS adcode_filed
  FROM report_choice GROUP BY jurisdiction_id
), grid AS (
  SELECT s.*, g.year FROM spans s, generate_series(s.first_year, s.last_year) AS g(year)
), found AS (
  SELECT jurisdiction_id, year, count(*) AS n_reports, count(*) FILTER (WHERE status = 'ok') AS n_ok,
    list(report_id ORDER BY rank) AS report_ids,
    any_value(report_id) FILTER (WHERE rank = 1) AS report_id, any_value(doc_type) FILTER (WHERE rank = 1) AS doc_type,
    any_value(era) FILTER (WHERE rank = 1) AS era, any_value(status) FILTER (WHERE rank = 1) AS status,
    any_value(n_values) FILTER (WHERE rank = 1) AS n_values
  FROM report_choice GROUP BY jurisdiction_id, year
)
SELECT g.jurisdiction_id, coalesce(j.adcode, g.adcode_filed) AS adcode, g.year, j.name, j.admin_level, j.province,
  f.report_id IS NOT NULL AS has_report, f.report_id IS NULL AS missing,
  f.report_id, f.doc_type, f.era, f.status, f.n_values, coalesce(f.n_reports, 0) AS n_reports, f.report_ids,
  g.first_year, g.last_year
FROM grid g LEFT JOIN found f USING (jurisdiction_id, year)
LEFT JOIN jurisdiction_base j ON j.jurisdiction_id = g.jurisdiction_id;

-- One row per jurisdiction: its span of years and the years missing in it.
CREATE OR REPLACE VIEW coverage_summary AS
SELECT jurisdiction_id, any_value(adcode) AS adcode, any_value(name) AS name, any_value(admin_level) AS admin_level,
  min(year) AS first_year, max(year) AS last_year, count(*) FILTER (WHERE has_report) AS years_with_report,
  count(*) FILTER (WHERE missing) AS years_missing, list(year ORDER BY year) FILTER (WHERE missing) AS missing_years
FROM coverage GROUP BY jurisdiction_id;

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
