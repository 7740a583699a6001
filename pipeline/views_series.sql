-- The harmonized series of the metric catalogue §5 as data: which metric codes make each series
-- in each layout, and what a value means in each era. Run by pipeline/views.py before views.sql.

-- Which metric codes make up each harmonized series, per layout. tier 1 is used when the report
-- states any of its positive operands, else tier 2 (a group summed from its sub-rows).
-- nested_only: subtracted only when the table nests the row under 否决公开 (Jilin-style tables).
CREATE OR REPLACE VIEW series_definitions AS
SELECT * FROM (VALUES
  ('requests_received', 'pre2019', 1, 'requests.received', 1, false),
  ('requests_received', 'fmt2019+', 1, 'requests.received', 1, false),
  ('granted', 'pre2019', 1, 'outcomes.granted', 1, false),
  ('granted', 'pre2019', 1, 'outcomes.already_public', 1, false),
  ('granted', 'fmt2019+', 1, 'outcomes.granted', 1, false),
  ('partially_granted', 'pre2019', 1, 'outcomes.partial', 1, false),
  ('partially_granted', 'fmt2019+', 1, 'outcomes.partial', 1, false),
  ('refused', 'pre2019', 1, 'outcomes.denied', 1, false),
  ('refused', 'pre2019', 1, 'outcomes.not_exist', -1, true),
  ('refused', 'pre2019', 1, 'outcomes.asked_to_clarify', -1, true),
  ('refused', 'pre2019', 1, 'outcomes.not_this_agency', -1, true),
  ('refused', 'pre2019', 2, 'outcomes.denied.state_secret', 1, false),
  ('refused', 'pre2019', 2, 'outcomes.denied.prohibited_by_law', 1, false),
  ('refused', 'pre2019', 2, 'outcomes.denied.security_stability', 1, false),
  ('refused', 'pre2019', 2, 'outcomes.denied.commercial_secret', 1, false),
  ('refused', 'pre2019', 2, 'outcomes.denied.personal_privacy', 1, false),
  ('refused', 'pre2019', 2, 'outcomes.denied.not_government_info', 1, false),
  ('refused', 'pre2019', 2, 'outcomes.denied.other_reason', 1, false),
  ('refused', 'fmt2019+', 1, 'outcomes.denied', 1, false),
  ('refused', 'fmt2019+', 2, 'outcomes.denied.state_secret', 1, false),
  ('refused', 'fmt2019+', 2, 'outcomes.denied.prohibited_by_law', 1, false),
  ('refused', 'fmt2019+', 2, 'outcomes.denied.security_stability', 1, false),
  ('refused', 'fmt2019+', 2, 'outcomes.denied.third_party', 1, false),
  ('refused', 'fmt2019+', 2, 'outcomes.denied.internal_affairs', 1, false),
  ('refused', 'fmt2019+', 2, 'outcomes.denied.process_info', 1, false),
  ('refused', 'fmt2019+', 2, 'outcomes.denied.enforcement_file', 1, false),
  ('refused', 'fmt2019+', 2, 'outcomes.denied.admin_query', 1, false),
  ('unable_to_provide', 'pre2019', 1, 'outcomes.not_exist', 1, false),
  ('unable_to_provide', 'pre2019', 1, 'outcomes.not_this_agency', 1, false),
  ('unable_to_provide', 'pre2019', 1, 'outcomes.asked_to_clarify', 1, false),
  ('unable_to_provide', 'fmt2019+', 1, 'outcomes.unable', 1, false),
  ('unable_to_provide', 'fmt2019+', 2, 'outcomes.unable.not_held', 1, false),
  ('unable_to_provide', 'fmt2019+', 2, 'outcomes.unable.needs_creation', 1, false),
  ('unable_to_provide', 'fmt2019+', 2, 'outcomes.unable.unclear', 1, false),
  ('not_processed_or_other', 'pre2019', 1, 'outcomes.redirected', 1, false),
  ('not_processed_or_other', 'pre2019', 1, 'outcomes.other_type', 1, false),
  ('not_processed_or_other', 'fmt2019+', 1, 'outcomes.not_processed', 1, false),
  ('not_processed_or_other', 'fmt2019+', 1, 'outcomes.other', 1, false),
  ('not_processed_or_other', 'fmt2019+', 2, 'outcomes.not_processed.petition', 1, false),
  ('not_processed_or_other', 'fmt2019+', 2, 'outcomes.not_processed.duplicate', 1, false),
  ('not_processed_or_other', 'fmt2019+', 2, 'outcomes.not_processed.publication', 1, false),
  ('not_processed_or_other', 'fmt2019+', 2, 'outcomes.not_processed.excessive', 1, false),
  ('not_processed_or_other', 'fmt2019+', 2, 'outcomes.not_processed.confirmation', 1, false),
  ('not_processed_or_other', 'fmt2019+', 2, 'outcomes.other.no_correction', 1, false),
  ('not_processed_or_other', 'fmt2019+', 2, 'outcomes.other.no_fee', 1, false),
  ('not_processed_or_other', 'fmt2019+', 2, 'outcomes.other.other', 1, false),
  ('replies_total', 'pre2019', 1, 'outcomes.total', 1, false),
  ('replies_total', 'fmt2019+', 1, 'outcomes.total', 1, false),
  ('reconsiderations', 'pre2019', 1, 'reconsideration.total', 1, false),
  ('reconsiderations', 'fmt2019+', 1, 'reconsideration.total', 1, false),
  ('reconsiderations_corrected', 'pre2019', 1, 'reconsideration.corrected', 1, false),
  ('reconsiderations_corrected', 'fmt2019+', 1, 'reconsideration.corrected', 1, false),
  ('lawsuits', 'pre2019', 1, 'litigation.total', 1, false),
  ('lawsuits', 'fmt2019+', 1, 'litigation.total', 1, false),
  ('lawsuits', 'fmt2019+', 2, 'litigation.direct.total', 1, false),
  ('lawsuits', 'fmt2019+', 2, 'litigation.after_review.total', 1, false),
  ('lawsuits_corrected', 'pre2019', 1, 'litigation.corrected', 1, false),
  ('lawsuits_corrected', 'fmt2019+', 1, 'litigation.corrected', 1, false),
  ('lawsuits_corrected', 'fmt2019+', 2, 'litigation.direct.corrected', 1, false),
  ('lawsuits_corrected', 'fmt2019+', 2, 'litigation.after_review.corrected', 1, false)
) AS t(series, layout, tier, metric_code, sign, nested_only);

