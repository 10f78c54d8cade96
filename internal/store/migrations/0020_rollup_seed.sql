-- A recompute's new generation of rollups may begin as a copy of the last
-- complete one: then each conversation evaluated into it changes the cells
-- by the difference between its new contributions and those it had, and a
-- conversation whose outcome did not change writes no cell. seed is the
-- generation copied; 0 when the new one began empty (see startGeneration).
ALTER TABLE rollup_versions ADD COLUMN seed BIGINT NOT NULL DEFAULT 0;
