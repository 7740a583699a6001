-- The stored longitudinal results (metric catalogue §5), brought up to date set-based for what
-- changed. Run by pipeline/views.py after the input views, the helper tables, views_series.sql,
-- (for a full refresh) views_stored.sql, views.sql and views_panel.sql. A full refresh runs the
-- same statements with every report touched and the stored tables empty, so both give the same
-- rows. The inputs, temp relations made by views.py:
--   delta_report_base, delta_metric_values: the current rows (the columns of report_base and
--     metric_values) of every report touched — added, changed or removed since the last refresh;
--   delta_touched (report_id): every report touched;
--   delta_dim_changed (jurisdiction_id): the jurisdictions whose jurisdiction_base row changed.
-- What is redone here: the touched reports' facts and series; the choice among the reports of
-- every jurisdiction-year they were or are in (delta_jy, delta_choice); views_refresh_panel.sql
-- follows with coverage and the panel. A SELECT is a check views.py reads: true means "do a
-- full refresh instead".

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
FROM (SELECT DISTINCT metric_code FROM delta_metric_values) c LEFT JOIN series_parts p USING (metric_code)
GROUP BY ALL;

-- Every touched report with a jurisdiction and a year, in one pass over its values. layout: the
-- report's codes decide (a 2019 report may still use the old table), else its era, else its
-- year. series_stated: the series (bits by series_no) of its layout it has an operand of.
CREATE OR REPLACE TEMP TABLE delta_facts AS
WITH facts AS (
  SELECT v.report_id, count(v.value) AS n_values, bit_or(f.layout_flag) AS layout_flags,
    bit_or(CASE WHEN v.nested_under = 'outcomes.denied' THEN f.old_series_nested ELSE f.old_series END) AS old_series,
    bit_or(CASE WHEN v.nested_under = 'outcomes.denied' THEN f.new_series_nested ELSE f.new_series END) AS new_series
  FROM delta_metric_values v LEFT JOIN code_facts f USING (metric_code) GROUP BY v.report_id
), laid AS (
  SELECT r.report_id, report_rid(r.report_id) AS rid, k.jurisdiction_id, k.adcode_of_year, r.adcode AS adcode_filed,
    r.report_year AS year, r.era, r.doc_type, r.status, r.published_on, coalesce(f.n_values, 0) AS n_values,
    CASE WHEN f.layout_flags & 2 <> 0 THEN 'fmt2019+' WHEN f.layout_flags & 1 <> 0 THEN 'pre2019'
         WHEN r.era IN ('fmt2019', 'fmt2021') THEN 'fmt2019+' WHEN r.era IN ('pre2014', 'stat2014') THEN 'pre2019'
         WHEN r.report_year >= 2019 THEN 'fmt2019+' ELSE 'pre2019' END AS layout,
    f.old_series, f.new_series
  FROM delta_report_base r JOIN jurisdiction_keys k
    ON k.jurisdiction_name IS NOT DISTINCT FROM r.jurisdiction_name AND k.admin_level IS NOT DISTINCT FROM r.admin_level
   AND k.adcode IS NOT DISTINCT FROM r.adcode AND k.report_year = r.report_year
  LEFT JOIN facts f USING (report_id)
  WHERE r.report_year IS NOT NULL AND k.jurisdiction_id IS NOT NULL
)
SELECT * EXCLUDE (old_series, new_series),
  coalesce(CASE layout WHEN 'pre2019' THEN old_series ELSE new_series END, 0) AS series_stated
FROM laid;

-- Reports whose hashes collide: numbered -1, -2, … in report_id order (a full refresh sees them all).
UPDATE delta_facts SET rid = n.rid FROM (
  SELECT report_id, -row_number() OVER (ORDER BY report_id) AS rid FROM delta_facts
  WHERE rid IN (SELECT rid FROM delta_facts GROUP BY rid HAVING count(*) > 1)
) n WHERE delta_facts.report_id = n.report_id;

-- The stored rows of the touched reports.
CREATE OR REPLACE TEMP TABLE delta_old AS
SELECT c.rid, c.report_id, c.jurisdiction_id, c.year FROM stored_report_choice c SEMI JOIN delta_touched USING (report_id);

-- Check: a collision that involves a touched report (old or new) is settled by a full refresh.
SELECT EXISTS (FROM delta_facts WHERE rid < 0) OR EXISTS (FROM delta_old WHERE rid < 0)
  OR EXISTS (SELECT 1 FROM delta_facts f JOIN stored_report_choice c ON c.rid = f.rid
             WHERE c.report_id NOT IN (SELECT report_id FROM delta_touched))
  OR EXISTS (SELECT 1 FROM delta_facts f JOIN (SELECT report_id, report_rid(report_id) AS hashed FROM stored_report_choice
                                               WHERE rid < 0) c ON c.hashed = f.rid
             WHERE c.report_id NOT IN (SELECT report_id FROM delta_touched));

