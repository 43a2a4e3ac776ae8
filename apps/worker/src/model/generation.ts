/** Predictions for records by batched generation (parsed strictly and fuzzily) and by label scoring. */
import type { ClassificationMode, DatasetRecord, Prediction } from '@opensoc/contracts';
import { parseFuzzy, parseStrict, parsedToPrediction } from '@opensoc/eval';
import { DEFAULT_STOP_SEQUENCES, generate } from '@opensoc/model';
import { ANSWER_ROOM, SharedPrefixes, classifyByScoring, formatterOf, type Candidates, type LabelScoring } from './label-scoring.ts';
import type { LoadedModel } from './model-cache.ts';
import { fitLog, type PromptFormatter } from './prompt-format.ts';

/** Generation is capped and stops at THREAT_TYPE: the four scored fields come first and fit well within this. */
export const MAX_NEW_TOKENS = 48;

export interface PredictOptions {
  format?: PromptFormatter['format'];
  scoring?: LabelScoring;
  onProgress?: (done: number) => void;
}

/** Predictions for the given records in each requested mode (generation is shared by strict and fuzzy). */
export async function predictRecords(
  m: LoadedModel, records: DatasetRecord[], modes: ClassificationMode[], c: Candidates, fold: number, maxSequenceLength: number,
  opts: PredictOptions | ((done: number) => void) = {},
): Promise<Map<ClassificationMode, Prediction[]>> {
  const o: PredictOptions = typeof opts === 'function' ? { onProgress: opts } : opts;
  const f = formatterOf(m, o.format);
  const promptTokens = Math.min(maxSequenceLength, m.model.config.maxPositionEmbeddings) - ANSWER_ROOM;
  const out = new Map<ClassificationMode, Prediction[]>(modes.map((mode) => [mode, []]));
  if (modes.includes('label-scoring')) {
    const prefixes = new SharedPrefixes(m, f.format);
    try {
      for (const [i, r] of records.entries()) {
        const predicted = classifyByScoring(m, r.log, c, { maxSequenceLength, format: f.format, scoring: o.scoring, prefixes });
        out.get('label-scoring')!.push({ recordId: r.id, fold, mode: 'label-scoring', predicted });
        o.onProgress?.(i);
        // Yield so heartbeats and cancellation get through between records.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      prefixes.dispose();
    }
  }
  const generating = modes.filter((mode) => mode !== 'label-scoring');
  if (generating.length > 0) {
    const batch = 8;
    for (let i = 0; i < records.length; i += batch) {
      const slice = records.slice(i, i + batch);
      const results = await generate(m.model, f.tokenizer, slice.map((r) => f.prompt(fitLog(f, r.log, promptTokens))), {
        maxNewTokens: MAX_NEW_TOKENS, batchSize: batch, stopSequences: [...DEFAULT_STOP_SEQUENCES, '\nTHREAT_TYPE:'],
      });
      slice.forEach((r, j) => {
        const text = results[j]!.text;
        for (const mode of generating) {
          const parsed = parsedToPrediction(mode === 'generate-strict' ? parseStrict(text) : parseFuzzy(text));
          out.get(mode)!.push({ recordId: r.id, fold, mode, predicted: parsed.predicted, failures: parsed.failures as Record<string, string>, raw: text });
        }
      });
      o.onProgress?.(i);
    }
  }
  return out;
}
