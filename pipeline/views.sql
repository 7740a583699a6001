-- Longitudinal views of the warehouse (metric catalogue §5), part 1: which report stands for each
-- jurisdiction-year, and the harmonized series of every report. Run by pipeline/views.py after
-- the tables are loaded and after it has built the input views `report_base`, `metric_values`
-- (the requester 'total', period 'year' values) and `jurisdiction_base`, the tables
-- `jurisdiction_keys` and `jurisdiction_codes`, and views_series.sql; views_panel.sql follows.
-- See docs/analysis.md.
--
-- The expensive results are computed once, set-based, into `stored_*` tables (the database is
-- rebuilt or refreshed by every ingest, so they never go stale); the names users query
-- (report_choice, report_layout, series, panel, coverage, coverage_summary) are views over them.

-- Each report's stable jurisdiction_id, its government's id and the code that government had in
-- the report's year (jurisdiction_keys holds them per distinct name, level, adcode and year).
CREATE OR REPLACE VIEW report_jurisdiction AS
SELECT r.report_id, k.jurisdiction_id, k.government_id, k.adcode_of_year
FROM report_base r JOIN jurisdiction_keys k
  ON k.jurisdiction_name IS NOT DISTINCT FROM r.jurisdiction_name AND k.admin_level IS NOT DISTINCT FROM r.admin_level
 AND k.adcode IS NOT DISTINCT FROM r.adcode AND k.report_year IS NOT DISTINCT FROM r.report_year;

-- What each metric code says about a report: whether it belongs to the 2019 layout (2) or only
-- to the old one (1), and which series of each layout it is an operand of (bits by series_no;
-- the nested_only operands count only when the row is nested under 否决公开).
CREATE OR REPLACE TEMP TABLE code_facts AS
SELECT c.metric_code,
  CASE WHEN c.metric_code IN ('outcomes.unable', 'outcomes.not_processed', 'requests.carried_in', 'requests.carried_out')
            OR c.metric_code LIKE 'outcomes.unable.%' OR c.metric_code LIKE 'outcomes.not_processed.%'
            OR c.metric_code LIKE 'litigation.direct.%' OR c.metric_code LIKE 'litigation.after_review.%' THEN 2
       WHEN c.metric_code IN ('outcomes.already_public', 'outcomes.not_exist', 'outcomes.not_this_agency',
                              'outcomes.asked_to_clarify', 'outcomes.redirected', 'outcomes.other_type') THEN 1
       ELSE 0 END AS layout_flag,
  coalesce(bit_or(1::BIGINT << p.series_no) FILTER (WHERE p.layout = 'pre2019' AND NOT p.nested_only), 0) AS old_series,
  coalesce(bit_or(1::BIGINT << p.series_no) FILTER (WHERE p.layout = 'pre2019'), 0) AS old_series_nested,
  coalesce(bit_or(1::BIGINT << p.series_no) FILTER (WHERE p.layout = 'fmt2019+' AND NOT p.nested_only), 0) AS new_series,
  coalesce(bit_or(1::BIGINT << p.series_no) FILTER (WHERE p.layout = 'fmt2019+'), 0) AS new_series_nested
FROM (SELECT DISTINCT metric_code FROM metric_values) c LEFT JOIN series_parts p USING (metric_code)
GROUP BY ALL;

