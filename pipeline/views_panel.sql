-- Longitudinal views of the warehouse (metric catalogue §5), part 2: coverage, the panel and what
-- is computed from them. Run by pipeline/views.py after views.sql. See docs/analysis.md.

-- Every year from a jurisdiction's first report to its last: whether a report exists, which
-- (all its reports in report_ids, by rank); per jurisdiction its span and the years missing; per
-- jurisdiction and year with a report, the chosen report's harmonized series. Stored by
-- views_refresh_panel.sql.
CREATE OR REPLACE VIEW coverage AS
SELECT * EXCLUDE (adcode_filed) FROM stored_coverage;

CREATE OR REPLACE VIEW coverage_summary AS
SELECT * FROM stored_coverage_summary;

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
