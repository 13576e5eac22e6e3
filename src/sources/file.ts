import { readFile } from 'node:fs/promises';
import { fileProblem, PaperboyError } from '../errors.js';
import { parseHfItems } from './hf-items.js';
import type { PaperSource, SourceResult } from './source.js';

/** A JSON file in the Hugging Face shape; it answers every date with its items, as the API would. */
export function fileSource(path: string): PaperSource {
  const name = `file ${path}`;
  return {
    name,
    async fetchPapers(_date): Promise<SourceResult> {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        throw new PaperboyError('ESOURCE', `${name} cannot be read: ${fileProblem(err)}`, {
          hint: 'check the path in PAPERBOY_SOURCE=file:PATH',
        });
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw new PaperboyError('ESOURCE', `${name} is not valid JSON: ${(err as Error).message}`, {
          hint: 'it must be a JSON array of Hugging Face daily papers items (see samples/daily-papers.json)',
        });
      }
      return { ...parseHfItems(body), failures: [] };
    },
  };
}
