// One error model for the collector's domain: what a user asked cannot be done, and why. Domain code
// throws a DomainError (a kind that decides the HTTP status, an English message for logs, the API
// and the command line, and a message key with its parameters that the pages show in their own
// language). The JSON API maps them in one place (app.onError in http/app.tsx), the pages in one
// helper (ui/routes/forms.ts). A DomainError is an InputError: the command line reports it as bad
// input (exit code 2, the message alone).
import { InputError } from '@tiebreak/shared';
import type { Dict, Lang } from './ui/i18n.ts';

export type ErrorKind = 'invalid' | 'not_found' | 'forbidden' | 'conflict' | 'busy';

/** A key of the dictionaries' `errors` group: both languages have every one (i18n.ts's types). */
export type ErrorKey = keyof Dict['errors'];
/** A name the rules give in both languages (a category's): a page shows the one of its language. */
export type Localized = Readonly<Record<Lang, string>>;
export type ErrorParams = Record<string, string | number | Localized>;

/** One reason among several (a form's fields, a CSV line's cells): English text, key and parameters. */
export interface Reason {
  message: string;
  key: ErrorKey;
  params: ErrorParams;
}
export const reason = (message: string, key: ErrorKey, params: ErrorParams = {}): Reason => ({ message, key, params });

export const ERROR_STATUS = { invalid: 400, forbidden: 403, not_found: 404, conflict: 409, busy: 503 } as const satisfies Record<ErrorKind, number>;

export class DomainError extends InputError {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly key: ErrorKey | null = null,
    readonly params: ErrorParams = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): (typeof ERROR_STATUS)[ErrorKind] {
    return ERROR_STATUS[this.kind];
  }
}

/**
 * The domain error a thrown value stands for, or null for a fault of ours (a bug, the database).
 * An InputError of code that gives no kind (shared parsers, the command line's checks) is bad input.
 */
export function domainErrorOf(error: unknown): DomainError | null {
  if (error instanceof DomainError) return error;
  if (error instanceof InputError) return new DomainError('invalid', error.message);
  return null;
}