-- Every report with a jurisdiction and a year, in one pass over its values. rank: the panel uses
-- rank 1 (annual_report first, then status ok, then the latest published_on, then the one with
-- most values, then report_id). layout: the report's codes decide (a 2019 report may still use
-- the old table), else its era, else its year. rid: the report's number when the reports are
-- ordered by jurisdiction, year and rank (so rid - rank is the same for a jurisdiction-year).
-- series_stated: the series (bits by series_no) of its layout it has an operand of.
CREATE OR REPLACE TABLE stored_report_choice AS
WITH facts AS (
  SELECT v.report_id, count(v.value) AS n_values, bit_or(f.layout_flag) AS layout_flags,
    bit_or(CASE WHEN v.nested_under = 'outcomes.denied' THEN f.old_series_nested ELSE f.old_series END) AS old_series,
    bit_or(CASE WHEN v.nested_under = 'outcomes.denied' THEN f.new_series_nested ELSE f.new_series END) AS new_series
  FROM metric_values v LEFT JOIN code_facts f USING (metric_code) GROUP BY v.report_id
), chosen AS (
  SELECT r.report_id, k.jurisdiction_id, k.adcode_of_year, r.adcode AS adcode_filed, r.report_year AS year,
         r.era, r.doc_type, r.status, coalesce(f.n_values, 0) AS n_values,
         row_number() OVER (PARTITION BY k.jurisdiction_id, r.report_year ORDER BY
           r.doc_type IS NOT DISTINCT FROM 'annual_report' DESC, r.status IS NOT DISTINCT FROM 'ok' DESC,
           try_cast(r.published_on AS DATE) DESC NULLS LAST, coalesce(f.n_values, 0) DESC, r.report_id) AS rank,
         CASE WHEN f.layout_flags & 2 <> 0 THEN 'fmt2019+' WHEN f.layout_flags & 1 <> 0 THEN 'pre2019'
              WHEN r.era IN ('fmt2019', 'fmt2021') THEN 'fmt2019+' WHEN r.era IN ('pre2014', 'stat2014') THEN 'pre2019'
              WHEN r.report_year >= 2019 THEN 'fmt2019+' ELSE 'pre2019' END AS layout,
         f.old_series, f.new_series
  FROM report_base r JOIN jurisdiction_keys k
    ON k.jurisdiction_name IS NOT DISTINCT FROM r.jurisdiction_name AND k.admin_level IS NOT DISTINCT FROM r.admin_level
   AND k.adcode IS NOT DISTINCT FROM r.adcode AND k.report_year = r.report_year
  LEFT JOIN facts f USING (report_id)
  WHERE r.report_year IS NOT NULL AND k.jurisdiction_id IS NOT NULL
), numbered AS (
  SELECT jurisdiction_id, year, sum(count(*)) OVER (ORDER BY jurisdiction_id, year) - count(*) AS before
  FROM chosen GROUP BY jurisdiction_id, year
)
SELECT * EXCLUDE (old_series, new_series, before), (before + rank)::INTEGER AS rid,
  coalesce(CASE layout WHEN 'pre2019' THEN old_series ELSE new_series END, 0) AS series_stated
FROM chosen JOIN numbered USING (jurisdiction_id, year);

CREATE OR REPLACE VIEW report_choice AS
SELECT c.report_id, c.jurisdiction_id, c.adcode_of_year, c.adcode_filed, c.year, c.era, c.doc_type, c.status,
  r.published_on, r.source_path, r.jurisdiction_name, c.n_values, c.rank
FROM stored_report_choice c JOIN report_base r USING (report_id);

CREATE OR REPLACE VIEW report_layout AS
SELECT report_id, layout FROM stored_report_choice;

-- The methods of the values (table, prose, derived) as bits, and the text of every set of them.
CREATE OR REPLACE TEMP TABLE method_bits AS
SELECT method, CASE WHEN count(*) OVER () > 8 THEN error('more than 8 distinct metrics.method values')::BIGINT
                    ELSE 1::BIGINT << (row_number() OVER (ORDER BY method) - 1) END AS bit
FROM (SELECT DISTINCT method FROM metric_values WHERE method IS NOT NULL);

CREATE OR REPLACE TABLE method_sets AS
SELECT m.mask, string_agg(b.method, ',' ORDER BY b.method) AS methods
FROM (SELECT count(*) AS k FROM method_bits) g, range(1, 1 << g.k) m(mask)
JOIN method_bits b ON m.mask & b.bit <> 0
GROUP BY m.mask;

