ALTER TABLE "comparisons" ADD COLUMN "direction" text;--> statement-breakpoint
ALTER TABLE "leaderboard_entries" ADD COLUMN "vs_top_direction" text;--> statement-breakpoint
ALTER TABLE "leaderboard_entries" ADD COLUMN "vs_top_only_this" integer;--> statement-breakpoint
ALTER TABLE "leaderboard_entries" ADD COLUMN "vs_top_only_other" integer;--> statement-breakpoint
ALTER TABLE "leaderboard_entries" ADD COLUMN "vs_best_baseline_direction" text;--> statement-breakpoint
ALTER TABLE "leaderboard_entries" ADD COLUMN "vs_best_baseline_only_this" integer;--> statement-breakpoint
ALTER TABLE "leaderboard_entries" ADD COLUMN "vs_best_baseline_only_other" integer;--> statement-breakpoint
ALTER TABLE "leaderboard_entries" ADD COLUMN "exact_set_accuracy" double precision;--> statement-breakpoint
ALTER TABLE "leaderboard_entries" ADD COLUMN "majority_accuracy" double precision;--> statement-breakpoint
ALTER TABLE "leaderboard_entries" ADD COLUMN "below_majority" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "leaderboard_entries" ADD COLUMN "partial" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Rows written before directions were stored: the direction follows from the discordant counts and the adjusted p.
UPDATE "comparisons" SET "direction" = CASE WHEN "p_adjusted" < 0.05 AND "only_a" > "only_b" THEN 'better' WHEN "p_adjusted" < 0.05 AND "only_a" < "only_b" THEN 'worse' ELSE 'none' END;--> statement-breakpoint
UPDATE "leaderboard_entries" e SET "vs_best_baseline_only_this" = c."only_a", "vs_best_baseline_only_other" = c."only_b", "vs_best_baseline_direction" = CASE WHEN e."p_vs_best_baseline_adjusted" < 0.05 AND c."only_a" > c."only_b" THEN 'better' WHEN e."p_vs_best_baseline_adjusted" < 0.05 AND c."only_a" < c."only_b" THEN 'worse' ELSE 'none' END
  FROM "comparisons" c JOIN "runs" rb ON rb."id" = c."run_b"
  WHERE c."sweep_id" = e."sweep_id" AND c."run_a" = e."run_id" AND c."task" = e."task" AND c."mode" LIKE e."mode" || ' vs %' AND rb."family" <> 'lora' AND c."p_value" = e."p_vs_best_baseline";--> statement-breakpoint
UPDATE "leaderboard_entries" e SET "vs_top_only_this" = c."only_a", "vs_top_only_other" = c."only_b",
    "vs_top_direction" = CASE WHEN e."p_vs_top_adjusted" < 0.05 AND c."only_a" > c."only_b" THEN 'better' WHEN e."p_vs_top_adjusted" < 0.05 AND c."only_a" < c."only_b" THEN 'worse' ELSE 'none' END
  FROM "comparisons" c
  WHERE c."sweep_id" = e."sweep_id" AND c."run_a" = e."run_id" AND c."task" = e."task" AND c."mode" LIKE e."mode" || ' vs %' AND c."p_value" = e."p_vs_top";
