import type { IsoDate, Paper } from '../domain.js';

/** An item of a source's answer that was left out, and why. */
export interface SkippedItem {
  /** 0-based position in the source's answer. */
  index: number;
  id: string | null;
  reason: string;
  /** The source it came from, when several are combined. */
  source?: string;
}

/** A source that did not answer while others did (the run goes on without it). */
export interface SourceFailure {
  source: string;
  error: string;
}

export interface SourceResult {
  papers: Paper[];
  skipped: SkippedItem[];
  failures: SourceFailure[];
}

/** Where papers come from. Every adapter answers a date with that day's papers. */
export interface PaperSource {
  /** Human name for logs and errors, e.g. `Hugging Face daily papers (https://…)`. */
  readonly name: string;
  fetchPapers(date: IsoDate): Promise<SourceResult>;
}