-- One row per report × harmonized series of its layout, in numbers: the value, and in `bits`
-- the tier used (1 unless only tier 2 states a positive operand; bits 56..63) and, as bits of
-- that tier, the codes stated (0..15), left blank (16..31) or not in the report (32..47), and
-- the methods (48..55); the view `series` turns them into counts and text.
-- A series with a single operand is the report's row of it as it is (one_operand); one with
-- several adds up the operands the report states (operands); a series the report has no
-- operand of gets an empty row. (The values are narrowed to the series' codes before they meet
-- the reports: that also keeps the planner from joining them to series_parts first.)
CREATE OR REPLACE TABLE stored_series AS
WITH one_operand AS (
  SELECT c.rid, c.rank = 1 AS chosen, p.series_no, p.bit, v.value, m.bit AS method_bit, p.operand_bits
  FROM (FROM metric_values WHERE metric_code IN (SELECT metric_code FROM series_parts WHERE single)) v
  JOIN stored_report_choice c USING (report_id)
  JOIN series_parts p ON p.layout = c.layout AND p.metric_code = v.metric_code AND p.single
  LEFT JOIN method_bits m ON m.method = v.method
), operands AS (
  SELECT c.rid, c.rank = 1 AS chosen, p.series_no, p.tier, p.sign, v.value, p.bit << (16 * (p.tier - 1)) AS bit,
         m.bit << (16 * (p.tier - 1)) AS method_bit, p.operand_bits
  FROM (FROM metric_values WHERE metric_code IN (SELECT metric_code FROM series_parts WHERE NOT single)) v
  JOIN stored_report_choice c USING (report_id)
  JOIN series_parts p ON p.layout = c.layout AND p.metric_code = v.metric_code AND NOT p.single
  LEFT JOIN method_bits m ON m.method = v.method
  WHERE NOT p.nested_only OR v.nested_under = 'outcomes.denied'
), per AS (
  SELECT rid, series_no, any_value(chosen) AS chosen,
    coalesce(bit_or(bit) FILTER (WHERE sign > 0 AND value IS NOT NULL), 0) AS stated,
    coalesce(bit_or(bit) FILTER (WHERE value IS NOT NULL), 0) AS valued,
    coalesce(bit_or(bit) FILTER (WHERE sign > 0), 0) AS present,
    coalesce(bit_or(method_bit), 0) AS methods, any_value(operand_bits) AS operands,
    sum(sign * value) FILTER (WHERE tier = 1) AS total_1, sum(sign * value) FILTER (WHERE tier = 2) AS total_2
  FROM operands GROUP BY rid, series_no
  UNION ALL
  SELECT rid, series_no, chosen, CASE WHEN value IS NOT NULL THEN bit ELSE 0 END, CASE WHEN value IS NOT NULL THEN bit ELSE 0 END,
    bit, coalesce(method_bit, 0), operand_bits, value, NULL
  FROM one_operand
  UNION ALL
  SELECT c.rid, l.series_no, c.rank = 1, 0, 0, 0, 0, l.operand_bits, NULL, NULL
  FROM stored_report_choice c JOIN series_layouts l ON l.layout = c.layout AND c.series_stated & (1::BIGINT << l.series_no) = 0
), lanes AS (
  SELECT rid, series_no, chosen, tier, CASE WHEN tier = 1 THEN total_1 ELSE total_2 END AS total,
    (stated >> (16 * (tier - 1))) & 65535 AS stated, (valued >> (16 * (tier - 1))) & 65535 AS valued,
    (present >> (16 * (tier - 1))) & 65535 AS present, (methods >> (16 * (tier - 1))) & 65535 AS methods,
    (operands >> (16 * (tier - 1))) & 65535 AS operands
  FROM (SELECT *, CASE WHEN stated & 65535 = 0 AND stated >> 16 <> 0 THEN 2 ELSE 1 END AS tier FROM per)
)
SELECT rid, series_no, chosen, CASE WHEN stated <> 0 THEN total END AS value,
  valued | ((present & ~stated) << 16) | ((operands & ~present) << 32) | (methods << 48) | (tier::BIGINT << 56) AS bits
FROM lanes;

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
