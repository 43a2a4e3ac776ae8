CREATE INDEX "comparisons_runs_idx" ON "comparisons" USING btree ("run_a","run_b");--> statement-breakpoint
CREATE INDEX "leaderboard_task_accuracy_idx" ON "leaderboard_entries" USING btree ("task","accuracy","id");--> statement-breakpoint
CREATE INDEX "leaderboard_run_idx" ON "leaderboard_entries" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "split_manifests_dataset_idx" ON "split_manifests" USING btree ("dataset_hash");