-- What a value of a series means in each era (basis = an era, or a layout when the era's own
-- note does not apply: a 2019 report written in the old layout gets the 'pre2019' note).
CREATE OR REPLACE VIEW series_caveats AS
SELECT * FROM (VALUES
  ('requests_received', 'pre2014', 'Requests received (申请数) as the report states it; provinces used their own tables, some count requests carried in.'),
  ('requests_received', 'stat2014', 'Requests received (收到申请数) of the 2014 national statistics form or the province''s table; may include requests carried in.'),
  ('requests_received', 'pre2019', 'Requests received as stated in the pre-2019 layout; may include requests carried in.'),
  ('requests_received', 'fmt2019+', 'New requests of the year only (本年新收): requests carried over from last year (上年结转) are not included.'),
  ('granted', 'pre2019', '同意公开 plus 属于已主动公开范围 (already public was a reply of its own before 2019; the 2019 form counts it in 予以公开).'),
  ('granted', 'fmt2019+', '(一)予以公开.'),
  ('partially_granted', 'pre2019', '同意部分公开 as stated.'),
  ('partially_granted', 'fmt2019+', '(二)部分公开.'),
  ('refused', 'pre2019', '不同意公开/否决公开, minus "does not exist / unclear / not this agency" rows a table nests under it (counted in unable_to_provide); reasons differ from 2019 (commercial secret, privacy, not government information).'),
  ('refused', 'fmt2019', '(三)不予公开: the eight reasons of the 2019 form, including internal-affairs and process information.'),
  ('refused', 'fmt2021', '(三)不予公开: the eight reasons of the 2019 form (unchanged in 2021).'),
  ('refused', 'fmt2019+', '(三)不予公开.'),
  ('unable_to_provide', 'pre2019', 'Closest pre-2019 equivalent of 无法提供: 信息不存在 + 不属于本机关 + 申请内容不明确 (separate replies then).'),
  ('unable_to_provide', 'fmt2019+', '(四)无法提供: not held, would need to be created, still unclear after correction.'),
  ('not_processed_or_other', 'pre2019', 'Loose equivalent: 告知通过其他途径办理 + 其他类型答复 (few tables have them).'),
  ('not_processed_or_other', 'fmt2019', '(五)不予处理 + (六)其他处理 (one cell in the 2019 form).'),
  ('not_processed_or_other', 'fmt2021', '(五)不予处理 + (六)其他处理 (a group in 2021: 逾期不补正, 逾期未缴费, 其他).'),
  ('not_processed_or_other', 'fmt2019+', '(五)不予处理 + (六)其他处理.'),
  ('replies_total', 'pre2019', 'Replies made (申请答复数) as stated; categories may not add up to it.'),
  ('replies_total', 'fmt2019+', '(七)总计: requests handled this year, including those carried in from last year.'),
  ('reconsiderations', 'pre2019', 'Administrative reviews (行政复议数) about OGI, as stated.'),
  ('reconsiderations', 'fmt2019+', '行政复议 总计: decided (维持, 纠正, 其他) plus pending.'),
  ('reconsiderations_corrected', 'pre2019', 'Reviews that corrected the agency (被依法纠错数).'),
  ('reconsiderations_corrected', 'fmt2019+', 'Reviews with the result 纠正.'),
  ('lawsuits', 'pre2019', 'Lawsuits (行政诉讼数) as stated.'),
  ('lawsuits', 'fmt2019+', 'Direct suits (未经复议直接起诉) plus suits after review (复议后起诉).'),
  ('lawsuits_corrected', 'pre2019', 'Lawsuits that corrected the agency (被依法纠错数).'),
  ('lawsuits_corrected', 'fmt2019+', 'Direct suits plus suits after review with the result 纠正.')
) AS t(series, basis, caveat);