-- The jurisdiction-years the touched reports were or are in.
CREATE OR REPLACE TEMP TABLE delta_jy AS
SELECT DISTINCT jurisdiction_id, year FROM (SELECT jurisdiction_id, year FROM delta_old
                                            UNION ALL SELECT jurisdiction_id, year FROM delta_facts);

-- Every report of those jurisdiction-years, ranked again (old_rank: null for the touched ones).
-- The panel uses rank 1: annual_report first, then status ok, then the latest published_on, then
-- the one with most values, then report_id.
CREATE OR REPLACE TEMP TABLE delta_choice AS
SELECT *, row_number() OVER (PARTITION BY jurisdiction_id, year ORDER BY
    doc_type IS NOT DISTINCT FROM 'annual_report' DESC, status IS NOT DISTINCT FROM 'ok' DESC,
    try_cast(published_on AS DATE) DESC NULLS LAST, n_values DESC, report_id) AS rank
FROM (
  SELECT c.* EXCLUDE (rank), c.rank AS old_rank FROM stored_report_choice c SEMI JOIN delta_jy USING (jurisdiction_id, year)
  WHERE c.report_id NOT IN (SELECT report_id FROM delta_touched)
  UNION ALL BY NAME
  SELECT *, NULL::BIGINT AS old_rank FROM delta_facts
);

CREATE OR REPLACE TEMP VIEW delta_new_choice AS
SELECT * FROM delta_choice WHERE old_rank IS NULL;

-- The touched reports' series go; the other reports of their jurisdiction-years follow the new choice.
DELETE FROM stored_series WHERE rid IN (SELECT rid FROM delta_old);

UPDATE stored_series SET chosen = (d.rank = 1) FROM delta_choice d
WHERE stored_series.rid = d.rid AND d.old_rank IS NOT NULL AND (d.old_rank = 1) <> (d.rank = 1);

-- (The other reports only change rank: updated in place, which costs the checkpoint far less
-- than deleting and inserting them.)
DELETE FROM stored_report_choice WHERE rid IN (SELECT rid FROM delta_old);

UPDATE stored_report_choice SET rank = d.rank FROM delta_choice d
WHERE stored_report_choice.rid = d.rid AND d.old_rank IS NOT NULL AND d.old_rank <> d.rank;

INSERT INTO stored_report_choice BY NAME SELECT * EXCLUDE (old_rank) FROM delta_new_choice;

-- One row per touched report × harmonized series of its layout, in numbers: the value, and in
-- `bits` the tier used (1 unless only tier 2 states a positive operand; bits 56..63) and, as bits
-- of that tier, the codes stated (0..15), left blank (16..31) or not in the report (32..47), and
-- the methods (48..55); the view `series` turns them into counts and text.
-- A series with a single operand is the report's row of it as it is (one_operand); one with
-- several adds up the operands the report states (operands); a series the report has no
-- operand of gets an empty row. (The values are narrowed to the series' codes before they meet
-- the reports: that also keeps the planner from joining them to series_parts first.)
INSERT INTO stored_series BY NAME
WITH one_operand AS (
  SELECT c.rid, c.rank = 1 AS chosen, p.series_no, p.bit, v.value, m.bit AS method_bit, p.operand_bits
  FROM (FROM delta_metric_values WHERE metric_code IN (SELECT metric_code FROM series_parts WHERE single)) v
  JOIN delta_new_choice c USING (report_id)
  JOIN series_parts p ON p.layout = c.layout AND p.metric_code = v.metric_code AND p.single
  LEFT JOIN method_bits m ON m.method = v.method
), operands AS (
  SELECT c.rid, c.rank = 1 AS chosen, p.series_no, p.tier, p.sign, v.value, p.bit << (16 * (p.tier - 1)) AS bit,
         m.bit << (16 * (p.tier - 1)) AS method_bit, p.operand_bits
  FROM (FROM delta_metric_values WHERE metric_code IN (SELECT metric_code FROM series_parts WHERE NOT single)) v
  JOIN delta_new_choice c USING (report_id)
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
  FROM delta_new_choice c JOIN series_layouts l ON l.layout = c.layout AND c.series_stated & (1::BIGINT << l.series_no) = 0
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
