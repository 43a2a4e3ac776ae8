CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "comparisons" (
	"id" text PRIMARY KEY NOT NULL,
	"sweep_id" text NOT NULL,
	"run_a" text NOT NULL,
	"run_b" text NOT NULL,
	"task" text NOT NULL,
	"mode" text NOT NULL,
	"test" text NOT NULL,
	"only_a" integer NOT NULL,
	"only_b" integer NOT NULL,
	"n" integer NOT NULL,
	"p_value" double precision NOT NULL,
	"p_adjusted" double precision,
	"adjustment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dataset_versions" (
	"name" text NOT NULL,
	"hash" text NOT NULL,
	"parent_hash" text,
	"message" text,
	"object_key" text NOT NULL,
	"record_count" integer NOT NULL,
	"template_count" integer NOT NULL,
	"stats" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dataset_versions_name_hash_pk" PRIMARY KEY("name","hash")
);
--> statement-breakpoint
CREATE TABLE "fold_results" (
	"run_id" text NOT NULL,
	"fold" integer NOT NULL,
	"mode" text NOT NULL,
	"eval_set" text DEFAULT 'cv' NOT NULL,
	"metrics" jsonb NOT NULL,
	"train_loss" jsonb NOT NULL,
	"adapter_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fold_results_run_id_fold_mode_eval_set_pk" PRIMARY KEY("run_id","fold","mode","eval_set")
);
--> statement-breakpoint
CREATE TABLE "leaderboard_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"sweep_id" text NOT NULL,
	"dataset_name" text NOT NULL,
	"dataset_hash" text NOT NULL,
	"eval_set" text DEFAULT 'cv' NOT NULL,
	"task" text NOT NULL,
	"mode" text NOT NULL,
	"family" text NOT NULL,
	"label" text NOT NULL,
	"split_kind" text NOT NULL,
	"n" integer NOT NULL,
	"accuracy" double precision NOT NULL,
	"accuracy_low" double precision NOT NULL,
	"accuracy_high" double precision NOT NULL,
	"macro_f1" double precision NOT NULL,
	"macro_f1_low" double precision,
	"macro_f1_high" double precision,
	"fold_mean" double precision,
	"fold_std" double precision,
	"parse_failures" integer DEFAULT 0 NOT NULL,
	"p_vs_top" double precision,
	"p_vs_top_adjusted" double precision,
	"p_vs_best_baseline" double precision,
	"p_vs_best_baseline_adjusted" double precision,
	"reproduction_status" text DEFAULT 'none' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prediction_sets" (
	"run_id" text NOT NULL,
	"fold" integer NOT NULL,
	"mode" text NOT NULL,
	"eval_set" text DEFAULT 'cv' NOT NULL,
	"object_key" text NOT NULL,
	"sha256" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "prediction_sets_run_id_fold_mode_eval_set_pk" PRIMARY KEY("run_id","fold","mode","eval_set")
);
--> statement-breakpoint
CREATE TABLE "reproductions" (
	"id" text PRIMARY KEY NOT NULL,
	"entry_id" text NOT NULL,
	"original_run_id" text NOT NULL,
	"status" text NOT NULL,
	"tolerance" double precision NOT NULL,
	"verdict" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"sweep_id" text NOT NULL,
	"family" text NOT NULL,
	"label" text NOT NULL,
	"config" jsonb NOT NULL,
	"config_hash" text NOT NULL,
	"seed" integer NOT NULL,
	"dataset_name" text NOT NULL,
	"dataset_hash" text NOT NULL,
	"split_hash" text NOT NULL,
	"split_kind" text NOT NULL,
	"code_commit" text NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "split_manifests" (
	"hash" text PRIMARY KEY NOT NULL,
	"dataset_hash" text NOT NULL,
	"kind" text NOT NULL,
	"spec" jsonb NOT NULL,
	"object_key" text NOT NULL,
	"leakage" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sweeps" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"spec" jsonb NOT NULL,
	"spec_hash" text NOT NULL,
	"dataset_name" text NOT NULL,
	"dataset_hash" text NOT NULL,
	"status" text NOT NULL,
	"total_units" integer DEFAULT 0 NOT NULL,
	"done_units" integer DEFAULT 0 NOT NULL,
	"workflow_id" text NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_hash_idx" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "comparisons_sweep_idx" ON "comparisons" USING btree ("sweep_id");--> statement-breakpoint
CREATE INDEX "dataset_versions_created_idx" ON "dataset_versions" USING btree ("name","created_at");--> statement-breakpoint
CREATE INDEX "leaderboard_lookup_idx" ON "leaderboard_entries" USING btree ("dataset_name","task","mode","accuracy");--> statement-breakpoint
CREATE INDEX "leaderboard_sweep_idx" ON "leaderboard_entries" USING btree ("sweep_id");--> statement-breakpoint
CREATE INDEX "reproductions_entry_idx" ON "reproductions" USING btree ("entry_id");--> statement-breakpoint
CREATE INDEX "runs_sweep_idx" ON "runs" USING btree ("sweep_id");--> statement-breakpoint
CREATE INDEX "sweeps_created_idx" ON "sweeps" USING btree ("created_at");