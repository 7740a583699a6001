-- Longitudinal views of the warehouse (metric catalogue §5), part 1: which report stands for each
-- jurisdiction-year, and the harmonized series of every report. Run by pipeline/views.py after
-- the input views `report_base`, `metric_values` (the requester 'total', period 'year' values)
-- and `jurisdiction_base`, the tables `jurisdiction_keys` and `jurisdiction_codes`,
-- views_series.sql and the stored tables (views_stored.sql); views_panel.sql follows.
-- See docs/analysis.md.
--
-- The expensive results are stored, set-based, in `stored_*` tables (views_refresh.sql keeps them
-- up to date with every load); the names users query (report_choice, report_layout, series,
-- panel, coverage, coverage_summary) are views over them.

-- Each report's stable jurisdiction_id, its government's id and the code that government had in
-- the report's year (jurisdiction_keys holds them per distinct name, level, adcode and year).
CREATE OR REPLACE VIEW report_jurisdiction AS
SELECT r.report_id, k.jurisdiction_id, k.government_id, k.adcode_of_year
FROM report_base r JOIN jurisdiction_keys k
  ON k.jurisdiction_name IS NOT DISTINCT FROM r.jurisdiction_name AND k.admin_level IS NOT DISTINCT FROM r.admin_level
 AND k.adcode IS NOT DISTINCT FROM r.adcode AND k.report_year IS NOT DISTINCT FROM r.report_year;

CREATE OR REPLACE VIEW report_choice AS
SELECT c.report_id, c.jurisdiction_id, c.adcode_of_year, c.adcode_filed, c.year, c.era, c.doc_type, c.status,
  r.published_on, r.source_path, r.jurisdiction_name, c.n_values, c.rank
FROM stored_report_choice c JOIN report_base r USING (report_id);

CREATE OR REPLACE VIEW report_layout AS
SELECT report_id, layout FROM stored_report_choice;

-- The text of every set of methods (method_bits: views_stored.sql).
CREATE OR REPLACE TABLE method_sets AS
SELECT m.mask, string_agg(b.method, ',' ORDER BY b.method) AS methods
FROM (SELECT count(*) AS k FROM method_bits) g, range(1, 1 << g.k) m(mask)
JOIN method_bits b ON m.mask & b.bit <> 0
GROUP BY m.mask;

-- Long form: one row per report × harmonized series (chosen = the panel's report).
CREATE OR REPLACE VIEW series AS
WITH s AS (
  SELECT rid, series_no, chosen, value, (bits >> 56)::INTEGER AS tier, bits & 65535 AS valued_bits,
    (bits >> 16) & 65535 AS blank_bits, (bits >> 32) & 65535 AS absent_bits, (bits >> 48) & 255 AS method_bits
  FROM stored_series
)
SELECT c.jurisdiction_id, coalesce(j.adcode, c.adcode_filed) AS adcode, c.adcode_of_year, c.year, l.series, s.value,
  c.report_id, s.chosen, c.era, c.layout, c.doc_type,
  coalesce(vc.n_positive, 0) AS parts_stated,
  coalesce(vc.n_positive, 0) + bit_count(s.blank_bits) + bit_count(s.absent_bits) AS parts,
  s.tier, vc.codes AS metric_codes, ms.methods,
  concat_ws(' ',
    coalesce(e.caveat, lc.caveat),
    CASE WHEN c.era IS NOT NULL AND (c.era IN ('fmt2019', 'fmt2021')) <> (c.layout = 'fmt2019+')
         THEN 'The report uses the ' || c.layout || ' layout although its era is ' || c.era || '.' END,
    CASE WHEN s.value IS NOT NULL AND bc.codes IS NOT NULL THEN 'Left blank, not counted: ' || bc.codes_spaced || '.' END,
    CASE WHEN s.value IS NOT NULL AND ac.codes IS NOT NULL THEN 'Not in the report: ' || ac.codes_spaced || '.' END,
    CASE WHEN s.tier = 2 AND s.value IS NOT NULL THEN 'Group summed from its sub-rows.' END,
    CASE WHEN c.year = 2008 THEN '2008 covers 1 May to 31 December only.' END,
    CASE WHEN c.doc_type IS DISTINCT FROM 'annual_report' THEN 'Not an annual report: document type ' || coalesce(c.doc_type, 'unknown') || '.' END
  ) AS caveat
FROM s JOIN stored_report_choice c USING (rid)
JOIN series_layouts l ON l.series_no = s.series_no AND l.layout = c.layout
LEFT JOIN series_code_sets vc ON vc.series = l.series AND vc.layout = c.layout AND vc.tier = s.tier AND vc.mask = s.valued_bits
LEFT JOIN series_code_sets bc ON bc.series = l.series AND bc.layout = c.layout AND bc.tier = s.tier AND bc.mask = s.blank_bits
LEFT JOIN series_code_sets ac ON ac.series = l.series AND ac.layout = c.layout AND ac.tier = s.tier AND ac.mask = s.absent_bits
LEFT JOIN method_sets ms ON ms.mask = s.method_bits
LEFT JOIN jurisdiction_base j ON j.jurisdiction_id = c.jurisdiction_id
LEFT JOIN series_caveats e ON e.series = l.series AND e.basis = c.era
     AND (c.era IN ('fmt2019', 'fmt2021')) = (c.layout = 'fmt2019+')
LEFT JOIN series_caveats lc ON lc.series = l.series AND lc.basis = c.layout;