-- Tables for views.sql. A report's operands of a series are handled as bits: each operand has a
-- bit within its (series, layout, tier), and tier t's bits sit in bits 16(t-1) .. 16t-1 of one
-- BIGINT, so that one pass over the values gives every tier's sets at once.
-- series_layouts: every series of each layout, the bits of its positive operands (those a
-- report may lack: the nested_only ones count only when present), and whether it has a single
-- operand (then a report's one value is the series: nothing to add up).
-- series_parts: the operands with their bits. series_code_sets: the text of every set of a
-- tier's codes, sorted (what `series` shows for a set of bits), and how many are positive operands.
CREATE OR REPLACE TEMP TABLE series_bits AS
SELECT d.*, CASE WHEN d.tier NOT IN (1, 2) THEN error('series_definitions: tier must be 1 or 2')::BIGINT
                 WHEN count(*) OVER (PARTITION BY d.series, d.layout, d.tier) > 16 THEN error('series_definitions: more than 16 codes in a tier')::BIGINT
                 ELSE 1::BIGINT << (row_number() OVER (PARTITION BY d.series, d.layout, d.tier ORDER BY d.metric_code) - 1) END AS bit,
  n.series_no
FROM series_definitions d JOIN (SELECT series, (row_number() OVER (ORDER BY series))::INTEGER AS series_no
                                FROM (SELECT DISTINCT series FROM series_definitions)) n USING (series);

CREATE OR REPLACE TABLE series_layouts AS
SELECT series_no, series, layout,
  coalesce(bit_or(bit << (16 * (tier - 1))) FILTER (WHERE sign > 0 AND NOT nested_only), 0) AS operand_bits,
  count(*) = 1 AND bool_and(tier = 1 AND sign > 0 AND NOT nested_only) AS single
FROM series_bits GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE series_parts AS
SELECT b.*, l.operand_bits, l.single FROM series_bits b JOIN series_layouts l USING (series_no, series, layout);

CREATE OR REPLACE TABLE series_code_sets AS
WITH t AS (SELECT series, layout, tier, count(*) AS n_codes FROM series_parts GROUP BY ALL)
SELECT t.series, t.layout, t.tier, m.mask,
  string_agg(p.metric_code, ',' ORDER BY p.metric_code) AS codes,
  string_agg(p.metric_code, ', ' ORDER BY p.metric_code) AS codes_spaced,
  count(*) FILTER (WHERE p.sign > 0) AS n_positive
FROM t, range(1, 1 << t.n_codes) m(mask)
JOIN series_parts p ON p.series = t.series AND p.layout = t.layout AND p.tier = t.tier AND m.mask & p.bit <> 0
GROUP BY ALL;
