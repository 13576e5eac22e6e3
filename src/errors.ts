/**
 * The one error class of paperboy. Every failure a person may see carries a code from this
 * table, a one-line message naming the thing that is wrong, and where it helps, the fix.
 */
export const ERROR_CODES = {
  ECONFIG: 'a setting is missing or invalid',
  ESOURCE: 'the paper source could not be read',
  ETEMPLATE: 'a template could not be compiled or rendered',
  ENOPAPERS: 'there are no new papers for the date',
  ECSV: 'a subscriber file could not be read',
  ESTORE: 'the store could not be opened or migrated',
  ENOTFOUND: 'the thing asked for does not exist',
  EBUSY: 'a send for that date is already running',
  EUSAGE: 'the command was called wrongly',
  ESEND: 'a message could not be sent',
  EDNS: 'the DNS servers did not answer',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class PaperboyError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PaperboyError';
    this.code = code;
    this.hint = options.hint;
  }

  /** One line for a terminal: what is wrong, then how to fix it. */
  toLine(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

export function isPaperboyError(err: unknown, code?: ErrorCode): err is PaperboyError {
  return err instanceof PaperboyError && (code === undefined || err.code === code);
}

export function errorMessage(err: unknown): string {
  if (err instanceof PaperboyError) return err.toLine();
  if (err instanceof Error) return err.message;
  return String(err);
}

/** What a file system error means for a person: `does not exist`, `is a folder`, … (the code otherwise). */
export function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a folder on its path is a file';
    default:
      return code ?? errorMessage(err);
  }
}
